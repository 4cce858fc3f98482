"""Tickets end to end through the handlers: intake, the volunteers' group, permissions, jobs (fake clock)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.database import create_engine, session_factory
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from core.helpdesk.tickets import claim, open_ticket
from core.messages import BUTTON, COMMAND, MEDIA, TEXT, Inbound, Media, Outbound
from handlers.context import BotContext
from handlers.jobs import run_due_jobs
from handlers.router import handle
from models import Commune, FaqParaphrase, Member, OutboxMessage, Ticket, User
from tests.fixtures import FakeClock, telegram_team

GROUP = "-100500"
RESIDENT = "7001"
VOLUNTEER = "8001"
OFFICER = "8002"
STRANGER = "9999"
# 09:00 in Quảng Trị (UTC+7): inside the default duty hours.
MORNING = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
async def desk(bot: BotContext) -> BotContext:
    """A commune with a volunteers' group, a volunteer and an officer who joined with invite codes."""
    bot.clock = FakeClock(MORNING)
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
        codes = [await create_invite(session, "dan-hoa", role, MORNING) for role in ("volunteer", "officer")]
    for person, code in zip((VOLUNTEER, OFFICER), codes, strict=True):
        [welcome] = await _send(bot, person, COMMAND, text=f"/join {code}", sender_name=f"Người {person}")
        assert "Chào mừng" in welcome.text
    return bot


_counter = iter(range(1, 1_000_000))


async def _send(ctx: BotContext, user: str, kind: str, **fields: object) -> list[Outbound]:
    inbound = Inbound("telegram", user, kind, platform_msg_id=str(next(_counter)), received_at=ctx.clock(), **fields)  # type: ignore[arg-type]
    return await handle(ctx, inbound)


async def _press(ctx: BotContext, user: str, payload: str, in_group: bool = False) -> list[Outbound]:
    extra = {"chat_id": GROUP, "can_toast": True} if in_group else {}
    return await _send(ctx, user, BUTTON, payload=payload, **extra)


async def _outbox(ctx: BotContext, chat_id: str | None = None) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if chat_id is not None:
            query = query.where(OutboxMessage.chat_id == chat_id)
        return list(await session.scalars(query))


async def _ticket(ctx: BotContext, ticket_id: int = 1) -> Ticket:
    async with ctx.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


async def _open_ticket(ctx: BotContext, problem: str = "tôi không nhận được tin nhắn kích hoạt") -> Ticket:
    [ask] = await _send(ctx, RESIDENT, COMMAND, text="/canbo")
    assert "việc gì" in ask.text
    *answered, village = await _send(ctx, RESIDENT, TEXT, text=problem)
    assert "thôn" in village.text
    assert all(reply.action == "answer" for reply in answered)  # a problem the FAQ answers: answered at once
    [opened] = await _send(ctx, RESIDENT, TEXT, text="Bản Ka Oóc")
    assert "#1" in opened.text and "es:back" in [b.data for b in opened.choices()]
    return await _ticket(ctx)


async def test_asking_for_a_person_opens_a_ticket_with_a_card_in_the_group(desk: BotContext) -> None:
    ticket = await _open_ticket(desk, "số điện thoại 0912345678 của tôi không nhận được mã")
    assert (ticket.commune, ticket.village, ticket.status, ticket.channel) == (
        "dan-hoa",
        "Bản Ka Oóc",
        "new",
        "telegram",
    )
    assert "0912345678" not in ticket.summary
    [card] = await _outbox(desk, GROUP)
    assert card.purpose == "anchor" and card.body["topic"].startswith("#1")
    assert "Yêu cầu #1" in card.body["text"] and "0912345678" not in card.body["text"]
    assert {"tv:claim:1", "tv:police:1", "tv:close:1", "tv:tpl:1", "tv:teach:1"} <= {
        data for row in card.body["buttons"] for _label, data in row
    }


async def test_the_intake_can_be_skipped_or_cancelled(desk: BotContext) -> None:
    await _send(desk, RESIDENT, COMMAND, text="/canbo")
    [cancelled] = await _press(desk, RESIDENT, "es:cancel")
    assert "hủy" in cancelled.text.lower() and not await _outbox(desk, GROUP)
    await _send(desk, RESIDENT, COMMAND, text="/canbo")
    [village] = await _press(desk, RESIDENT, "es:skip")
    assert "thôn" in village.text
    [opened] = await _press(desk, RESIDENT, "es:skip")
    assert "#1" in opened.text
    assert (await _ticket(desk)).village is None


