"""Tickets: a resident's request for a person, from opening to rating.

States: new -> claimed -> waiting (a member answered, waiting for the resident) -> closed.
`with_officers` marks a ticket handed to the commune's officers. Every change that two people
could make at once (claim, close) is one conditional UPDATE, so exactly one of them wins.
Who may do what to a ticket is decided by `can_act` alone; `take_for` applies it before an action.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.privacy import clean_for_storage
from models import Commune, Member, Ticket, TicketEvent, User

NEW = "new"
CLAIMED = "claimed"
WAITING = "waiting"
CLOSED = "closed"
OPEN_STATES = (NEW, CLAIMED, WAITING)
LOCAL_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh, no daylight saving

# What a member can do to a ticket (the permission rule's vocabulary).
ACT_CLAIM = "claim"
ACT_REPLY = "reply"  # typed, photo or voice reply relayed to the resident
ACT_SEND = "send"  # a model answer from the FAQ
ACT_TEACH = "teach"  # "Dạy bot": the ticket's question as a pending paraphrase
ACT_POLICE = "police"  # hand to the commune's officers
ACT_CLOSE = "close"
ACT_VIEW = "view"  # /ticket N
STAFF_ROLES = frozenset({"officer", "admin"})
_ANY_MEMBER = frozenset({ACT_CLAIM, ACT_VIEW})  # any member of the commune, whoever holds the ticket
_NO_HOLD_NEEDED = frozenset({ACT_CLAIM, ACT_VIEW, ACT_POLICE})  # a volunteer need not hold it first
_TICKET_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII only ("²".isdigit() is True) and within an INTEGER


def ticket_number(text: str) -> int | None:
    """A ticket id from untrusted text (button data, a command), or None."""
    return int(text) if _TICKET_NUMBER.fullmatch(text) else None


def can_act(member: Member | None, ticket: Ticket | None, action: str) -> bool:
    """The permission rule for every ticket action.

    Only members of the ticket's commune act on it. Officers and admins may do anything to any of
    their commune's tickets; any member may claim or view one. Otherwise a volunteer acts only on a
    ticket they hold or that nobody holds yet (`take_for` then makes them its holder, except for
    handing it to the officers, which routes a ticket without taking it on).
    """
    if member is None or ticket is None:
        return False
    if ticket.commune is None:  # opened before any commune was configured: for admins to route
        return member.role == "admin"
    if member.commune != ticket.commune:
        return False
    if member.role in STAFF_ROLES or action in _ANY_MEMBER:
        return True
    return ticket.assignee_id in (None, member.id)


async def commune_for(session: AsyncSession, user: User) -> Commune | None:
    """The commune that answers this resident: theirs, else the default one, else the first one."""
    if user.commune:
        commune = await session.get(Commune, user.commune)
        if commune is not None:
            return commune
    query = select(Commune).order_by(Commune.is_default.desc(), Commune.created_at, Commune.slug)
    return await session.scalar(query.limit(1))


async def open_ticket_of(session: AsyncSession, user_id: int) -> Ticket | None:
    """The resident's ticket that is still open, if any."""
    query = select(Ticket).where(Ticket.user_id == user_id, Ticket.status.in_(OPEN_STATES))
    return await session.scalar(query.order_by(Ticket.id.desc()).limit(1))


async def open_ticket(
    session: AsyncSession,
    user: User,
    commune: Commune | None,
    *,
    summary: str,
    reason: str,
    bot_intent: str | None,
    now: datetime,
) -> Ticket:
    """A new ticket for the resident, posted to their commune's team when it has one; without a commune
    (none configured yet) or a team it waits in the queue admins see."""
    ticket = Ticket(
        user_id=user.id,
        commune=commune.slug if commune is not None else None,
        village=user.village,
        channel=user.channel,
        language=user.language,
        reason=reason,
        summary=clean_for_storage(summary),
        bot_intent=bot_intent,
        created_at=now,
        team_channel=commune.team_channel if commune is not None else None,
        team_chat_id=commune.team_chat_id if commune is not None else None,
    )
    session.add(ticket)
    await session.flush()
    return ticket


