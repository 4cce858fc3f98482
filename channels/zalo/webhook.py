"""POST /webhooks/zalo: verify the signature and freshness, answer 200 at once, dispatch in the background."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from channels.zalo.convert import to_inbound
from channels.zalo.signature import DEFAULT_MAX_AGE, SIGNATURE_HEADER, is_fresh, signature_matches
from core.messages import Inbound
from models.base import utcnow

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/zalo"
Dispatch = Callable[[Inbound], Awaitable[None]]


class ZaloWebhook:
    """The background dispatches of accepted events; `drain()` waits for them on shutdown."""

    def __init__(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule(self, inbound: Inbound) -> None:
        """Dispatch one event in a task that is kept referenced until it ends."""
        task = asyncio.create_task(self._run(inbound))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every dispatch scheduled so far (and any they schedule) has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, inbound: Inbound) -> None:
        try:
            await self._dispatch(inbound)
        except Exception:
            log.exception("could not handle a Zalo event (message %s)", inbound.platform_msg_id)


def add_zalo_route(
    web_app: web.Application,
    secret_key: str,
    dispatch: Dispatch,
    *,
    max_age: timedelta = DEFAULT_MAX_AGE,
    clock: Callable[[], datetime] = utcnow,
) -> ZaloWebhook:
    """Register POST /webhooks/zalo; accepted events go to `dispatch(inbound)` in the background."""
    if not secret_key:
        raise ValueError("ZALO_OA_SECRET_KEY is needed to check Zalo webhook signatures")
    webhook = ZaloWebhook(dispatch)

    async def receive(request: web.Request) -> web.Response:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return _refuse(401, "missing signature")
        raw_body = await request.read()
        event = _parse(raw_body)
        if event is None:
            return _refuse(400, "malformed event")
        app_id, timestamp = str(event["app_id"]), str(event["timestamp"])
        if not signature_matches(signature, app_id, raw_body, timestamp, secret_key):
            log.warning("refused a Zalo webhook with a wrong signature")
            return _refuse(401, "bad signature")
        if not is_fresh(timestamp, clock(), max_age):
            log.warning("refused a stale Zalo webhook (timestamp %s)", timestamp)
            return _refuse(403, "stale timestamp")
        try:
            inbound = to_inbound(event)
        except (AttributeError, TypeError, ValueError):
            log.warning("could not read a signed Zalo %s event", event.get("event_name"))
            return _refuse(400, "malformed event")
        if inbound is not None:
            webhook.schedule(inbound)
        return web.json_response({"ok": True})

    web_app.router.add_post(WEBHOOK_PATH, receive)
    return webhook


def _parse(raw_body: bytes) -> dict[str, Any] | None:
    """The event as a dict with an app_id and a numeric epoch-ms timestamp, or None."""
    try:
        event = json.loads(raw_body)
    except ValueError:
        return None
    if not isinstance(event, dict) or not event.get("app_id"):
        return None
    timestamp = str(event.get("timestamp", ""))
    return event if timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 16 else None


def _refuse(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)