async def test_outside_duty_hours_the_resident_is_told_when_to_expect_an_answer(desk: BotContext) -> None:
    desk.clock.advance(hours=12)  # type: ignore[attr-defined]  # 21:00 local time
    await _send(desk, RESIDENT, COMMAND, text="/canbo")
    await _send(desk, RESIDENT, TEXT, text="cần giúp gấp")
    [opened] = await _send(desk, RESIDENT, TEXT, text="Bản Ra Mai")
    assert "ngoài giờ trực" in opened.text and "7:00" in opened.text


async def test_while_a_ticket_is_open_messages_go_to_the_volunteers_until_back_to_bot(desk: BotContext) -> None:
    await _open_ticket(desk)
    [ack] = await _send(desk, RESIDENT, TEXT, text="làm định danh ở đâu")
    assert "Đã chuyển" in ack.text and "Nguồn:" not in ack.text
    relay = (await _outbox(desk, GROUP))[-1]
    assert relay.purpose == "relay" and relay.thread == "ticket:1" and "làm định danh ở đâu" in relay.body["text"]
    await _press(desk, RESIDENT, "es:back")
    [answer] = await _send(desk, RESIDENT, TEXT, text="làm định danh ở đâu")
    assert "Nguồn:" in answer.text
    [again] = await _send(desk, RESIDENT, COMMAND, text="/canbo")
    assert "#1" in again.text and "vẫn đang mở" in again.text


async def test_a_voice_note_becomes_a_ticket_and_is_forwarded(desk: BotContext) -> None:
    [ask] = await _send(desk, RESIDENT, MEDIA, media=(Media("voice", "voice-file-1"),))
    assert "thoại" in ask.text
    await _send(desk, RESIDENT, TEXT, text="Bản Cà Roòng")
    posts = await _outbox(desk, GROUP)
    assert [p.purpose for p in posts] == ["anchor", "relay"]
    assert posts[1].body["media"] == [{"kind": "voice", "file_id": "voice-file-1"}]


async def test_repeated_thumbs_down_leads_to_a_person(desk: BotContext) -> None:
    first = await _send(desk, RESIDENT, TEXT, text="làm định danh ở đâu")
    second = await _send(desk, RESIDENT, TEXT, text="cài vneid thế nào")
    downs = [b.data for reply in (*first, *second) for b in reply.choices() if b.data.startswith("fb:down:")]
    [suggest] = await _press(desk, RESIDENT, downs[0])
    assert suggest.action == "clarify"
    [village] = await _press(desk, RESIDENT, downs[1])
    assert "thôn" in village.text
    await _send(desk, RESIDENT, TEXT, text="Bản A Xóc")
    assert (await _ticket(desk)).reason == "thumbs_down"


async def test_unclear_text_after_a_clarification_goes_to_a_person(desk: BotContext) -> None:
    [clarify] = await _send(desk, RESIDENT, TEXT, text="dinh danh")
    assert clarify.action == "clarify"
    [village] = await _send(desk, RESIDENT, TEXT, text="ừm thì cái kia kìa")
    assert "thôn" in village.text


async def test_invite_codes_work_once_and_expire(desk: BotContext) -> None:
    async with desk.sessions() as session, session.begin():
        code = await create_invite(session, "dan-hoa", "volunteer", MORNING)
    [ok] = await _send(desk, "8100", COMMAND, text=f"/join {code.lower()}")
    [reused] = await _send(desk, "8101", COMMAND, text=f"/join {code}")
    assert "Chào mừng" in ok.text and "không đúng" in reused.text
    async with desk.sessions() as session, session.begin():
        late = await create_invite(session, "dan-hoa", "volunteer", MORNING)
    desk.clock.advance(days=8)  # type: ignore[attr-defined]
    [expired] = await _send(desk, "8102", COMMAND, text=f"/join {late}")
    assert "hết hạn" in expired.text


async def test_only_members_act_on_a_ticket_and_exactly_one_claims_it(desk: BotContext) -> None:
    await _open_ticket(desk)
    [refused] = await _press(desk, STRANGER, "tv:claim:1", in_group=True)
    assert "chưa là thành viên" in refused.text and (await _ticket(desk)).assignee_id is None
    [closed_by_stranger] = await _press(desk, STRANGER, "tv:close:1", in_group=True)
    assert "chưa là thành viên" in closed_by_stranger.text and (await _ticket(desk)).status == "new"
    [claimed] = await _press(desk, VOLUNTEER, "tv:claim:1", in_group=True)
    [taken] = await _press(desk, OFFICER, "tv:claim:1", in_group=True)
    assert claimed.action == "toast" and "Bạn đã nhận" in claimed.text
    assert f"Người {VOLUNTEER}" in taken.text
    [tampered] = await _press(desk, VOLUNTEER, "tv:claim:abc", in_group=True)
    assert "không hợp lệ" in tampered.text


