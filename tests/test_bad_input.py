"""Bad input at the doors: malformed, forged, huge or strange webhook posts get a clear 4xx (or 503 when
the database is down), never a 500, and nothing is stored; property-based tests for both parsers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from channels.telegram.convert import to_inbound as telegram_inbound
from channels.telegram.transport import SECRET_HEADER, TelegramChannel, build_bot
from channels.zalo.client import ZaloClient, ZaloCredentials
from channels.zalo.convert import to_inbound as zalo_inbound
from channels.zalo.webhook import WEBHOOK_PATH as ZALO_PATH
from channels.zalo.webhook import ZaloChannel
from core.database import create_engine, session_factory
from core.delivery.inbox import Inbox
from fakes.telegram import private_message
from fakes.zalo import APP_ID, APP_SECRET, OA_SECRET_KEY, signed_webhook, user_event
from handlers.context import BotContext
from models import InboxEvent, MessageLog
from web.server import build_web_app

TOKEN = "123456:BAD-INPUT-TOKEN"
SECRET = "s3cret"
TELEGRAM_PATH = "/webhooks/telegram"
JSON_HEADERS = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
DEEP = b"[" * 100_000 + b"]" * 100_000
MALFORMED_UPDATES: list[bytes] = [
    b"",
    b"{not json",
    b"[]",
    b'"a string"',
    b"42",
    b"null",
    DEEP,
    b'{"update_id": "12"}',
    b'{"update_id": true}',
    b'{"update_id": 123456789012345678901234567890}',
    b'{"update_id": -5}',
    b'{"update_id": 1.5}',
    b'{"update_id": 7, "message": "text"}',
    b'{"update_id": 7, "message": {"chat": [], "date": "x"}}',
    b'{"update_id": 7, "callback_query": {"id": 1, "from": "me"}}',
    b"\xff\xfe\x00",
]


@asynccontextmanager
async def _web_doors(bot: BotContext) -> AsyncIterator[TestClient]:
    """Both webhooks on our web app (the platforms themselves are never reached)."""
    web_app = build_web_app(bot.sessions, lambda: bot.desk)
    TelegramChannel(bot, build_bot(TOKEN, "http://127.0.0.1:9")).add_webhook_route(web_app, SECRET)
    async with aiohttp.ClientSession() as http:
        client = ZaloClient(http, bot.sessions, ZaloCredentials(APP_ID, APP_SECRET), api_url="http://127.0.0.1:9")
        ZaloChannel(bot, client, OA_SECRET_KEY, APP_ID).add_route(web_app)
        async with TestClient(TestServer(web_app)) as test_client:
            yield test_client


@pytest.fixture
async def doors(bot: BotContext) -> AsyncIterator[TestClient]:
    async with _web_doors(bot) as client:
        yield client


async def _stored(bot: BotContext) -> int:
    async with bot.sessions() as session:
        inbox = await session.scalar(select(func.count()).select_from(InboxEvent))
        logged = await session.scalar(select(func.count()).select_from(MessageLog))
    return int(inbox or 0) + int(logged or 0)


@pytest.mark.parametrize("body", MALFORMED_UPDATES, ids=range(len(MALFORMED_UPDATES)))
async def test_malformed_telegram_updates_get_a_400_and_store_nothing(
    doors: TestClient, bot: BotContext, body: bytes
) -> None:
    response = await doors.post(TELEGRAM_PATH, data=body, headers=JSON_HEADERS)
    assert response.status == 400
    assert await _stored(bot) == 0


async def test_an_update_with_nothing_to_handle_is_acknowledged_and_not_stored(
    doors: TestClient, bot: BotContext
) -> None:
    """Telegram must not send it again, and there is nothing to keep (no sender, no chat, or odd types)."""
    odd = {"update_id": 8, "message": {"message_id": "²", "date": 1, "chat": {"id": "x", "type": 5}}}
    for update in (odd, {"update_id": 9, "my_chat_member": {"chat": {"id": 1, "type": "private"}}}):
        response = await doors.post(TELEGRAM_PATH, data=json.dumps(update).encode(), headers=JSON_HEADERS)
        assert response.status == 200
    assert await _stored(bot) == 0


async def test_a_huge_telegram_body_is_refused_before_it_is_read(doors: TestClient, bot: BotContext) -> None:
    response = await doors.post(TELEGRAM_PATH, data=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=JSON_HEADERS)
    assert response.status == 413 and await _stored(bot) == 0


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _zalo_text(**overrides: Any) -> dict[str, Any]:
    event = user_event("user_send_text", "6142494823000001", _now_ms(), {"text": "chào", "msg_id": "m-1"})
    return {**event, **overrides}


def _signed_raw(raw: bytes, app_id: str = APP_ID, timestamp: str = "") -> dict[str, str]:
    """Headers signing an arbitrary raw body the way Zalo would (for bodies that are not a dict)."""
    import hashlib

    mac = hashlib.sha256(app_id.encode() + raw + timestamp.encode() + OA_SECRET_KEY.encode()).hexdigest()
    return {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


ZALO_CASES: list[tuple[str, dict[str, str], bytes, int]] = [
    ("deep nesting, any signature", {"X-ZEvent-Signature": "mac=00"}, DEEP, 400),
    (
        "deep nesting with fields, forged",
        {"X-ZEvent-Signature": "mac=00"},
        b'{"app_id":"1","timestamp":"1",' + DEEP + b"}",
        401,
    ),
    ("not a dict", {"X-ZEvent-Signature": "mac=00"}, b"[1, 2]", 400),
    ("no signature", {}, json.dumps(_zalo_text()).encode(), 401),
]


@pytest.mark.parametrize(("name", "headers", "body", "status"), ZALO_CASES, ids=[c[0] for c in ZALO_CASES])
async def test_bad_zalo_posts_get_a_4xx_and_store_nothing(
    doors: TestClient, bot: BotContext, name: str, headers: dict[str, str], body: bytes, status: int
) -> None:
    response = await doors.post(ZALO_PATH, data=body, headers=headers)
    assert response.status == status, name
    assert await _stored(bot) == 0


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"timestamp": "9" * 16}, 400),  # a 16-digit timestamp: far beyond any date
        ({"timestamp": "1"}, 403),  # 1970: stale
        ({"app_id": "1234567"}, 401),  # signed correctly, but for another app
        ({"sender": "not an object"}, 400),
    ],
)
async def test_signed_but_wrong_zalo_events_are_refused(
    doors: TestClient, bot: BotContext, overrides: dict[str, Any], status: int
) -> None:
    headers, body = signed_webhook(_zalo_text(**overrides))
    response = await doors.post(ZALO_PATH, data=body, headers=headers)
    assert response.status == status
    assert await _stored(bot) == 0


async def test_webhooks_answer_503_when_the_database_is_down(bot: BotContext) -> None:
    """The platform must keep the update and send it again: no 200 before it is stored."""
    unreachable = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    bot.inbox = Inbox(session_factory(unreachable))
    async with _web_doors(bot) as doors:
        update = json.dumps({"update_id": 5, **private_message(42, "chào")}).encode()
        telegram = await doors.post(TELEGRAM_PATH, data=update, headers=JSON_HEADERS)
        headers, body = signed_webhook(_zalo_text())
        zalo = await doors.post(ZALO_PATH, data=body, headers=headers)
    await unreachable.dispose()
    assert (telegram.status, zalo.status) == (503, 503)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
update_like = st.fixed_dictionaries(
    {"update_id": st.integers(min_value=-5, max_value=2**60)},
    optional={"message": json_values, "callback_query": json_values, "edited_message": json_values},
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(update_like)
def test_the_telegram_parser_accepts_or_refuses_any_json_without_raising(body: dict[str, Any]) -> None:
    channel = TelegramChannel.__new__(TelegramChannel)
    channel.bot = build_bot(TOKEN, "http://127.0.0.1:9")
    event = channel.event_of(body)
    if event is not None:
        from telegram import Update

        telegram_inbound(Update.de_json(body, channel.bot))


zalo_like = st.fixed_dictionaries(
    {"event_name": st.sampled_from(["user_send_text", "user_send_location", "user_send_image", "follow", "x"])},
    optional={
        "sender": json_values,
        "follower": json_values,
        "message": json_values,
        "timestamp": st.one_of(st.text(max_size=18), st.integers()),
        "user_id": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(zalo_like)
def test_the_zalo_converter_returns_an_event_or_none_or_a_value_error(event: dict[str, Any]) -> None:
    """Signed events are converted inside a guard: anything other than these outcomes would be a 500."""
    with contextlib.suppress(AttributeError, TypeError, ValueError):
        zalo_inbound(event)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
async def test_any_body_to_either_webhook_gets_no_500(doors: TestClient, body: bytes) -> None:
    for path, headers in ((TELEGRAM_PATH, JSON_HEADERS), (ZALO_PATH, _signed_raw(body))):
        response = await doors.post(path, data=body, headers=headers)
        assert response.status < 500
