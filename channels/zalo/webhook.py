"""POST /webhooks/zalo: signature and freshness checked, the event stored in the inbox, then 200.

The signature is checked on the raw body before it is parsed: `app_id` and `timestamp` are read
from it with a strict pattern, the configured app id must match, and only a signed body is given
to the JSON parser. Accepted events are handled from the inbox, so a crash loses none.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from channels.zalo.client import ZaloClient
from channels.zalo.convert import CHANNEL, to_inbound
from channels.zalo.signature import DEFAULT_MAX_AGE, SIGNATURE_HEADER, is_fresh, signature_matches
from core.delivery.inbox import Accepted
from core.language.i18n import DEFAULT_LANGUAGE, N_, translator
from handlers.context import BotContext
from handlers.router import handle
from models.base import utcnow

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/zalo"
SORRY = N_("Xin lỗi, mình đang gặp trục trặc nên chưa trả lời được. Bạn gửi lại sau ít phút giúp mình nhé.")
_APP_ID = re.compile(rb'"app_id"\s*:\s*"?([0-9A-Za-z_-]{1,64})"?\s*[,}]')
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?([0-9]{1,16})"?\s*[,}]')


class ZaloChannel:
    """The Zalo OA webhook, feeding the inbox, and the inbox's handler for Zalo events."""

    def __init__(
        self,
        ctx: BotContext,
        client: ZaloClient,
        secret_key: str,
        app_id: str | None = None,
        *,
        max_age: timedelta = DEFAULT_MAX_AGE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not secret_key:
            raise ValueError("ZALO_OA_SECRET_KEY is needed to check Zalo webhook signatures")
        self.ctx = ctx
        self.client = client
        self.secret_key = secret_key
        self.app_id = app_id
        self.max_age = max_age
        self.clock = clock
        ctx.inbox.register(CHANNEL, self)

    def add_route(self, web_app: web.Application) -> None:
        """Register POST /webhooks/zalo."""
        web_app.router.add_post(WEBHOOK_PATH, self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        """Check, store, answer; 4xx for what is refused (nothing stored), 503 when the database is down."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return _refuse(401, "missing signature")
        raw_body = await request.read()
        app_id, timestamp = _APP_ID.search(raw_body), _TIMESTAMP.search(raw_body)
        if app_id is None or timestamp is None:
            return _refuse(400, "malformed event")
        claimed_app, stamp = app_id.group(1).decode(), timestamp.group(1).decode()
        if self.app_id and claimed_app != self.app_id:
            log.warning("refused a Zalo webhook for another app")
            return _refuse(401, "bad signature")
        if not signature_matches(signature, claimed_app, raw_body, stamp, self.secret_key):
            log.warning("refused a Zalo webhook with a wrong signature")
            return _refuse(401, "bad signature")
        try:
            fresh = is_fresh(stamp, self.clock(), self.max_age)
        except ValueError:
            return _refuse(400, "bad timestamp")
        if not fresh:
            log.warning("refused a stale Zalo webhook")
            return _refuse(403, "stale timestamp")
        event = _parse(raw_body, claimed_app, stamp)
        if event is None:
            return _refuse(400, "malformed event")
        try:
            inbound = to_inbound(event)
        except Exception:
            log.warning("could not read a signed Zalo event")
            return _refuse(400, "malformed event")
        if inbound is not None and inbound.platform_msg_id:
            try:
                await self.ctx.inbox.accept(CHANNEL, [Accepted(inbound.platform_msg_id, inbound.user_id, event)])
            except Exception as error:
                log.warning("could not store a Zalo event (%s): asking Zalo to resend", type(error).__name__)
                return _refuse(503, "try again")
        return web.json_response({"ok": True})

    async def handle(self, event_id: int, body: dict[str, Any]) -> bool:
        """Route a stored event (its replies go through the outbox)."""
        inbound = to_inbound(body)
        if inbound is None:
            return False
        await handle(self.ctx, replace(inbound, inbox_id=event_id))
        return True

    async def give_up(self, body: dict[str, Any]) -> None:
        """Answering failed every time: tell the resident kindly."""
        inbound = to_inbound(body)
        if inbound is not None:
            await self.client.send(inbound.user_id, {"text": translator(DEFAULT_LANGUAGE)(SORRY)})  # no database


def _parse(raw_body: bytes, app_id: str, timestamp: str) -> dict[str, Any] | None:
    """The signed event as a dict whose top-level app_id and timestamp are the ones checked, or None."""
    try:
        event = json.loads(raw_body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict):
        return None
    if str(event.get("app_id")) != app_id or str(event.get("timestamp")) != timestamp:
        return None
    return event


def _refuse(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)
