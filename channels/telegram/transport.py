"""The Telegram channel: updates stored in the inbox (polling or webhook) and handled from there.

An update is committed to the database before Telegram is told it arrived: the webhook answers
200 only after the insert, and the polling offset moves past an update only after it is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from aiohttp import web
from telegram import Bot, BotCommand, Update
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from channels.telegram.convert import CHANNEL, to_inbound
from core.delivery.inbox import Accepted, Inbox
from core.language.i18n import DEFAULT_LANGUAGE, N_, translator
from core.messages import TOAST
from handlers.context import BotContext
from handlers.router import command_menu, handle

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/telegram"
CONNECTION_POOL_SIZE = 8  # the outbox sends at most a few messages at once
SORRY = N_("Xin lỗi, mình đang gặp trục trặc nên chưa trả lời được. Bạn gửi lại sau ít phút giúp mình nhé.")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TOAST_LIMIT = 200
MAX_UPDATE_ID = 2**53
POLL_TIMEOUT_SECONDS = 25
POLL_ERROR_PAUSE_SECONDS = (1, 2, 5, 10, 30)


def build_bot(token: str, api_url: str) -> Bot:
    """A Bot talking to `api_url` (Telegram, a self-hosted Bot API server or a test server)."""
    root = api_url.rstrip("/")
    return Bot(
        token,
        base_url=f"{root}/bot{{token}}",
        base_file_url=f"{root}/file/bot{{token}}",
        request=HTTPXRequest(connection_pool_size=CONNECTION_POOL_SIZE),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
    )


class TelegramChannel:
    """Feeds Telegram updates into the inbox and handles them from there (the inbox's handler)."""

    def __init__(self, ctx: BotContext, bot: Bot) -> None:
        self.ctx = ctx
        self.bot = bot
        self.inbox: Inbox = ctx.inbox
        self.inbox.register(CHANNEL, self)

    def event_of(self, body: object) -> Accepted | None:
        """The inbox entry for a raw update; None when it is not a well-formed update.

        An update with nothing to handle (no sender, a chat-member change...) gets an entry with no
        body: it is acknowledged to Telegram and not stored."""
        if not isinstance(body, dict):
            return None
        update_id = body.get("update_id")
        if type(update_id) is not int or not 0 <= update_id < MAX_UPDATE_ID:
            return None
        try:
            update = Update.de_json(body, self.bot)
            inbound = to_inbound(update)
        except Exception:  # python-telegram-bot raises many kinds on malformed parts
            return None
        if inbound is None and update.callback_query is None:
            return Accepted(str(update_id), "", {})
        chat, user = update.effective_chat, update.effective_user
        chat_key = chat.id if chat is not None else user.id if user is not None else update_id
        return Accepted(str(update_id), str(chat_key), body)

    async def handle(self, event_id: int, body: dict[str, Any]) -> bool:
        """Route a stored update; a pressed button is acknowledged, with the handler's short notice if any."""
        update = Update.de_json(body, self.bot)
        inbound = to_inbound(update)
        replies = []
        if inbound is not None:
            replies = await handle(self.ctx, replace(inbound, inbox_id=event_id))
        if update.callback_query is not None:
            notice = next((r.text for r in replies if r.action == TOAST), None)
            with contextlib.suppress(TelegramError):  # an old button's query may have expired
                await update.callback_query.answer(notice[:TOAST_LIMIT] if notice else None, show_alert=False)
        return inbound is not None

    async def give_up(self, body: dict[str, Any]) -> None:
        """Answering failed every time (e.g. the database): tell the resident kindly."""
        update = Update.de_json(body, self.bot)
        chat = update.effective_chat
        if chat is not None and chat.type == "private":
            await self.bot.send_message(chat.id, translator(DEFAULT_LANGUAGE)(SORRY))  # no database to ask

    def add_webhook_route(self, web_app: web.Application, secret: str) -> None:
        """POST /webhooks/telegram: the secret checked in constant time, the update stored, then 200."""

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return web.json_response({"ok": False}, status=401)
            try:
                body = json.loads(await request.read())
            except (ValueError, RecursionError):
                return web.json_response({"ok": False, "error": "malformed update"}, status=400)
            event = self.event_of(body)
            if event is None:
                return web.json_response({"ok": False, "error": "malformed update"}, status=400)
            try:
                await self.inbox.accept(CHANNEL, [event] if event.body else [])
            except Exception as error:
                log.warning("could not store a Telegram update (%s): asking Telegram to resend", type(error).__name__)
                return web.json_response({"ok": False, "error": "try again"}, status=503)
            return web.json_response({"ok": True})

        web_app.router.add_post(WEBHOOK_PATH, receive)

    @asynccontextmanager
    async def running(
        self, *, webhook_url: str | None = None, secret: str | None = None, poll_timeout: float = POLL_TIMEOUT_SECONDS
    ) -> AsyncIterator[None]:
        """The Bot initialised, commands published, and the webhook set or polling running, for the block."""
        async with self.bot:
            await self.bot.set_my_commands([BotCommand(name, text) for name, text in command_menu()])
            if webhook_url:
                url = webhook_url if webhook_url.endswith(WEBHOOK_PATH) else webhook_url.rstrip("/") + WEBHOOK_PATH
                await self.bot.set_webhook(url, secret_token=secret)
                log.info("Telegram webhook set to %s", url)
                yield
                return
            await self.bot.delete_webhook()
            stopping = asyncio.Event()
            polling = asyncio.create_task(self._poll(stopping, poll_timeout), name="telegram-polling")
            log.info("Telegram polling started")
            try:
                yield
            finally:
                stopping.set()
                await polling

    async def _poll(self, stopping: asyncio.Event, poll_seconds: float) -> None:
        """Fetch updates, store them, and only then confirm them to Telegram (the next offset)."""
        offset: int | None = None
        failures = 0
        while not stopping.is_set():
            updates = await self._fetch(offset, poll_seconds, stopping)
            if updates is None:
                failures += 1
                await _pause(stopping, POLL_ERROR_PAUSE_SECONDS[min(failures, len(POLL_ERROR_PAUSE_SECONDS)) - 1])
                continue
            failures = 0
            events = [event for update in updates if (event := self.event_of(update.to_dict())) and event.body]
            try:
                await self.inbox.accept(CHANNEL, events)
            except Exception as error:
                log.warning("could not store Telegram updates (%s); fetching them again", type(error).__name__)
                await _pause(stopping, POLL_ERROR_PAUSE_SECONDS[0])
                continue
            if updates:
                offset = updates[-1].update_id + 1

    async def _fetch(
        self, offset: int | None, poll_seconds: float, stopping: asyncio.Event
    ) -> tuple[Update, ...] | None:
        """One long poll, abandoned when the channel stops; None after an error (already logged)."""
        fetch = asyncio.create_task(self.bot.get_updates(offset=offset, timeout=int(poll_seconds)))
        stop = asyncio.create_task(stopping.wait())
        await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            return ()
        try:
            return fetch.result()
        except RetryAfter as error:
            await _pause(stopping, float(error.retry_after if isinstance(error.retry_after, int) else 5))
            return ()
        except (InvalidToken, Forbidden, Conflict) as error:
            log.error("Telegram refused getUpdates: %s", error.message)
        except NetworkError as error:
            log.warning("Telegram getUpdates failed: %s", error.message)
        return None


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