async def test_a_members_reply_reaches_the_resident_and_a_strangers_does_not(desk: BotContext) -> None:
    await _open_ticket(desk)
    card_id = "555"
    async with desk.sessions() as session, session.begin():
        card = (await session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "anchor"))).one()
        card.status, card.platform_msg_id = "sent", card_id
    [refusal] = await _send(desk, STRANGER, TEXT, text="đưa mã OTP đây", chat_id=GROUP, reply_to=card_id)
    assert "chưa là thành viên" in refusal.text
    assert not await _outbox(desk, RESIDENT)
    await _send(desk, VOLUNTEER, TEXT, text="Bạn mang căn cước ra công an xã nhé", chat_id=GROUP, reply_to=card_id)
    [to_resident] = await _outbox(desk, RESIDENT)
    assert "Bạn mang căn cước ra công an xã nhé" in to_resident.body["text"] and to_resident.channel == "telegram"
    ticket = await _ticket(desk)
    assert ticket.status == "waiting" and ticket.first_response_at is not None and ticket.claimed_at is not None
    await _send(desk, RESIDENT, TEXT, text="dạ cảm ơn, mai em ra")
    assert (await _ticket(desk)).status == "claimed"


async def test_closing_asks_the_resident_for_a_rating(desk: BotContext) -> None:
    await _open_ticket(desk)
    await _press(desk, VOLUNTEER, "tv:close:1", in_group=True)
    [again] = await _press(desk, OFFICER, "tv:close:1", in_group=True)
    assert "đã đóng" in again.text
    [rating] = await _outbox(desk, RESIDENT)
    stars = [data for row in rating.body["buttons"] for _label, data in row]
    assert stars == [f"rt:1:{n}" for n in range(1, 6)]
    [thanks] = await _press(desk, RESIDENT, "rt:1:4")
    assert "Cảm ơn" in thanks.text and (await _ticket(desk)).rating == 4
    [forged] = await _press(desk, STRANGER, "rt:1:1")
    assert "cũ" in forged.text and (await _ticket(desk)).rating == 4


async def test_handing_to_officers_tells_them_in_private(desk: BotContext) -> None:
    await _open_ticket(desk)
    await _press(desk, VOLUNTEER, "tv:police:1", in_group=True)
    assert (await _ticket(desk)).with_officers
    [notice] = await _outbox(desk, OFFICER)
    assert "#1" in notice.body["text"]
    [queue] = await _send(desk, OFFICER, COMMAND, text="/queue")
    assert "#1" in queue.text


async def test_member_commands_list_and_show_tickets(desk: BotContext) -> None:
    await _open_ticket(desk)
    [queue] = await _send(desk, VOLUNTEER, COMMAND, text="/queue")
    [mine_before] = await _send(desk, VOLUNTEER, COMMAND, text="/mine")
    await _press(desk, VOLUNTEER, "tv:claim:1")  # from a private chat works too
    [mine_after] = await _send(desk, VOLUNTEER, COMMAND, text="/mine")
    [detail] = await _send(desk, VOLUNTEER, COMMAND, text="/ticket 1")
    [stranger] = await _send(desk, STRANGER, COMMAND, text="/queue")
    assert "#1" in queue.text and "#1" not in mine_before.text and "#1" in mine_after.text
    assert "kích hoạt" in detail.text and "tv:close:1" in [b.data for b in detail.choices()]
    assert "chưa là thành viên" in stranger.text


async def test_model_answers_and_teaching_the_bot(desk: BotContext) -> None:
    await _open_ticket(desk, "điện thoại không nhận tin nhắn kích hoạt tài khoản")
    [choices] = await _press(desk, VOLUNTEER, "tv:tpl:1", in_group=True)
    send = [b.data for b in choices.choices()]
    assert send and all(data.startswith("tv:send:1:") for data in send)
    await _press(desk, VOLUNTEER, send[0], in_group=True)
    [answer] = await _outbox(desk, RESIDENT)
    assert desk.knowledge.entries[send[0].rsplit(":", 1)[1]].answer in answer.body["text"]
    [teach] = await _press(desk, VOLUNTEER, "tv:teach:1", in_group=True)
    learn = teach.choices()[0].data
    [taught] = await _press(desk, VOLUNTEER, learn, in_group=True)
    [twice] = await _press(desk, VOLUNTEER, learn, in_group=True)
    assert "duyệt" in taught.text and "đã có" in twice.text
    async with desk.sessions() as session:
        pending = (await session.scalars(select(FaqParaphrase).where(FaqParaphrase.status == "pending"))).one()
    assert pending.entry_id == learn.rsplit(":", 1)[1] and pending.origin == "volunteer"


