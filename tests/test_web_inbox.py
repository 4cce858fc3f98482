"""The web inbox drives the same ticket workflow as the team chat: what one does, the other sees."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import pytest
from sqlalchemy import select

from core.helpdesk import cards
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from core.messages import BUTTON, COMMAND, TEXT, Inbound, Outbound
from handlers.context import BotContext
from handlers.router import handle
from models import FaqParaphrase, OutboxMessage, Ticket
from tests.dashboard import csrf_of, log_in, make_account, web_client
from tests.fixtures import FakeClock, telegram_team

GROUP = "-100500"
RESIDENT = "7001"
VOLUNTEER = "8001"
MORNING = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 in Quảng Trị, within duty hours
_ids = count(1)


async def _send(ctx: BotContext, user: str, kind: str, **fields: object) -> list[Outbound]:
    inbound = Inbound("telegram", user, kind, platform_msg_id=f"w{next(_ids)}", received_at=ctx.clock(), **fields)  # type: ignore[arg-type]
    return await handle(ctx, inbound)


@pytest.fixture
async def desk(bot: BotContext) -> BotContext:
    """Dân Hóa with a Telegram team group, a Telegram volunteer, a resident's open ticket #1, web
    accounts for a volunteer and an officer of Dân Hóa, and a volunteer of another commune."""
    bot.clock = FakeClock(MORNING)
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
        code = await create_invite(session, "dan-hoa", "volunteer", MORNING)
    await _send(bot, VOLUNTEER, COMMAND, text=f"/join {code}", sender_name="Chị Hoa")
    await _send(bot, RESIDENT, COMMAND, text="/canbo")
    await _send(bot, RESIDENT, TEXT, text="tôi nhờ người khác đăng ký mà không nhớ họ dùng số nào")
    [opened] = await _send(bot, RESIDENT, TEXT, text="Bản Ka Oóc")
    assert "#1" in opened.text
    await make_account(bot.sessions, "tnv-web", "volunteer", "dan-hoa")
    await make_account(bot.sessions, "cong-an", "officer", "dan-hoa")
    await make_account(bot.sessions, "tnv-khac", "volunteer", "thuong-trach")
    return bot


async def _outbox(ctx: BotContext, chat_id: str) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        return list(await session.scalars(query))


async def _ticket(ctx: BotContext) -> Ticket:
    async with ctx.sessions() as session:
        ticket = await session.get(Ticket, 1)
        assert ticket is not None
        return ticket


async def test_a_reply_from_the_web_reaches_the_resident_masked_and_the_group_card_follows(desk: BotContext) -> None:
    before_resident = len(await _outbox(desk, RESIDENT))
    before_group = len(await _outbox(desk, GROUP))
    async with web_client(desk) as client:
        await log_in(client, "tnv-web")
        listing = await (await client.get("/tickets")).text()
        assert 'href="/tickets/1"' in listing and "Ka Oóc" in listing
        page = await client.get("/tickets/1")
        html = await page.text()
        assert "không nhớ họ dùng số nào" in html
        sent = await client.post(
            "/tickets/1/reply",
            data={"csrf": csrf_of(html), "text": "Bác gọi cho em số 0912345678 nhé, em hướng dẫn"},
            allow_redirects=False,
        )
        assert sent.status == 303 and sent.headers["Location"] == "/tickets/1"
        after = await (await client.get(sent.headers["Location"])).text()
        assert "Đã gửi cho người dân" in after and "0912345678" not in after
    to_resident = (await _outbox(desk, RESIDENT))[before_resident:]
    assert len(to_resident) == 1
    body = to_resident[0].body["text"]
    assert "hướng dẫn" in body and "tnv-web" in body and "0912345678" not in body
    ticket = await _ticket(desk)
    assert ticket.status == "waiting" and ticket.first_response_at is not None
    group = (await _outbox(desk, GROUP))[before_group:]
    assert any("hướng dẫn" in (m.body.get("text") or "") for m in group)  # the card (or a relay) shows the reply
    [toast] = await _send(desk, VOLUNTEER, BUTTON, payload=cards.payload(cards.CLAIM, 1), chat_id=GROUP, can_toast=True)
    assert "tnv-web" in toast.text  # the Telegram volunteer sees who holds it


async def test_a_ticket_claimed_on_telegram_is_not_taken_by_another_volunteer_on_the_web(desk: BotContext) -> None:
    [toast] = await _send(desk, VOLUNTEER, BUTTON, payload=cards.payload(cards.CLAIM, 1), chat_id=GROUP, can_toast=True)
    assert "nhận" in toast.text
    before = len(await _outbox(desk, RESIDENT))
    async with web_client(desk) as client:
        await log_in(client, "tnv-web")
        html = await (await client.get("/tickets/1")).text()
        assert "Chị Hoa" in html  # the holder, as the group shows it
        refused = await client.post("/tickets/1/reply", data={"csrf": csrf_of(html), "text": "em trả lời"})
        assert "Không làm được" in await refused.text()  # the notice, shown once on the ticket page
        assert "Không làm được" not in await (await client.get("/tickets/1")).text()
    assert len(await _outbox(desk, RESIDENT)) == before
    async with web_client(desk) as client:  # an officer of the commune may act on any of its tickets
        await log_in(client, "cong-an")
        html = await (await client.get("/tickets/1")).text()
        await client.post("/tickets/1/officers", data={"csrf": csrf_of(html)})
        await client.post("/tickets/1/close", data={"csrf": csrf_of(html)})
    ticket = await _ticket(desk)
    assert ticket.with_officers and ticket.status == "closed"
    rating = (await _outbox(desk, RESIDENT))[-1]
    assert "chấm điểm" in rating.body["text"]


async def test_another_communes_volunteer_sees_nothing_and_changes_nothing(desk: BotContext) -> None:
    async with web_client(desk) as client:
        await log_in(client, "tnv-khac")
        assert 'href="/tickets/1"' not in await (await client.get("/tickets")).text()
        assert (await client.get("/tickets/1")).status == 404
        assert (await client.get("/tickets?commune=dan-hoa")).status == 403
        token = csrf_of(await (await client.get("/tickets")).text())
        for action in ("claim", "reply", "close", "officers"):
            response = await client.post(f"/tickets/1/{action}", data={"csrf": token, "text": "x"})
            assert response.status == 404, action
    ticket = await _ticket(desk)
    assert ticket.status == "new" and ticket.assignee_id is None


async def test_inbox_actions_need_the_sessions_csrf_token(desk: BotContext) -> None:
    async with web_client(desk) as client:
        await log_in(client, "cong-an")
        assert (await client.post("/tickets/1/close", data={})).status == 403
        assert (await client.post("/tickets/1/close", data={"csrf": "0" * 64})).status == 403
    assert (await _ticket(desk)).status == "new"


async def test_model_answers_and_teaching_from_the_web(desk: BotContext) -> None:
    entry = next(iter(desk.knowledge.entries.values()))
    before = len(await _outbox(desk, RESIDENT))
    async with web_client(desk) as client:
        await log_in(client, "tnv-web")
        html = await (await client.get("/tickets/1")).text()
        assert f'value="{entry.id}"' in html
        await client.post("/tickets/1/send", data={"csrf": csrf_of(html), "entry": entry.id})
        await client.post("/tickets/1/teach", data={"csrf": csrf_of(html), "entry": entry.id})
        await client.post("/tickets/1/send", data={"csrf": csrf_of(html), "entry": "khong-co-muc-nay"})
    sent = (await _outbox(desk, RESIDENT))[before:]
    assert len(sent) == 1 and entry.answer[:40] in sent[0].body["text"]
    async with desk.sessions() as session:
        taught = await session.scalar(select(FaqParaphrase).where(FaqParaphrase.text.contains("không nhớ họ dùng")))
    assert taught is not None and taught.entry_id == entry.id and taught.status == "pending"
