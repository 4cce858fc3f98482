"""A resident and a volunteers' group over the real python-telegram-bot stack and the fake Bot API."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from channels.telegram.sender import TelegramSender
from channels.telegram.transport import TelegramChannel, build_bot
from core.database import create_engine, session_factory, upgrade_schema
from core.delivery.worker import OutboxWorker
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from fakes.telegram import FakeTelegram, button_press, group_message, private_message
from handlers.context import BotContext
from handlers.runtime import background
from models import Ticket
from models.base import utcnow
from tests.fixtures import card_message_id, telegram_team
from tests.processes import bot_env, start_bot

TOKEN = "123456:TEST-TOKEN"
GROUP = -100777
RESIDENT = 4242
VOLUNTEER = 5151
STRANGER = 6161


async def _set_up_commune(sessions, forum: bool, fake: FakeTelegram) -> str:  # type: ignore[no-untyped-def]
    if forum:
        fake.forums.add(GROUP)
    async with sessions() as session, session.begin():
        await save_commune(session, "thuong-trach", "Thượng Trạch", team=telegram_team(GROUP), is_default=True)
        return await create_invite(session, "thuong-trach", "volunteer", utcnow())


@pytest.fixture
async def running(bot: BotContext, fake: FakeTelegram) -> AsyncIterator[OutboxWorker]:
    channel = TelegramChannel(bot, build_bot(TOKEN, fake.url))
    senders = {"telegram": TelegramSender(channel.bot)}
    async with background(bot, senders, jobs=False) as worker, channel.running(poll_timeout=1):
        yield worker


async def _to(fake: FakeTelegram, chat: int, count: int, method: str = "sendMessage") -> list:  # type: ignore[type-arg]
    await fake.wait_for(lambda f: len(f.sent(method, chat)) >= count)
    return fake.sent(method, chat)


async def _resident_asks_for_a_person(fake: FakeTelegram) -> int:
    """/canbo, a problem (the FAQ may answer it at once, before asking the village), a village: the number
    of messages the resident has received by the time the ticket is open."""
    await fake.push(private_message(RESIDENT, "/canbo"))
    await _to(fake, RESIDENT, 1)
    await fake.push(private_message(RESIDENT, "điện thoại báo sai mã kích hoạt"))
    await fake.wait_for(lambda f: any("thôn" in m.params["text"] for m in f.sent("sendMessage", RESIDENT)))
    await fake.push(private_message(RESIDENT, "Bản Chân Trời"))
    await fake.wait_for(lambda f: any("#1" in m.params["text"] for m in f.sent("sendMessage", RESIDENT)))
    return len(fake.sent("sendMessage", RESIDENT))


async def _join(fake: FakeTelegram, code: str) -> None:
    await fake.push(private_message(VOLUNTEER, f"/join {code}"))
    welcome = (await _to(fake, VOLUNTEER, 1))[-1]
    assert "Chào mừng" in welcome.params["text"]


@pytest.mark.parametrize("forum", [False, True], ids=["replies", "forum"])
async def test_a_request_becomes_a_claimed_answered_rated_ticket(
    bot: BotContext, fake: FakeTelegram, running: OutboxWorker, forum: bool
) -> None:
    code = await _set_up_commune(bot.sessions, forum, fake)
    await _join(fake, code)
    opened = await _resident_asks_for_a_person(fake)
    [card] = await _to(fake, GROUP, 1)
    assert "Yêu cầu #1" in card.params["text"] and "Bản Chân Trời" in card.params["text"]
    assert "xã Thượng Trạch" in card.params["text"]
    topic = card.params.get("message_thread_id")
    assert (topic is not None) == forum
    assert bool(fake.sent("createForumTopic")) == forum
    card_message = await card_message_id(bot.sessions, running)

    await fake.push(button_press(STRANGER, "tv:claim:1", message_id=card_message, chat_id=GROUP))
    await fake.wait_for(
        lambda f: any("thành viên" in (c.params.get("text") or "") for c in f.sent("answerCallbackQuery"))
    )
    await fake.push(button_press(VOLUNTEER, "tv:claim:1", message_id=card_message, chat_id=GROUP))
    await fake.wait_for(
        lambda f: any("Bạn đã nhận" in (c.params.get("text") or "") for c in f.sent("answerCallbackQuery"))
    )
    await fake.wait_for(lambda f: any("đã có người nhận" in c.params["text"] for c in f.sent("editMessageText", GROUP)))
    edited = fake.sent("editMessageText", GROUP)[-1].params
    assert edited["message_id"] == card_message and "(Dân)" in edited["text"]

    place = {"thread_id": topic} if forum else {"reply_to": card_message}
    await fake.push(group_message(GROUP, STRANGER, "gửi mã OTP cho tôi", **place))
    await fake.push(group_message(GROUP, VOLUNTEER, "Bạn ra công an xã làm lại nhé", **place))
    reply = (await _to(fake, RESIDENT, opened + 1))[-1]
    assert "Bạn ra công an xã làm lại nhé" in reply.params["text"]
    assert not any("OTP cho tôi" in (m.params.get("text") or "") for m in fake.sent("sendMessage", RESIDENT))

    await fake.push(
        group_message(
            GROUP, VOLUNTEER, None, voice={"file_id": "vol-voice", "file_unique_id": "u", "duration": 3}, **place
        )
    )
    [voice] = await _to(fake, RESIDENT, 1, "sendVoice")
    assert voice.params["voice"] == "vol-voice"

    await fake.push(private_message(RESIDENT, "em cảm ơn, mai em ra"))
    await fake.wait_for(
        lambda f: any("mai em ra" in (m.params.get("text") or "") for m in f.sent("sendMessage", GROUP))
    )
    thread_of_relay = next(m for m in fake.sent("sendMessage", GROUP) if "mai em ra" in m.params["text"]).params
    if forum:
        assert thread_of_relay.get("message_thread_id") == topic
    else:
        assert thread_of_relay["reply_parameters"]["message_id"] == card_message

    await fake.push(button_press(VOLUNTEER, "tv:close:1", message_id=card_message, chat_id=GROUP))
    rating = (await _to(fake, RESIDENT, opened + 3))[-1]
    assert "chấm điểm" in rating.params["text"]
    await fake.wait_for(lambda f: any("đã đóng" in c.params["text"] for c in f.sent("editMessageText", GROUP)))
    closed_card = [c for c in fake.sent("editMessageText", GROUP) if "đã đóng" in c.params["text"]][-1]
    assert not closed_card.params.get("reply_markup")
    await fake.push(button_press(RESIDENT, "rt:1:5", message_id=99))
    await _to(fake, RESIDENT, opened + 4)
    async with bot.sessions() as session:
        ticket = await session.get(Ticket, 1)
    assert ticket is not None
    assert (ticket.status, ticket.rating, ticket.assignee_id is not None) == ("closed", 5, True)
    assert ticket.first_response_at is not None and ticket.claimed_at is not None


async def test_a_residents_photo_reaches_the_group(bot: BotContext, fake: FakeTelegram, running: OutboxWorker) -> None:
    await _set_up_commune(bot.sessions, False, fake)
    photo = [
        {"file_id": "small", "file_unique_id": "a", "width": 90, "height": 90},
        {"file_id": "big", "file_unique_id": "b", "width": 900, "height": 900},
    ]
    await fake.push(private_message(RESIDENT, None, photo=photo, caption="màn hình báo lỗi"))
    await _to(fake, RESIDENT, 1)
    await fake.push(private_message(RESIDENT, "Bản Ka Ai"))
    [forwarded] = await _to(fake, GROUP, 1, "sendPhoto")
    assert forwarded.params["photo"] == "big"


async def test_a_relay_survives_a_crash_and_is_sent_exactly_once(fake: FakeTelegram, tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    engine = create_engine(database)
    await upgrade_schema(engine)
    await _set_up_commune(session_factory(engine), False, fake)
    await engine.dispose()
    env = bot_env(tmp_path, DATABASE_URL=database, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, WEB_PORT="0")
    first = await start_bot(env, tmp_path, b"Telegram polling started", "run")
    try:
        opened = await _resident_asks_for_a_person(fake)
        await _to(fake, GROUP, 1)
        for _attempt in range(50):
            fake.fail_next("sendMessage", 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, GROUP)
        await fake.push(private_message(RESIDENT, "số tôi là 0912345678, vẫn chưa được"))
        await _to(fake, RESIDENT, opened + 1)  # the resident's acknowledgement, after one failed try
        await fake.wait_for(lambda f: any(c.method == "sendMessage:failed" for c in f.calls))
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    fake.failures.clear()
    second = await start_bot(env, tmp_path, b"Telegram polling started", "run")
    try:
        await fake.wait_for(
            lambda f: any("vẫn chưa được" in (m.params.get("text") or "") for m in f.sent("sendMessage", GROUP))
        )
        await fake.push(private_message(RESIDENT, "còn đó không"))
        await fake.wait_for(
            lambda f: any("còn đó không" in (m.params.get("text") or "") for m in f.sent("sendMessage", GROUP))
        )
    finally:
        second.send_signal(signal.SIGINT)
        await asyncio.wait_for(second.wait(), 30)
    relays = [m for m in fake.sent("sendMessage", GROUP) if "vẫn chưa được" in m.params["text"]]
    assert len(relays) == 1
    assert "0912345678" not in relays[0].params["text"]
    check = create_engine(database)
    async with session_factory(check)() as session:
        [ticket] = list(await session.scalars(select(Ticket)))
    await check.dispose()
    assert ticket.status == "new"