def add_event(
    session: AsyncSession,
    ticket: Ticket,
    author: str,
    text: str,
    now: datetime,
    *,
    member_id: int | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> TicketEvent:
    """One line of the ticket's conversation, masked."""
    event = TicketEvent(
        ticket_id=ticket.id,
        author=author,
        member_id=member_id,
        text_masked=clean_for_storage(text),
        attachments=attachments or None,
        created_at=now,
    )
    session.add(event)
    if author == "resident" and ticket.status == WAITING:
        ticket.status = CLAIMED if ticket.assignee_id is not None else NEW
        ticket.waiting_since = None
    return event


async def claim(session: AsyncSession, ticket_id: int, member: Member, now: datetime) -> bool:
    """Take an unclaimed ticket; exactly one of several simultaneous claims succeeds."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN_STATES))
        .values(assignee_id=member.id, claimed_at=now, status=CLAIMED)
        .execution_options(synchronize_session=False)
        .returning(Ticket.id)
    )
    claimed = result.first() is not None
    await session.get(Ticket, ticket_id, populate_existing=True)
    return claimed


async def take_for(session: AsyncSession, member: Member, ticket: Ticket, action: str, now: datetime) -> bool:
    """Whether `member` may do `action` now: `can_act`, and a volunteer acting on an unclaimed ticket
    claims it first (one atomic claim; whoever loses a race is refused)."""
    if not can_act(member, ticket, action):
        return False
    if action in _NO_HOLD_NEEDED or member.role in STAFF_ROLES or ticket.assignee_id == member.id:
        return True
    return await claim(session, ticket.id, member, now) and ticket.assignee_id == member.id


async def record_member_reply(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """A member answered: the first response time is kept, and the ticket waits for the resident."""
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.status = WAITING
    ticket.waiting_since = now


async def hand_to_officers(session: AsyncSession, ticket: Ticket, now: datetime) -> bool:
    """Mark the ticket for the commune's officers; False when it already was."""
    if ticket.with_officers or ticket.status == CLOSED:
        return False
    ticket.with_officers = True
    ticket.escalated_at = ticket.escalated_at or now
    return True


async def close(session: AsyncSession, ticket_id: int, now: datetime, reason: str) -> Ticket | None:
    """Close an open ticket; None when it was already closed (nobody closes it twice)."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_(OPEN_STATES))
        .values(status=CLOSED, closed_at=now, closed_reason=reason)
        .execution_options(synchronize_session=False)
        .returning(Ticket.id)
    )
    if result.first() is None:
        return None
    return await session.get(Ticket, ticket_id, populate_existing=True)


async def rate(session: AsyncSession, ticket_id: int, user_id: int, stars: int) -> Ticket | None:
    """The resident's 1–5 rating of their closed ticket."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or ticket.user_id != user_id or ticket.status != CLOSED or not 1 <= stars <= 5:
        return None
    ticket.rating = stars
    return ticket


async def queue(
    session: AsyncSession, communes: list[str], *, officers_only: bool = False, unrouted: bool = False
) -> list[Ticket]:
    """Open tickets of these communes, oldest first; with `unrouted`, also those of no commune."""
    of_communes = Ticket.commune.in_(communes)
    where = or_(of_communes, Ticket.commune.is_(None)) if unrouted else of_communes
    query = select(Ticket).where(where, Ticket.status.in_(OPEN_STATES))
    if officers_only:
        query = query.where(Ticket.with_officers.is_(True))
    return list(await session.scalars(query.order_by(Ticket.created_at, Ticket.id)))


async def assigned_to(session: AsyncSession, member_ids: list[int]) -> list[Ticket]:
    """Open tickets these memberships hold."""
    query = select(Ticket).where(Ticket.assignee_id.in_(member_ids), Ticket.status.in_(OPEN_STATES))
    return list(await session.scalars(query.order_by(Ticket.created_at, Ticket.id)))


async def events(session: AsyncSession, ticket_id: int, limit: int = 10) -> list[TicketEvent]:
    """The last lines of a ticket's conversation, oldest first."""
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id.desc())
    return list(reversed(list(await session.scalars(query.limit(limit)))))


async def claim_due(session: AsyncSession, condition: ColumnElement[bool], values: dict[str, object]) -> list[int]:
    """Mark the tickets matching `condition` in one UPDATE and return their ids (a job's claim)."""
    result = await session.execute(
        update(Ticket)
        .where(condition)
        .values(**values)
        .execution_options(synchronize_session=False)
        .returning(Ticket.id)
    )
    return [row[0] for row in result]


def in_duty_hours(commune: Commune, now: datetime) -> bool:
    """Whether the commune's team is on duty at this moment (local time)."""
    hour = (now + LOCAL_OFFSET).hour
    return commune.duty_start_hour <= hour < commune.duty_end_hour


async def all_tickets(session: AsyncSession, *, open_only: bool, limit: int = 500) -> list[Ticket]:
    """Every ticket (or the open ones), oldest first: what `bot.py tickets list` shows."""
    query = select(Ticket)
    if open_only:
        query = query.where(Ticket.status.in_(OPEN_STATES))
    return list(await session.scalars(query.order_by(Ticket.created_at, Ticket.id).limit(limit)))
