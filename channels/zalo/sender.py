"""Outbound -> Zalo CS message bodies (text chunks, query buttons, numbered options, images), and the Sender."""

from __future__ import annotations

from typing import Any

from channels.zalo.client import ZaloClient
from channels.zalo.convert import BUTTON_PREFIX
from core.delivery.sender import Capabilities, RetryLater, Undeliverable
from core.language.i18n import DEFAULT_LANGUAGE, translator
from core.messages import Button, Media, Outbound
from core.messages import split_text as split_at

TEXT_LIMIT = 2000
MAX_BUTTONS = 5
BUTTON_TYPE = "oa.query.hide"  # tapping sends the payload back as the user's text, without showing it
BUTTON_TITLE_LIMIT = 100  # not documented by Zalo; long FAQ questions are cut to stay safe
_ = translator(DEFAULT_LANGUAGE)  # a rendered message does not say whose language it is in


def render(message: Outbound, media_url: str = "") -> list[dict[str, Any]]:
    """The Zalo `message` objects for one reply: text chunks (buttons on the last one), then images.

    Every choice is also listed as "1. label", "2. label" ... so residents whose Zalo shows no
    buttons (or more than five choices) can type the number. A stored recording becomes a link to
    the dashboard's public `/media/` address (`media_url`), which Zalo opens in its audio player.
    """
    stored = [item for item in message.media if item.stored and media_url]
    images = [item.file_id for item in message.media if _is_image(item)]
    images += [f"{media_url}/media/{item.stored}" for item in stored if item.kind == "photo"]
    links = [f"🔊 {media_url}/media/{item.stored}" for item in stored if item.kind != "photo"]
    notes = [
        _("📎 Có tệp đính kèm ({kind}) không gửi được qua Zalo.").format(kind=item.kind)
        for item in message.media
        if not _is_image(item) and not item.stored
    ]
    options = [
        f"{number}. {button.label}" for number, button in enumerate(message.choices(), start=message.first_number)
    ]
    text = "\n\n".join(part for part in (message.text, "\n".join(links), "\n".join(notes), "\n".join(options)) if part)
    bodies: list[dict[str, Any]] = [{"text": chunk} for chunk in split_text(text)]
    buttons = [_button(choice) for choice in message.choices()[:MAX_BUTTONS]]
    if buttons and bodies:
        bodies[-1]["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    bodies.extend(_image(url) for url in images)
    return bodies


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks under Zalo's text limit, cut at paragraphs where possible."""
    return split_at(text, limit)


def _button(button: Button) -> dict[str, str]:
    return {"title": button.label[:BUTTON_TITLE_LIMIT], "type": BUTTON_TYPE, "payload": BUTTON_PREFIX + button.data}


def _is_image(item: Media) -> bool:
    return item.kind == "photo" and item.file_id.startswith(("https://", "http://"))


def _image(url: str) -> dict[str, Any]:
    elements = [{"media_type": "image", "url": url}]
    return {"attachment": {"type": "template", "payload": {"template_type": "media", "elements": elements}}}


class ZaloSender:
    """The Sender protocol for Zalo: one reply may take several CS messages; no edits, no topics, and files
    only as images by web address (a file id from another channel cannot be sent)."""

    capabilities = Capabilities(
        label="Zalo", buttons=True, edit=False, topics=False, media=frozenset(), max_length=TEXT_LIMIT
    )

    def __init__(self, client: ZaloClient, media_url: str = "") -> None:
        self._client = client
        self._media_url = media_url.rstrip("/")

    async def download(self, file_id: str) -> bytes:
        """A file a person sent: Zalo gives its web address, which expires, so it is fetched at once."""
        return await self._client.fetch(file_id)

    async def deliver(
        self, chat_id: str, message: Outbound, *, thread_id: int | None = None, skip_parts: int = 0
    ) -> str | None:
        """Send the parts of `message` after `skip_parts`, in order; the id of the first (Zalo OA has no threads)."""
        first_id: str | None = None
        for number, body in enumerate(render(message, self._media_url)):
            if number < skip_parts:
                continue
            try:
                message_id = await self._client.send(chat_id, body)
            except RetryLater as error:
                error.parts_sent = number
                raise
            first_id = first_id or message_id
        return first_id

    async def edit(self, chat_id: str, message_id: str, message: Outbound) -> None:
        """Zalo OA cannot edit a sent message (`capabilities.edit` is False, so the outbox never asks)."""
        raise Undeliverable("Zalo cannot edit sent messages")

    async def open_topic(self, chat_id: str, title: str) -> int | None:
        """Zalo OA chats have no topics."""
        return None
