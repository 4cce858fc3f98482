"""The python-telegram-bot Application: polling or webhook, commands, replies through the rate limiter."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from channels.telegram.convert import to_inbound
from handlers.cards import TOAST
from handlers.context import BotContext
from handlers.router import handle

log = logging.getLogger(__name__)
CONTEXT_KEY = "caunoi"
WEBHOOK_PATH = "/webhooks/telegram"
CONCURRENT_UPDATES = 8
CONNECTION_POOL_SIZE = 8  # the outbox sends at most a few messages at once
SORRY = "Xin lỗi, mình đang gặp trục trặc nên chưa trả lời được. Bạn gửi lại sau ít phút giúp mình nhé."
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
COMMANDS = [
    BotCommand("start", "Bắt đầu"),
    BotCommand("menu", "Menu chính"),
    BotCommand("help", "Hướng dẫn"),
    BotCommand("tukho", "Giải thích từ khó"),
    BotCommand("canbo", "Gặp cán bộ xã"),
    BotCommand("caidat", "Đổi ngôn ngữ, xã, thôn"),
    BotCommand("riengtu", "Bot lưu gì về bạn"),
]
TOAST_LIMIT = 200


def build_application(ctx: BotContext, token: str, api_url: str, *, polling: bool) -> Application:
    """An Application talking to `api_url` (Telegram, a self-hosted Bot API server or a test server)."""
    root = api_url.rstrip("/")
    builder = (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot{{token}}")
        .base_file_url(f"{root}/file/bot{{token}}")
        .concurrent_updates(CONCURRENT_UPDATES)
        .connection_pool_size(CONNECTION_POOL_SIZE)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data[CONTEXT_KEY] = ctx
    application.add_handler(TypeHandler(Update, _on_update))
    application.add_error_handler(_on_error)
    return application


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Something failed while answering (e.g. the database): log it and tell the resident kindly."""
    log.error("could not answer an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None and update.effective_chat.type == "private":
        try:
            await context.bot.send_message(update.effective_chat.id, SORRY)
        except TelegramError:
            log.exception("could not send the apology either")


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route one update; its replies were queued in the outbox with it. A pressed button is acknowledged,
    with a short notice when the handler gave one."""
    inbound = to_inbound(update)
    replies = []
    if inbound is not None:
        ctx: BotContext = context.application.bot_data[CONTEXT_KEY]
        replies = await handle(ctx, inbound)
    if update.callback_query is not None:
        notice = next((r.text for r in replies if r.action == TOAST), None)
        await update.callback_query.answer(notice[:TOAST_LIMIT] if notice else None, show_alert=False)


async def register_commands(application: Application) -> None:
    """Publish the resident command list shown in Telegram's menu."""
    await application.bot.set_my_commands(COMMANDS)


def add_webhook_route(web_app: web.Application, application: Application, secret: str) -> None:
    """POST /webhooks/telegram: check the secret in constant time, queue the update, answer at once."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.json_response({"ok": False}, status=401)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (ValueError, TypeError, KeyError):
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        if update is None:
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    web_app.router.add_post(WEBHOOK_PATH, receive)
