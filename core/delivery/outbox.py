"""The outbox table: messages are written in the unit of work that decided them, and sent after it commits.

It knows chats, threads and anchors, not what they are about (tickets are the helpdesk's business)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core.messages import Address, Button, Media, Outbound, Outgoing
from models import OutboxMessage, OutboxThread

PENDING = "pending"
SENT = "sent"
DEAD = "dead"
MERGED = "merged"
GIVE_UP_AFTER = timedelta(hours=24)
NOTIFY_CHANNEL = "caunoi_outbox"
ENQUEUED = "caunoi.outbox_enqueued"


def to_body(message: Outbound) -> dict[str, Any]:
    """A JSON-safe copy of a neutral message."""
    return {
        "text": message.text,
        "buttons": [[[b.label, b.data] for b in row] for row in message.buttons],
        "media": [
            {k: v for k, v in asdict(m).items() if v or k == "kind"} for m in message.media
        ],  # unset fields left out
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


async def enqueue(session: AsyncSession, outgoing: Outgoing) -> None:
    """Queue a message; it is sent once the caller's transaction commits, and the worker is woken then
    (in this process by `watch_commits`, in others by a PostgreSQL NOTIFY sent with the commit)."""
    await enqueue_all(session, [outgoing])


async def enqueue_all(session: AsyncSession, outgoing: Iterable[Outgoing]) -> int:
    """Queue several messages in order (one INSERT); how many."""
    rows = [_row(item) for item in outgoing]
    if not rows:
        return 0
    await session.execute(insert(OutboxMessage), rows)
    session.info[ENQUEUED] = True  # read by `watch_commits` once the transaction ends
    if session.get_bind().dialect.name == "postgresql":
        # Delivered at commit, and only once per transaction however often it is sent.
        await session.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))
    return len(rows)


def _row(item: Outgoing) -> dict[str, Any]:
    body = to_body(item.message)
    if item.topic:
        body["topic"] = item.topic
    return {
        "channel": item.to.channel,
        "chat_id": item.to.chat_id,
        "to_group": item.to.group,
        "purpose": item.purpose,
        "body": body,
        "thread": item.thread,
    }


def watch_commits(sessions: async_sessionmaker[AsyncSession], wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake` after every commit of these sessions that queued a message; returns the way to stop."""
    session_class = sessions.kw["sync_session_class"]

    def committed(session: Session) -> None:
        if session.info.pop(ENQUEUED, False):
            wake()

    def rolled_back(session: Session) -> None:
        session.info.pop(ENQUEUED, None)

    event.listen(session_class, "after_commit", committed)
    event.listen(session_class, "after_rollback", rolled_back)

    def stop() -> None:
        event.remove(session_class, "after_commit", committed)
        event.remove(session_class, "after_rollback", rolled_back)

    return stop


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


async def thread_of_message(session: AsyncSession, chat: Address, platform_msg_id: str) -> str | None:
    """The thread a sent message belongs to (someone replied to it)."""
    query = select(OutboxMessage.thread).where(
        OutboxMessage.channel == chat.channel,
        OutboxMessage.chat_id == chat.chat_id,
        OutboxMessage.platform_msg_id == platform_msg_id,
        OutboxMessage.thread.is_not(None),
    )
    return await session.scalar(query.limit(1))


async def thread_of_topic(session: AsyncSession, chat: Address, topic_id: int) -> str | None:
    """The thread whose forum topic this is."""
    query = select(OutboxThread.thread).where(
        OutboxThread.channel == chat.channel, OutboxThread.chat_id == chat.chat_id, OutboxThread.topic_id == topic_id
    )
    return await session.scalar(query.limit(1))


async def anchors(session: AsyncSession, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], OutboxThread]:
    """The posted anchors of these (channel, chat, thread) keys."""
    if not keys:
        return {}
    query = select(OutboxThread).where(OutboxThread.thread.in_(sorted({k[2] for k in keys})))
    found = {(t.channel, t.chat_id, t.thread): t for t in await session.scalars(query)}
    return {key: row for key, row in found.items() if key in keys}


async def remember_anchor(
    session: AsyncSession, row: OutboxMessage, message_id: str | None, topic_id: int | None
) -> None:
    """A thread's anchor was posted: keep its message id (and topic) for the posts and edits that follow."""
    if row.thread is None:
        return
    query = select(OutboxThread).where(
        OutboxThread.channel == row.channel, OutboxThread.chat_id == row.chat_id, OutboxThread.thread == row.thread
    )
    anchor = await session.scalar(query)
    if anchor is None:
        anchor = OutboxThread(channel=row.channel, chat_id=row.chat_id, thread=row.thread)
        session.add(anchor)
    anchor.anchor_message_id = message_id
    anchor.topic_id = topic_id
