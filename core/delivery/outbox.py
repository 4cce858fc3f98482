"""The outbox table: messages are written in the unit of work that decided them, and sent after it commits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Button, Media, Outbound
from models import OutboxMessage

PENDING = "pending"
SENT = "sent"
DEAD = "dead"
MERGED = "merged"
GIVE_UP_AFTER = timedelta(hours=24)


def to_body(message: Outbound) -> dict[str, Any]:
    """A JSON-safe copy of a neutral message."""
    return {
        "text": message.text,
        "buttons": [[[b.label, b.data] for b in row] for row in message.buttons],
        "media": [asdict(m) for m in message.media],
        "reply_to": message.reply_to,
        "action": message.action,
        "first_number": message.first_number,
    }


def from_body(body: dict[str, Any]) -> Outbound:
    """The neutral message stored by `to_body`."""
    return Outbound(
        text=body.get("text", ""),
        buttons=tuple(tuple(Button(label, data) for label, data in row) for row in body.get("buttons", [])),
        media=tuple(Media(**m) for m in body.get("media", [])),
        reply_to=body.get("reply_to"),
        action=body.get("action"),
        first_number=body.get("first_number", 1),
    )


async def enqueue(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    message: Outbound,
    *,
    purpose: str = "reply",
    ticket_id: int | None = None,
    topic: str | None = None,
) -> None:
    """Queue a message; it is sent once the caller's transaction commits."""
    body = to_body(message)
    if topic:
        body["topic"] = topic
    row = {"channel": channel, "chat_id": chat_id, "purpose": purpose, "body": body, "ticket_id": ticket_id}
    await session.execute(insert(OutboxMessage), [row])


async def claim_due(
    session: AsyncSession,
    channels: list[str],
    now: datetime,
    lease: timedelta,
    owner: str,
    *,
    skip_chats: frozenset[str] = frozenset(),
    limit: int = 200,
) -> list[OutboxMessage]:
    """Lease the oldest due, unleased messages of these channels to `owner`, leaving out `skip_chats`
    (FOR UPDATE SKIP LOCKED where the database has it)."""
    due = select(OutboxMessage).where(
        OutboxMessage.status == PENDING,
        OutboxMessage.lease_until.is_(None),
        OutboxMessage.not_before <= now,
        OutboxMessage.channel.in_(channels),
    )
    if skip_chats:
        due = due.where(OutboxMessage.chat_id.not_in(list(skip_chats)))
    due = due.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    rows = list(await session.scalars(due))
    for row in rows:
        row.lease_until = now + lease
        row.lease_owner = owner
    await session.flush()
    return rows


async def renew_leases(session: AsyncSession, ids: list[int], owner: str, until: datetime) -> int:
    """Extend the leases `owner` still holds on these messages; how many it still held."""
    query = update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.lease_owner == owner)
    result = await session.execute(query.values(lease_until=until))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def requeue(session: AsyncSession, now: datetime, *, dead: bool) -> tuple[int, list[OutboxMessage]]:
    """Make waiting messages due now; with `dead`, also give given-up ones a new period of tries.

    Returns how many were made due, and the given-up ones among them."""
    statuses = [PENDING, DEAD] if dead else [PENDING]
    query = select(OutboxMessage).where(OutboxMessage.status.in_(statuses), OutboxMessage.lease_until.is_(None))
    rows = list(await session.scalars(query))
    revived = [row for row in rows if row.status == DEAD]
    for row in revived:
        row.status, row.attempts, row.created_at = PENDING, 0, now
    for row in rows:
        row.not_before = now
    await session.flush()
    return len(rows), revived


async def next_due(session: AsyncSession, channels: list[str]) -> datetime | None:
    """When the earliest unleased waiting message becomes due (None when nothing waits)."""
    query = select(func.min(OutboxMessage.not_before)).where(
        OutboxMessage.status == PENDING, OutboxMessage.lease_until.is_(None), OutboxMessage.channel.in_(channels)
    )
    return await session.scalar(query)


async def release_leases(session: AsyncSession, expired_before: datetime | None = None) -> int:
    """Forget leases: those that ran out (a process died while sending), or all of them (at the start
    of the only process, e.g. on SQLite after a crash)."""
    query = update(OutboxMessage).where(OutboxMessage.status == PENDING, OutboxMessage.lease_until.is_not(None))
    if expired_before is not None:
        query = query.where(OutboxMessage.lease_until < expired_before)
    result = await session.execute(query.values(lease_until=None, lease_owner=None))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... at most 5 minutes."""
    return timedelta(seconds=min(300, 2 ** max(0, attempts - 1)))


async def ticket_of_message(session: AsyncSession, chat_id: str, platform_msg_id: str) -> int | None:
    """The ticket a sent message belongs to (a volunteer replied to it)."""
    query = select(OutboxMessage.ticket_id).where(
        OutboxMessage.chat_id == chat_id, OutboxMessage.platform_msg_id == platform_msg_id
    )
    return await session.scalar(query.limit(1))