async def test_jobs_remind_hand_over_and_close_once_each(desk: BotContext) -> None:
    clock: FakeClock = desk.clock  # type: ignore[assignment]
    await _open_ticket(desk)
    clock.advance(minutes=14)
    assert await run_due_jobs(desk) == 0
    clock.advance(minutes=2)
    assert await run_due_jobs(desk) == 1
    assert await run_due_jobs(desk) == 0
    assert "chưa ai nhận" in (await _outbox(desk, GROUP))[-1].body["text"]
    clock.advance(hours=2)
    assert await run_due_jobs(desk) == 1
    ticket = await _ticket(desk)
    assert ticket.with_officers and ticket.escalated_at == clock.now.replace(tzinfo=ticket.escalated_at.tzinfo)
    assert any("chưa được trả lời" in m.body["text"] for m in await _outbox(desk, OFFICER))
    card = (await _outbox(desk, GROUP))[0]
    async with desk.sessions() as session, session.begin():
        row = await session.get(OutboxMessage, card.id)
        assert row is not None
        row.status, row.platform_msg_id = "sent", "777"
    await _send(desk, OFFICER, TEXT, text="Anh ra công an xã nhé", chat_id=GROUP, reply_to="777")
    clock.advance(hours=71)
    assert await run_due_jobs(desk) == 0
    clock.advance(hours=2)
    assert await run_due_jobs(desk) == 1
    ticket = await _ticket(desk)
    assert (ticket.status, ticket.closed_reason) == ("closed", "resident_silent")
    assert "tự đóng" in (await _outbox(desk, RESIDENT))[-1].body["text"]


async def test_two_processes_run_a_due_reminder_once(desk: BotContext, database_url: str) -> None:
    await _open_ticket(desk)
    other_engine = create_engine(database_url)
    other = BotContext(session_factory(other_engine), desk.matching, desk.knowledge, desk.knowledge_dir, desk.clock)
    desk.clock.advance(minutes=20)  # type: ignore[attr-defined]
    try:
        results = await asyncio.gather(run_due_jobs(desk), run_due_jobs(other))
    finally:
        await other_engine.dispose()
    assert sorted(results) == [0, 1]
    reminders = [m for m in await _outbox(desk, GROUP) if m.body["text"].startswith("⏰")]
    assert len(reminders) == 1


async def test_simultaneous_claims_have_exactly_one_owner(desk: BotContext, database_url: str) -> None:
    await _send(desk, RESIDENT, TEXT, text="xin chào")
    async with desk.sessions() as session, session.begin():
        resident = (await session.scalars(select(User).where(User.external_id == RESIDENT))).one()
        commune = await session.get(Commune, "dan-hoa")
        assert commune is not None
        tickets = [
            await open_ticket(
                session, resident, commune, summary="cần giúp", reason="asked", bot_intent=None, now=MORNING
            )
            for _ in range(5)
        ]
        members = list(await session.scalars(select(Member).order_by(Member.id)))
    engines = [create_engine(database_url) for _ in range(2)]

    async def attempt(index: int, ticket_id: int) -> bool:
        async with session_factory(engines[index])() as session, session.begin():
            return await claim(session, ticket_id, members[index], MORNING)

    try:
        for ticket in tickets:
            wins = await asyncio.gather(attempt(0, ticket.id), attempt(1, ticket.id))
            assert sorted(wins) == [False, True]
            assert (await _ticket(desk, ticket.id)).assignee_id == members[wins.index(True)].id
    finally:
        for engine in engines:
            await engine.dispose()


async def test_an_unlinked_group_tells_the_admin_its_id(desk: BotContext) -> None:
    [hint] = await _send(desk, VOLUNTEER, COMMAND, text="/groupid@caunoi_bot", chat_id="-100999")
    assert "--team telegram:-100999" in hint.text
    assert await _send(desk, VOLUNTEER, TEXT, text="chào cả nhóm", chat_id="-100999") == []


async def test_a_question_typed_when_asked_for_the_village_is_answered(desk: BotContext) -> None:
    await _send(desk, RESIDENT, COMMAND, text="/canbo")
    await _send(desk, RESIDENT, TEXT, text="không vào được ứng dụng")
    [answer] = await _send(desk, RESIDENT, TEXT, text="làm định danh ở đâu")
    assert "Nguồn:" in answer.text
    [opened] = await _send(desk, RESIDENT, TEXT, text="Bản Ka Oóc")
    assert "#1" in opened.text and (await _ticket(desk)).village == "Bản Ka Oóc"
