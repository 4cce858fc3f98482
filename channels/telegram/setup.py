"""The Telegram channel's settings (TELEGRAM_*) and its factory: sender, transport and webhook route."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from channels.telegram.convert import CHANNEL
from channels.telegram.sender import TelegramSender
from channels.telegram.transport import TelegramChannel, build_bot
from core.settings import fields_from
from handlers.context import BotContext

NAME = CHANNEL


@dataclass(frozen=True)
class TelegramSettings:
    """TELEGRAM_BOT_TOKEN enables the channel; with TELEGRAM_WEBHOOK_URL (and its secret) updates come
    by webhook, otherwise by polling."""

    bot_token: str | None = None
    api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    max_per_second: int = 30

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> TelegramSettings:
        return fields_from(cls, values, "TELEGRAM_")

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)

    @property
    def secrets(self) -> tuple[str | None, ...]:
        return (self.bot_token, self.webhook_secret)


SETTINGS = TelegramSettings


@asynccontextmanager
async def started(
    ctx: BotContext, settings: TelegramSettings, web_app: web.Application
) -> AsyncIterator[tuple[TelegramSender, Callable[[], AbstractAsyncContextManager[None]]]]:
    """The sender, and how to start receiving (polling, or registering the webhook route added to
    `web_app`), to be entered once the web server listens; closed on exit."""
    assert settings.bot_token
    channel = TelegramChannel(ctx, build_bot(settings.bot_token, settings.api_url))
    if settings.webhook_url:
        if not settings.webhook_secret:
            raise SystemExit("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
        channel.add_webhook_route(web_app, settings.webhook_secret)

    def receiving() -> AbstractAsyncContextManager[None]:
        return channel.running(webhook_url=settings.webhook_url, secret=settings.webhook_secret)

    yield TelegramSender(channel.bot, ctx.media), receiving
