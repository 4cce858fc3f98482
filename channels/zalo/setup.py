"""The Zalo OA channel's settings (ZALO_*) and its factory: signed webhook, CS-message client, sender."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from channels.zalo.client import ZaloClient
from channels.zalo.convert import CHANNEL
from channels.zalo.sender import ZaloSender
from channels.zalo.webhook import ZaloChannel
from core.settings import fields_from
from handlers.context import BotContext

NAME = CHANNEL
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZaloSettings:
    """ZALO_OA_SECRET_KEY enables the channel (it signs the webhook); ZALO_APP_ID and ZALO_APP_SECRET
    refresh the access token."""

    app_id: str | None = None
    app_secret: str | None = None
    oa_secret_key: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    api_url: str = "https://openapi.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com"
    max_per_second: int | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> ZaloSettings:
        return fields_from(cls, values, "ZALO_")

    @property
    def enabled(self) -> bool:
        return bool(self.oa_secret_key)

    @property
    def secrets(self) -> tuple[str | None, ...]:
        return (self.app_secret, self.oa_secret_key, self.access_token, self.refresh_token)


SETTINGS = ZaloSettings


@asynccontextmanager
async def started(
    ctx: BotContext, settings: ZaloSettings, web_app: web.Application
) -> AsyncIterator[tuple[ZaloSender, Callable[[], AbstractAsyncContextManager[None]]]]:
    """The sender through the CS message API; receiving is the signed webhook at POST /webhooks/zalo,
    served as soon as the web server listens (nothing more to start)."""
    assert settings.oa_secret_key
    async with aiohttp.ClientSession() as http:
        client = ZaloClient.from_settings(settings, http, ctx.sessions)
        ZaloChannel(ctx, client, settings.oa_secret_key, settings.app_id).add_route(web_app)
        yield ZaloSender(client, ctx.web_url), nullcontext
    log.info("Zalo channel stopped")
