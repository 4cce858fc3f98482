"""The Zalo OA adapter: signed webhooks in, CS messages out to a fake OA server, and the token chain."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.zalo.client import ZaloClient, ZaloCredentials
from channels.zalo.convert import BUTTON_PREFIX, to_inbound
from channels.zalo.sender import TEXT_LIMIT, ZaloSender, render
from channels.zalo.signature import expected_signature, is_fresh, signature_matches
from channels.zalo.webhook import WEBHOOK_PATH, ZaloChannel
from core.database import create_engine, session_factory, upgrade_schema
from core.delivery.sender import RetryLater, Undeliverable
from core.delivery.tokens import get_token
from core.delivery.worker import OutboxWorker
from core.messages import BUTTON, COMMAND, MEDIA, TEXT, Button, Inbound, Media, Outbound
from fakes.zalo import (
    APP_ID,
    APP_SECRET,
    OA_SECRET_KEY,
    FakeZalo,
    follow_event,
    signed_webhook,
    user_event,
)
from handlers.context import BotContext
from handlers.runtime import background
from models import ChannelToken, InboxEvent, MessageLog, User
from tests.processes import bot_env, free_port, running_bot
from web.server import build_web_app

RESIDENT = "6142494823000000001"
Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def text_event(text: str, msg_id: str, user_id: str = RESIDENT, timestamp_ms: int = NOW_MS) -> dict[str, Any]:
    return user_event("user_send_text", user_id, timestamp_ms, {"text": text, "msg_id": msg_id})


# --- signature -------------------------------------------------------------------------------


def test_the_signature_is_sha256_of_app_id_body_timestamp_and_secret() -> None:
    event = text_event("chào", "m1")
    headers, body = signed_webhook(event)
    header = headers["X-ZEvent-Signature"]
    assert signature_matches(header, APP_ID, body, str(NOW_MS), OA_SECRET_KEY)
    assert signature_matches(header.removeprefix("mac=").upper(), APP_ID, body, str(NOW_MS), OA_SECRET_KEY)
    assert expected_signature(APP_ID, body, str(NOW_MS), OA_SECRET_KEY) == header


@pytest.mark.parametrize(
    "change",
    [
        {"secret": "another-secret"},
        {"body": b'{"event_name": "user_send_text"}'},
        {"app_id": "1"},
        {"timestamp": str(NOW_MS + 1)},
        {"header": "mac=" + "0" * 64},
        {"header": "mac="},
    ],
)
def test_a_forged_signature_does_not_match(change: dict[str, Any]) -> None:
    headers, body = signed_webhook(text_event("chào", "m1"))
    args = {"header": headers["X-ZEvent-Signature"], "app_id": APP_ID, "body": body, "timestamp": str(NOW_MS)}
    args |= {"secret": OA_SECRET_KEY} | change
    assert not signature_matches(args["header"], args["app_id"], args["body"], args["timestamp"], args["secret"])


@pytest.mark.parametrize(
    ("offset", "fresh"),
    [
        (timedelta(0), True),
        (timedelta(minutes=-4), True),
        (timedelta(minutes=-6), False),
        (timedelta(minutes=6), False),
    ],
)
def test_timestamps_older_or_newer_than_the_max_age_are_stale(offset: timedelta, fresh: bool) -> None:
    timestamp = str(int((NOW + offset).timestamp() * 1000))
    assert is_fresh(timestamp, NOW, timedelta(minutes=5)) is fresh


# --- convert ---------------------------------------------------------------------------------


def _attachment(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"msg_id": f"m-{kind}", "attachments": [{"type": kind, "payload": payload}]}


@pytest.mark.parametrize(
    ("event_name", "attachment", "media"),
    [
        ("user_send_image", _attachment("image", {"url": "https://z/i.jpg"}), Media("photo", "https://z/i.jpg")),
        ("user_send_audio", _attachment("audio", {"url": "https://z/a.aac"}), Media("voice", "https://z/a.aac")),
        ("user_send_video", _attachment("video", {"url": "https://z/v.mp4"}), Media("video", "https://z/v.mp4")),
        ("user_send_sticker", _attachment("sticker", {"id": "st-9"}), Media("sticker", "st-9")),
        ("user_send_gif", _attachment("gif", {"url": "https://z/g.gif"}), Media("gif", "https://z/g.gif")),
        (
            "user_send_file",
            _attachment("file", {"url": "https://z/f.pdf", "name": "f.pdf"}),
            Media("document", "https://z/f.pdf"),
        ),
        ("user_send_link", _attachment("link", {"url": "https://vneid.gov.vn"}), Media("link", "https://vneid.gov.vn")),
        (
            "user_send_location",
            _attachment("location", {"coordinates": {"latitude": "16.75", "longitude": "106.6"}}),
            Media("location", "16.75,106.6"),
        ),
        (
            "user_send_location",
            _attachment("location", {"coordinates": {"lat": 16.75, "long": 106.6}}),
            Media("location", "16.75,106.6"),
        ),
    ],
)
def test_media_events_become_media_inbounds(event_name: str, attachment: dict[str, Any], media: Media) -> None:
    inbound = to_inbound(user_event(event_name, RESIDENT, NOW_MS, attachment))
    assert inbound is not None
    assert (inbound.kind, inbound.media, inbound.user_id) == (MEDIA, (media,), RESIDENT)
    assert inbound.platform_msg_id == attachment["msg_id"]


def test_text_commands_and_our_button_payloads() -> None:
    text = to_inbound(text_event("quen mat khau vneid", "m1"))
    command = to_inbound(text_event("/menu", "m2"))
    button = to_inbound(text_event(f"{BUTTON_PREFIX}faq:cost", "m3"))
    clicked = to_inbound(user_event("user_click_button", RESIDENT, NOW_MS, {"text": f"{BUTTON_PREFIX}menu"}))
    assert text == Inbound("zalo", RESIDENT, TEXT, text="quen mat khau vneid", received_at=NOW, platform_msg_id="m1")
    assert command is not None and (command.kind, command.text) == (COMMAND, "/menu")
    assert button is not None and (button.kind, button.payload, button.text) == (BUTTON, "faq:cost", "")
    assert clicked is not None and (clicked.kind, clicked.payload) == (BUTTON, "menu")


def test_follow_and_chat_now_start_the_conversation() -> None:
    follow = to_inbound(follow_event("f-1", NOW_MS))
    chat_now = to_inbound(
        {
            "event_name": "user_click_chatnow",
            "app_id": APP_ID,
            "user_id": "c-1",
            "oa_id": "oa",
            "timestamp": str(NOW_MS),
        }
    )
    assert follow == Inbound("zalo", "f-1", COMMAND, "/start", received_at=NOW, platform_msg_id=f"follow:{NOW_MS}:f-1")
    assert chat_now is not None
    assert (chat_now.user_id, chat_now.kind, chat_now.text) == ("c-1", COMMAND, "/start")
    assert chat_now.platform_msg_id == f"user_click_chatnow:{NOW_MS}:c-1"


@pytest.mark.parametrize(
    "event_name",
    ["user_received_message", "user_seen_message", "oa_send_text", "oa_send_image", "unfollow", "user_did_a_dance"],
)
def test_receipts_echoes_unfollow_and_unknown_events_are_ignored(event_name: str) -> None:
    event = user_event(event_name, RESIDENT, NOW_MS, {"text": "x", "msg_id": "m"})
    event["follower"] = {"id": RESIDENT}
    assert to_inbound(event) is None


# --- rendering -------------------------------------------------------------------------------


def test_buttons_become_query_buttons_and_numbered_options() -> None:
    choices = tuple((Button(f"Lựa chọn {n}", f"faq:q{n}"),) for n in range(1, 8))
    [body] = render(Outbound("Bạn hỏi câu nào?", buttons=choices))
    buttons = body["attachment"]["payload"]["buttons"]
    assert [b["payload"] for b in buttons] == [f"{BUTTON_PREFIX}faq:q{n}" for n in range(1, 6)]
    assert {b["type"] for b in buttons} == {"oa.query.hide"}
    assert body["text"].splitlines()[-7:] == [f"{n}. Lựa chọn {n}" for n in range(1, 8)]


def test_long_texts_are_split_under_zalo_s_limit_with_buttons_on_the_last_part() -> None:
    paragraphs = [f"Đoạn {n}: " + " ".join(["chữ"] * 150) for n in range(8)]
    bodies = render(Outbound("\n\n".join(paragraphs), buttons=((Button("Menu", "menu"),),)))
    assert len(bodies) > 1
    assert all(len(body["text"]) <= TEXT_LIMIT for body in bodies)
    assert all(body["text"].startswith("Đoạn") for body in bodies)
    assert [("attachment" in body) for body in bodies] == [False] * (len(bodies) - 1) + [True]
    assert "\n\n".join(body["text"] for body in bodies) == "\n\n".join([*paragraphs, "1. Menu"])


def test_a_paragraph_longer_than_the_limit_is_cut_hard() -> None:
    bodies = render(Outbound("x" * (TEXT_LIMIT * 2 + 10)))
    assert [len(body["text"]) for body in bodies] == [TEXT_LIMIT, TEXT_LIMIT, 10]


def test_photos_are_sent_as_images_and_other_media_as_a_note() -> None:
    message = Outbound("Xem ảnh:", media=(Media("photo", "https://cdn/x.jpg"), Media("voice", "voice-1")))
    text, image = render(message)
    assert "voice" in text["text"] and "📎" in text["text"]
    elements = image["attachment"]["payload"]["elements"]
    assert image["attachment"]["payload"]["template_type"] == "media"
    assert elements == [{"media_type": "image", "url": "https://cdn/x.jpg"}]


# --- the client against the fake OA ----------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    server = FakeZalo()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """A migrated database without the knowledge base (all the client needs)."""
    engine = create_engine(database_url)
    await upgrade_schema(engine)
    yield session_factory(engine)
    await engine.dispose()


def make_client(sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession, **kwargs: Any) -> ZaloClient:
    credentials = ZaloCredentials(APP_ID, APP_SECRET, fake.access_token, fake.refresh_token)
    return ZaloClient(http, sessions, credentials, api_url=fake.url, oauth_url=fake.url, **kwargs)


async def stored_token(sessions: Sessions) -> ChannelToken:
    async with sessions() as session:
        token = await get_token(session, "zalo")
    assert token is not None
    return token


async def test_send_posts_a_cs_message_with_the_access_token_header(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    message_id = await make_client(sessions, fake, http).send(RESIDENT, {"text": "Chào bạn"})
    [call] = fake.calls
    assert message_id == "zmsg-1"
    assert call.body == {"recipient": {"user_id": RESIDENT}, "message": {"text": "Chào bạn"}}
    assert call.headers["access_token"] == "access-1"
    assert (await stored_token(sessions)).refresh_token == "refresh-1"


@pytest.mark.parametrize("error", [-216, -220])
async def test_an_expired_token_is_refreshed_stored_and_the_message_resent(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession, error: int
) -> None:
    client = make_client(sessions, fake, http)
    await client.send(RESIDENT, {"text": "một"})
    fake.expire_access_tokens(error)
    assert await client.send(RESIDENT, {"text": "hai"}) == "zmsg-2"
    refused, refresh, resent = fake.calls[1:]
    assert refused.answer["error"] == error
    assert refresh.body == {"refresh_token": "refresh-1", "app_id": APP_ID, "grant_type": "refresh_token"}
    assert refresh.headers["secret_key"] == APP_SECRET
    assert resent.headers["access_token"] == "access-2" and resent.body["message"] == {"text": "hai"}
    token = await stored_token(sessions)
    assert (token.access_token, token.refresh_token, token.version) == ("access-2", "refresh-2", 2)
    assert token.expires_at is not None and token.refreshing_until is None


async def test_a_token_about_to_expire_is_refreshed_before_sending(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    client = make_client(sessions, fake, http, clock=lambda: NOW)
    await client.send(RESIDENT, {"text": "một"})
    async with sessions() as session, session.begin():
        token = await get_token(session, "zalo")
        assert token is not None
        token.expires_at = NOW + timedelta(minutes=1)
    await client.send(RESIDENT, {"text": "hai"})
    assert [call.path for call in fake.calls[1:]] == ["/v4/oa/access_token", "/v3.0/oa/message/cs"]
    assert fake.calls[-1].headers["access_token"] == "access-2"


def _refused_sends(fake: FakeZalo) -> int:
    return sum(call.answer.get("error") == -216 for call in fake.calls)


async def test_two_processes_refreshing_at_once_spend_the_refresh_token_once(
    sessions: Sessions, database_url: str, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    other_engine = create_engine(database_url)  # a second process has its own engine
    first, second = make_client(sessions, fake, http), make_client(session_factory(other_engine), fake, http)
    try:
        await first.send(RESIDENT, {"text": "seed"})
        fake.expire_access_tokens()
        fake.hold_refreshes()
        sending = [asyncio.create_task(client.send(RESIDENT, {"text": "x"})) for client in (first, second)]
        await fake.wait_for(lambda f: _refused_sends(f) == 2 and len(f.refreshes()) == 1)
        fake.release_refreshes()
        assert all(await asyncio.gather(*sending))
    finally:
        await other_engine.dispose()
    assert len(fake.refreshes()) == 1
    assert [call.headers["access_token"] for call in fake.sends()[1:]] == ["access-2", "access-2"]
    assert (await stored_token(sessions)).version == 2


async def test_a_refused_refresh_token_makes_the_message_undeliverable(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    client = make_client(sessions, fake, http)
    await client.send(RESIDENT, {"text": "seed"})
    fake.refresh_token = "spent-elsewhere"
    fake.expire_access_tokens()
    with pytest.raises(Undeliverable) as refused:
        await client.send(RESIDENT, {"text": "x"})
    assert "-14014" in refused.value.reason
    token = await stored_token(sessions)
    assert (token.version, token.refreshing_until) == (1, None)


async def test_no_token_anywhere_is_undeliverable(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    client = ZaloClient(http, sessions, ZaloCredentials(APP_ID, APP_SECRET), api_url=fake.url)
    with pytest.raises(Undeliverable, match="ZALO_ACCESS_TOKEN"):
        await client.send(RESIDENT, {"text": "x"})
    assert fake.calls == []


async def test_outside_the_7_day_window_is_undeliverable_with_a_reason(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    fake.outside_window_once(RESIDENT)
    with pytest.raises(Undeliverable) as refused:
        await make_client(sessions, fake, http).send(RESIDENT, {"text": "x"})
    assert "-230" in refused.value.reason and "7 ngày" in refused.value.reason


@pytest.mark.parametrize(
    ("status", "answer"),
    [(200, {"error": -32, "message": "Rate limit"}), (500, {}), (502, {}), (429, {})],
)
async def test_rate_limits_and_server_errors_are_retried_later(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession, status: int, answer: dict[str, Any]
) -> None:
    fake.fail_next_send(status, answer)
    client = make_client(sessions, fake, http)
    with pytest.raises(RetryLater) as later:
        await client.send(RESIDENT, {"text": "x"})
    assert later.value.seconds > 0
    assert await client.send(RESIDENT, {"text": "x"}) == "zmsg-1"


async def test_other_zalo_errors_are_undeliverable_with_the_code(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    fake.fail_next_send(200, {"error": -201, "message": "Parameter invalid"})
    with pytest.raises(Undeliverable, match="-201 Parameter invalid"):
        await make_client(sessions, fake, http).send(RESIDENT, {"text": "x"})


async def test_an_unreachable_server_is_retried_later(sessions: Sessions, http: aiohttp.ClientSession) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    credentials = ZaloCredentials(APP_ID, APP_SECRET, "access-1", "refresh-1")
    client = ZaloClient(http, sessions, credentials, api_url=closed, oauth_url=closed)
    with pytest.raises(RetryLater):
        await client.send(RESIDENT, {"text": "x"})


async def test_the_sender_delivers_every_part_and_returns_the_first_id(
    sessions: Sessions, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    long_text = "\n\n".join(f"Đoạn {n}: " + "chữ " * 200 for n in range(6))
    message_id = await ZaloSender(make_client(sessions, fake, http)).deliver(RESIDENT, Outbound(long_text))
    sent = fake.sends(RESIDENT)
    assert message_id == "zmsg-1" and len(sent) > 1
    assert all(len(call.body["message"]["text"]) <= TEXT_LIMIT for call in sent)


# --- the webhook, end to end -----------------------------------------------------------------


@dataclass
class Harness:
    """Our web app with the Zalo route, the bot answering through the outbox and ZaloSender, and the fake OA."""

    client: TestClient
    fake: FakeZalo
    bot: BotContext
    worker: OutboxWorker
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def post(self, event: dict[str, Any]) -> int:
        headers, body = signed_webhook(event)
        response = await self.client.post(WEBHOOK_PATH, data=body, headers=headers)
        return response.status

    async def say(self, text: str) -> int:
        number = next(self._ids)
        return await self.post(text_event(text, f"msg-{number}", timestamp_ms=NOW_MS + number))

    async def settle(self) -> None:
        """Wait until posted events are handled and their replies sent."""
        await self.bot.inbox.drain()
        await self.worker.drain()

    async def messages_logged(self) -> int:
        async with self.bot.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(MessageLog)) or 0)


@pytest.fixture
async def zalo(bot: BotContext, fake: FakeZalo, http: aiohttp.ClientSession) -> AsyncIterator[Harness]:
    client = make_client(bot.sessions, fake, http)
    web_app = build_web_app(bot.sessions, lambda: bot.desk)
    ZaloChannel(bot, client, OA_SECRET_KEY, APP_ID, clock=lambda: NOW).add_route(web_app)
    sender = ZaloSender(client)
    async with background(bot, {"zalo": sender}, jobs=False) as worker, TestClient(TestServer(web_app)) as web:
        yield Harness(web, fake, bot, worker)
        await bot.inbox.drain()


def _text(call: Any) -> str:
    return call.body["message"]["text"]


def _buttons(call: Any) -> list[dict[str, str]]:
    return call.body["message"].get("attachment", {}).get("payload", {}).get("buttons", [])


async def test_a_signed_text_is_answered_at_the_fake_oa(zalo: Harness) -> None:
    assert await zalo.say("lam dinh danh o mo") == 200
    [answer] = await zalo.fake.wait_for_sends(1)
    assert answer.body["recipient"] == {"user_id": RESIDENT}
    assert "Nguồn:" in _text(answer)
    assert any(b["payload"] == f"{BUTTON_PREFIX}human" for b in _buttons(answer))


async def test_a_tapped_button_payload_comes_back_as_a_button(zalo: Harness) -> None:
    await zalo.say("dinh danh")
    [clarify] = await zalo.fake.wait_for_sends(1)
    first = _buttons(clarify)[0]
    assert first["payload"].startswith(f"{BUTTON_PREFIX}faq:")
    assert f"1. {first['title']}" in _text(clarify)
    await zalo.say(first["payload"])
    answer = (await zalo.fake.wait_for_sends(2))[1]
    entry = zalo.bot.knowledge.entries[first["payload"].removeprefix(f"{BUTTON_PREFIX}faq:")]
    assert _text(answer).startswith(entry.answer[:60])
    async with zalo.bot.sessions() as session:
        kinds = list(await session.scalars(select(MessageLog.kind).where(MessageLog.direction == "in")))
    assert kinds == [TEXT, BUTTON]


async def test_typing_1_picks_the_first_numbered_option(zalo: Harness) -> None:
    await zalo.say("dinh danh")
    [clarify] = await zalo.fake.wait_for_sends(1)
    first = _buttons(clarify)[0]["payload"].removeprefix(f"{BUTTON_PREFIX}faq:")
    await zalo.say("1")
    answer = (await zalo.fake.wait_for_sends(2))[1]
    assert _text(answer).startswith(zalo.bot.knowledge.entries[first].answer[:60])


async def test_follow_is_greeted(zalo: Harness) -> None:
    assert await zalo.post(follow_event(RESIDENT, NOW_MS)) == 200
    welcome = (await zalo.fake.wait_for_sends(1))[0]
    assert "Cầu Nối" in _text(welcome)
    assert welcome.body["recipient"] == {"user_id": RESIDENT}


async def test_the_same_event_posted_twice_is_answered_once(zalo: Harness) -> None:
    event = text_event("tải vneid ở đâu", "dup-1")
    assert [await zalo.post(event), await zalo.post(event)] == [200, 200]
    await zalo.settle()
    assert len(zalo.fake.sends()) == 1
    assert await zalo.messages_logged() == 2


async def test_receipts_are_accepted_and_ignored(zalo: Harness) -> None:
    receipt = user_event("user_seen_message", "oa", NOW_MS, {"msg_ids": ["zmsg-1"]})
    assert await zalo.post(receipt) == 200
    await zalo.settle()
    assert zalo.fake.calls == [] and await zalo.messages_logged() == 0


def _forged(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    return signed_webhook(event, oa_secret_key="guessed")


def _missing(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    return {}, signed_webhook(event)[1]


def _stale(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    return signed_webhook({**event, "timestamp": str(NOW_MS - 6 * 60 * 1000)})


def _malformed(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    headers, _body = signed_webhook(event)
    return headers, b'{"event_name": "user_send_text", '


def _no_app_id(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    return signed_webhook({**event, "app_id": ""})


@pytest.mark.parametrize(
    ("tamper", "status"),
    [(_forged, 401), (_missing, 401), (_stale, 403), (_malformed, 400), (_no_app_id, 400)],
)
async def test_rejected_webhooks_store_and_send_nothing(zalo: Harness, tamper: Any, status: int) -> None:
    headers, body = tamper(text_event("quên passcode vneid", "bad-1"))
    response = await zalo.client.post(WEBHOOK_PATH, data=body, headers=headers)
    assert response.status == status
    await zalo.settle()
    async with zalo.bot.sessions() as session:
        users = await session.scalar(select(func.count()).select_from(User))
    assert (await zalo.messages_logged(), users, zalo.fake.calls) == (0, 0, [])


async def test_an_accepted_event_is_stored_then_handled_and_purged(
    bot: BotContext, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    """The 200 comes after the insert; once handled, the stored body is cleared and the key kept."""
    web_app = build_web_app(bot.sessions, lambda: bot.desk)
    client = make_client(bot.sessions, fake, http)
    ZaloChannel(bot, client, OA_SECRET_KEY, APP_ID, clock=lambda: NOW).add_route(web_app)
    async with TestClient(TestServer(web_app)) as client:
        headers, body = signed_webhook(text_event("chào", "slow-1"))
        response = await client.post(WEBHOOK_PATH, data=body, headers=headers)
        assert (response.status, await response.json()) == (200, {"ok": True})
        await bot.inbox.drain()
    async with bot.sessions() as session:
        [stored] = list(await session.scalars(select(InboxEvent)))
        logged = await session.scalar(select(func.count()).select_from(MessageLog))
    assert (stored.channel, stored.key, stored.status, stored.body, logged) == ("zalo", "slow-1", "done", None, 2)


def test_a_webhook_without_an_oa_secret_key_is_refused_at_start(bot: BotContext) -> None:
    with pytest.raises(ValueError, match="ZALO_OA_SECRET_KEY"):
        ZaloChannel(bot, cast(ZaloClient, None), "")


async def test_choices_of_several_replies_are_numbered_on(zalo: Harness) -> None:
    follow = follow_event(RESIDENT, NOW_MS)
    assert await zalo.post(follow) == 200
    await zalo.settle()
    welcome, offer = zalo.fake.sends(RESIDENT)[-2:]
    welcome_numbers = [line.split(".")[0] for line in _text(welcome).splitlines() if line[:1].isdigit()]
    offer_numbers = [line.split(".")[0] for line in _text(offer).splitlines() if line[:1].isdigit()]
    assert offer_numbers and offer_numbers[0] == str(len(welcome_numbers) + 1)
    await zalo.say(offer_numbers[0])
    await zalo.settle()
    assert "ngôn ngữ" in _text(zalo.fake.sends(RESIDENT)[-1]).lower()


async def test_bot_run_with_the_oa_keys_serves_zalo_residents(fake: FakeZalo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = bot_env(
        tmp_path,
        ZALO_APP_ID=APP_ID,
        ZALO_APP_SECRET=APP_SECRET,
        ZALO_OA_SECRET_KEY=OA_SECRET_KEY,
        ZALO_ACCESS_TOKEN=fake.access_token,
        ZALO_REFRESH_TOKEN=fake.refresh_token,
        ZALO_API_URL=fake.url,
        ZALO_OAUTH_URL=fake.url,
        WEB_PORT=str(port),
    )
    async with running_bot(env, tmp_path, b"web server on"):
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        headers, body = signed_webhook(text_event("mất thẻ căn cước thì làm sao", "run-1", timestamp_ms=now_ms))
        async with aiohttp.ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", data=body, headers=headers) as answer:
                assert answer.status == 200
            forged = {**headers, "X-ZEvent-Signature": "mac=" + "0" * 64}
            async with http.post(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", data=body, headers=forged) as refused:
                assert refused.status == 401
        [reply] = await fake.wait_for_sends(1)
        assert "căn cước" in _text(reply)
