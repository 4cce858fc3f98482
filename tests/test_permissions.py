"""Who may do what to a ticket: the permission matrix, refusals that reveal nothing, forged data, masked relays.

Everything is driven through `handle(ctx, Inbound(...))` on a real database, as in test_escalation.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from core.helpdesk.communes import save_commune
from core.helpdesk.workflow import REFUSED
from core.messages import BUTTON, COMMAND, MEDIA, TEXT, Inbound, Media, Outbound
from handlers.context import BotContext
from handlers.router import handle
from handlers.team import INVALID_BUTTON
from models import FaqParaphrase, Member, OutboxMessage, Ticket, TicketEvent, User
from tests.fixtures import FakeClock, telegram_team

GROUP = "-100500"
OTHER_GROUP = "-100600"
RESIDENT = "7001"
OTHER_RESIDENT = "7002"
CARD = "555"  # the platform id the card in the group was sent as
MORNING = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 in Quảng Trị
PROBLEM = "ứng dụng báo lỗi lạ mỗi khi tôi mở phần giấy tờ sáng nay"
REPLY = "Chị ra bộ phận một cửa của xã nhé"
ID_NUMBER = "012345678901"

# actor -> (telegram id, commune, role); the stranger is a member of nothing.
PEOPLE: dict[str, tuple[str, str | None, str | None]] = {
    "stranger": ("9999", None, None),
    "other_commune_volunteer": ("8005", "tan-hoa", "volunteer"),
    "volunteer_a": ("8001", "dan-hoa", "volunteer"),  # holds the ticket in the "held" state
    "volunteer_b": ("8003", "dan-hoa", "volunteer"),
    "officer": ("8002", "dan-hoa", "officer"),
    "admin": ("8004", "dan-hoa", "admin"),
}
ACTIONS = ("claim", "reply", "send", "teach", "police", "close", "view")
STATES = ("unclaimed", "held")


def expected(actor: str, action: str, state: str) -> str:
    """The rule under test: "allow", "refuse" (the one refusal text, nothing changes) or "taken" (a claim
    of a held ticket: nothing changes, the member is told who holds it)."""
    if PEOPLE[actor][1] != "dan-hoa":
        return "refuse"
    if action == "claim" and state == "held":
        return "taken"
    if actor == "volunteer_b" and state == "held" and action != "view":
        return "refuse"
    return "allow"


@pytest.fixture
async def desk(bot: BotContext) -> BotContext:
    """Two communes with their groups; dan-hoa has two volunteers, an officer and an admin; ticket #1 in
    dan-hoa has its card in the group (sent as message CARD)."""
    bot.clock = FakeClock(MORNING)
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
        await save_commune(session, "tan-hoa", "Tân Hóa", team=telegram_team(OTHER_GROUP))
        for person, commune, role in PEOPLE.values():
            if commune is not None and role is not None:
                session.add(
                    Member(commune=commune, role=role, channel="telegram", external_id=person, name=f"Người {person}")
                )
    await _open_ticket(bot, RESIDENT)
    async with bot.sessions() as session, session.begin():
        card = (await session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "anchor"))).one()
        card.status, card.platform_msg_id = "sent", CARD
    return bot


_counter = iter(range(1, 1_000_000))


async def _send(ctx: BotContext, user: str, kind: str, **fields: Any) -> list[Outbound]:
    inbound = Inbound("telegram", user, kind, platform_msg_id=str(next(_counter)), received_at=ctx.clock(), **fields)
    return await handle(ctx, inbound)


async def _press(ctx: BotContext, user: str, payload: str) -> list[Outbound]:
    return await _send(ctx, user, BUTTON, payload=payload, chat_id=GROUP, can_toast=True)


async def _open_ticket(ctx: BotContext, resident: str, problem: str = PROBLEM) -> None:
    await _send(ctx, resident, COMMAND, text="/canbo")
    await _send(ctx, resident, TEXT, text=problem)
    [opened] = await _send(ctx, resident, TEXT, text="Bản Ka Oóc")
    assert "Đã gửi yêu cầu" in opened.text


async def _other_communes_ticket(ctx: BotContext) -> int:
    """A ticket of tân-hoa, opened by a resident who chose that commune."""
    await _send(ctx, OTHER_RESIDENT, TEXT, text="xin chào")
    async with ctx.sessions() as session, session.begin():
        resident = (await session.scalars(select(User).where(User.external_id == OTHER_RESIDENT))).one()
        resident.commune = "tan-hoa"
    await _open_ticket(ctx, OTHER_RESIDENT)
    async with ctx.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.commune == "tan-hoa"))
        assert ticket is not None
        return ticket.id


def _entry(ctx: BotContext) -> str:
    return sorted(ctx.knowledge.entries)[0]


async def _act(ctx: BotContext, actor: str, action: str, ticket_id: int = 1) -> list[Outbound]:
    """One action on a ticket, as the platform would deliver it."""
    person = PEOPLE[actor][0]
    if action == "reply":
        return await _send(ctx, person, TEXT, text=REPLY, chat_id=GROUP, reply_to=CARD)
    if action == "view":
        return await _send(ctx, person, COMMAND, text=f"/ticket {ticket_id}")
    button = {"send": f"send:{ticket_id}:{_entry(ctx)}", "teach": f"learn:{ticket_id}:{_entry(ctx)}"}
    return await _press(ctx, person, "tv:" + button.get(action, f"{action}:{ticket_id}"))


async def _snapshot(ctx: BotContext) -> dict[str, Any]:
    """What an action could change: tickets, the outbox, ticket events, taught questions."""
    async with ctx.sessions() as session:
        tickets = [
            {c.key: getattr(t, c.key) for c in Ticket.__table__.columns}
            for t in await session.scalars(select(Ticket).order_by(Ticket.id))
        ]
        outbox = [
            (o.id, o.channel, o.chat_id, o.purpose, o.body)
            for o in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
        events = [
            (e.id, e.ticket_id, e.author, e.text_masked)
            for e in await session.scalars(select(TicketEvent).order_by(TicketEvent.id))
        ]
        taught = [
            (p.id, p.entry_id, p.text)
            for p in await session.scalars(select(FaqParaphrase).where(FaqParaphrase.origin == "volunteer"))
        ]
    return {"tickets": tickets, "outbox": outbox, "events": events, "taught": taught}


async def _member_id(ctx: BotContext, actor: str) -> int:
    async with ctx.sessions() as session:
        member = await session.scalar(select(Member).where(Member.external_id == PEOPLE[actor][0]))
        assert member is not None
        return member.id


async def _ticket(ctx: BotContext, ticket_id: int = 1) -> Ticket:
    async with ctx.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


async def _to_resident(ctx: BotContext) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.chat_id == RESIDENT).order_by(OutboxMessage.id)
        return list(await session.scalars(query))


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", list(PEOPLE))
async def test_permission_matrix(desk: BotContext, actor: str, action: str, state: str) -> None:
    if state == "held":
        [claimed] = await _act(desk, "volunteer_a", "claim")
        assert "Bạn đã nhận" in claimed.text
    before = await _snapshot(desk)
    holder_before = (await _ticket(desk)).assignee_id
    outcome = expected(actor, action, state)

    replies = await _act(desk, actor, action)

    if outcome != "allow" or action == "view":
        changed = await _snapshot(desk)
        assert changed == before, f"{actor} {action} on a {state} ticket changed the database"
    if outcome == "refuse":
        assert [r.text for r in replies] == [REFUSED]
        return
    if outcome == "taken":
        [toast] = replies
        assert "Người 8001" in toast.text or "Bạn đang nhận" in toast.text
        return
    ticket = await _ticket(desk)
    actor_id = await _member_id(desk, actor)
    is_volunteer = PEOPLE[actor][2] == "volunteer"
    if action == "claim":
        assert ticket.assignee_id == actor_id
    elif action == "view":
        [card] = replies
        assert "Yêu cầu #1" in card.text
    elif action == "police":
        assert ticket.with_officers and ticket.assignee_id == holder_before  # routing does not take the ticket
    elif action == "close":
        assert ticket.status == "closed" and "chấm điểm" in (await _to_resident(desk))[-1].body["text"]
    elif action == "teach":
        assert len((await _snapshot(desk))["taught"]) == len(before["taught"]) + 1
    else:  # reply, send
        assert ticket.status == "waiting" and len(await _to_resident(desk)) == 1
    if is_volunteer and action not in {"police", "view"}:
        assert ticket.assignee_id == actor_id, "a volunteer acts only on a ticket they hold"


async def test_refusals_do_not_tell_which_tickets_exist(desk: BotContext) -> None:
    other = await _other_communes_ticket(desk)
    await _act(desk, "volunteer_a", "claim")
    before = await _snapshot(desk)
    refusals: dict[str, set[str]] = {}
    for actor, tickets in {
        "volunteer_b": (999, other, 1),  # unknown, another commune's, held by someone else
        "stranger": (999, other, 1),
        "other_commune_volunteer": (999, 1),
    }.items():
        for action in ("close", "send", "teach", "police"):
            for ticket_id in tickets:
                [reply] = await _act(desk, actor, action, ticket_id)
                refusals.setdefault(f"{actor} {action}", set()).add(reply.text)
        for ticket_id in tickets:
            if actor == "volunteer_b" and ticket_id == 1:
                continue  # a member may view any ticket of their commune
            [reply] = await _act(desk, actor, "view", ticket_id)
            refusals.setdefault(f"{actor} view", set()).add(reply.text)
    for actor in ("stranger", "volunteer_b"):
        [reply] = await _send(desk, PEOPLE[actor][0], TEXT, text=REPLY, chat_id=GROUP, reply_to=CARD)
        refusals.setdefault(f"{actor} reply", set()).add(reply.text)
    assert {text for texts in refusals.values() for text in texts} == {REFUSED}, refusals
    assert "#" not in REFUSED and "999" not in REFUSED
    assert await _snapshot(desk) == before


FORGED_BUTTONS = (
    "tv:close:²",
    "tv:claim:٣",
    "tv:claim:99999999999999999999999",
    "tv:police:1234567890",
    "tv:send:١:x",
    "tv:claim:-1",
    "tv:claim: 1",
    "tv:claim:1\n",
    "tv:claim:",
    "tv:close",
    "tv:explode:1",
    "tv:claim:1:2:3",
)


@pytest.mark.parametrize("actor", ["volunteer_a", "officer", "stranger"])
async def test_forged_buttons_get_a_polite_answer(desk: BotContext, actor: str) -> None:
    before = await _snapshot(desk)
    for payload in FORGED_BUTTONS:
        assert [r.text for r in await _press(desk, PEOPLE[actor][0], payload)] == [INVALID_BUTTON], payload
    assert await _snapshot(desk) == before


async def test_forged_ticket_numbers_are_refused(desk: BotContext) -> None:
    for number in ("²", "٣", "99999999999999999999999", "-1", "1.0", "1e3", "١"):
        [reply] = await _send(desk, PEOPLE["officer"][0], COMMAND, text=f"/ticket {number}")
        assert reply.text == REFUSED, number


async def test_forged_ratings_and_group_ids_are_stale(desk: BotContext) -> None:
    await _act(desk, "volunteer_a", "close")
    for payload in (
        "rt:²:5",
        "rt:1:²",
        "rt:١:5",
        "rt:99999999999999999999999:5",
        "rt:1:55555555555555555555",
        "rt:1:0",
    ):
        [stale] = await _send(desk, RESIDENT, BUTTON, payload=payload)
        assert "cũ" in stale.text, payload
    assert (await _ticket(desk)).rating is None
    [thanks] = await _send(desk, RESIDENT, BUTTON, payload="rt:1:5")
    assert "Cảm ơn" in thanks.text and (await _ticket(desk)).rating == 5
    for chat_id in ("-١٠٠٥٠٠", "-99999999999999999999999"):
        assert await _send(desk, PEOPLE["volunteer_a"][0], TEXT, text="chào", chat_id=chat_id) == []


async def test_id_numbers_are_masked_wherever_they_are_stored(desk: BotContext) -> None:
    volunteer = PEOPLE["volunteer_a"][0]
    await _send(desk, volunteer, TEXT, text=f"số CCCD của chị là {ID_NUMBER}", chat_id=GROUP, reply_to=CARD)
    photo = (Media("photo", "photo-file-1"),)
    await _send(desk, volunteer, MEDIA, text="CMND cũ 123456789 đây ạ", media=photo, chat_id=GROUP, reply_to=CARD)
    await _send(desk, RESIDENT, TEXT, text="số em 0912345678, căn cước 098765432109")
    [reply, caption] = await _to_resident(desk)
    assert "[số định danh]" in reply.body["text"] and ID_NUMBER not in reply.body["text"]
    assert "[số CMND]" in caption.body["text"] and caption.body["media"] == [
        {"kind": "photo", "file_id": "photo-file-1"}
    ]
    stored = await _snapshot(desk)
    member_lines = [text for _id, _ticket, author, text in stored["events"] if author == "member"]
    assert member_lines == ["số CCCD của chị là [số định danh]", "CMND cũ [số CMND] đây ạ"]
    everything = repr(stored)
    for number in (ID_NUMBER, "123456789", "0912345678", "098765432109"):
        assert number not in everything, number
