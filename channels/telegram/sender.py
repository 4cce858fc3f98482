"""Sends neutral messages through the Bot API for the outbox; Telegram errors become retry or give-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from channels.telegram.convert import keyboard, split_text
from core.delivery.sender import Capabilities, RetryLater, Undeliverable
from core.media.store import MAX_BYTES, DownloadFailed, MediaStore
from core.messages import Media, Outbound

_MEDIA_METHODS = {"photo": "send_photo", "voice": "send_voice", "audio": "send_audio", "video": "send_video"}


class TelegramSender:
    """The outbox's Telegram sender: buttons, edits, forum topics, Telegram's own files."""

    capabilities = Capabilities(
        label="Telegram",
        buttons=True,
        edit=True,
        topics=True,
        media=frozenset({*_MEDIA_METHODS, "document"}),
        max_length=4096,
    )

    def __init__(self, bot: Bot, media: MediaStore | None = None) -> None:
        self.bot = bot
        self.media = media
        self._forums: dict[str, bool] = {}

    async def download(self, file_id: str) -> bytes:
        """A file someone sent the bot (a volunteer's voice note), through getFile."""
        try:
            file = await self.bot.get_file(file_id)
            if file.file_size is not None and file.file_size > MAX_BYTES:
                raise DownloadFailed(f"{file.file_size} bytes")
            return bytes(await file.download_as_bytearray())
        except TelegramError as error:
            raise DownloadFailed(f"Telegram: {error.message}") from error

    async def deliver(
        self, chat_id: str, message: Outbound, *, thread_id: int | None = None, skip_parts: int = 0
    ) -> str | None:
        """Send media first (with the text as caption when short), then the text in chunks, from `skip_parts` on."""
        progress = [skip_parts]
        try:
            return await self._deliver(int(chat_id), message, thread_id, progress)
        except RetryAfter as error:
            raise RetryLater(
                "429 Too Many Requests", _seconds(error.retry_after), throttled=True, parts_sent=progress[0]
            ) from error
        except Forbidden as error:
            raise Undeliverable(f"Telegram: {error.message}") from error
        except BadRequest as error:
            raise Undeliverable(f"Telegram: {error.message}") from error
        except NetworkError as error:
            raise RetryLater(f"Telegram: {error.message}", parts_sent=progress[0]) from error
        except OSError as error:  # a stored recording missing from the media store
            raise Undeliverable(f"media store: {error.strerror}") from error

    async def edit(self, chat_id: str, message_id: str, message: Outbound) -> None:
        """Replace the text and buttons of a message the bot sent (a ticket's card)."""
        try:
            await self.bot.edit_message_text(
                split_text(message.text)[0],
                chat_id=int(chat_id),
                message_id=int(message_id),
                reply_markup=keyboard(message),
            )
        except RetryAfter as error:
            raise RetryLater("429 Too Many Requests", _seconds(error.retry_after), throttled=True) from error
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise Undeliverable(f"Telegram: {error.message}") from error
        except Forbidden as error:
            raise Undeliverable(f"Telegram: {error.message}") from error
        except NetworkError as error:
            raise RetryLater(f"Telegram: {error.message}") from error

    async def open_topic(self, chat_id: str, title: str) -> int | None:
        """A new forum topic when the group has topics enabled; None otherwise."""
        try:
            if chat_id not in self._forums:
                chat = await self.bot.get_chat(int(chat_id))
                self._forums[chat_id] = bool(chat.is_forum)
            if not self._forums[chat_id]:
                return None
            topic = await self.bot.create_forum_topic(int(chat_id), title[:128])
        except RetryAfter as error:
            raise RetryLater("429 Too Many Requests", _seconds(error.retry_after), throttled=True) from error
        except (Forbidden, BadRequest):
            return None  # no right to manage topics: fall back to replies under the card
        except NetworkError as error:
            raise RetryLater(f"Telegram: {error.message}") from error
        return topic.message_thread_id

    async def _deliver(self, chat_id: int, message: Outbound, thread_id: int | None, progress: list[int]) -> str | None:
        """Send the parts after `progress[0]`, counting each one that went out in `progress[0]`."""
        reply = ReplyParameters(int(message.reply_to), allow_sending_without_reply=True) if message.reply_to else None
        common = {"message_thread_id": thread_id, "reply_parameters": reply}
        first: Message | None = None
        for number, send in enumerate(self._parts(chat_id, message, common)):
            if number < progress[0]:
                continue
            sent = await send()
            progress[0] = number + 1
            first = first or sent
        return str(first.message_id) if first is not None else None

    def _parts(self, chat_id: int, message: Outbound, common: dict[str, Any]) -> list[Callable[[], Awaitable[Message]]]:
        """One call per Telegram message: each medium (the text as caption when short), then text chunks."""
        parts: list[Callable[[], Awaitable[Message]]] = []
        text = message.text
        for media in message.media:
            method = getattr(self.bot, _MEDIA_METHODS.get(media.kind, "send_document"))
            caption = text if text and len(text) <= 1000 and not message.buttons else None
            parts.append(partial(method, chat_id, self._file(media), caption=caption, **common))
            if caption:
                text = ""
        chunks = split_text(text) if text else []
        for number, chunk in enumerate(chunks, start=1):
            markup = keyboard(message) if number == len(chunks) else None
            parts.append(partial(self.bot.send_message, chat_id, chunk, reply_markup=markup, **common))
        return parts

    def _file(self, media: Media) -> str | bytes:
        """Telegram's own file id, or the bytes of a stored recording (uploaded)."""
        if media.stored and self.media is not None:
            return self.media.read(media.stored)
        return media.file_id


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
