"""Durable inbound: a platform event is committed here before the platform is told it arrived.

Channels call `Inbox.accept` from their webhook (answering 200 only after it returns) or polling
loop (moving the offset only after it returns). The inbox then hands each event to its channel's
handler, one chat at a time in arrival order, several chats side by side. The router settles the
row in the same unit of work as the answer (`settle`), so a crash at any point either leaves the
event pending, to be handled after the restart, or handled and answered once. Rows this process
holds keep their lease renewed; rows whose lease ran out (a process died) are claimed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import InboxEvent
from models.base import utcnow

log = logging.getLogger(__name__)

PENDING = "pending"
DONE = "done"
FAILED = "failed"
LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 5
MAX_PARALLEL = 8
CLAIM_BATCH = 500
KEEP_HANDLED = timedelta(days=3)  # platforms redeliver within hours; the key is kept a while longer
KEY_LIMIT = 64

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Accepted:
    """An event to store: its platform key (update or message id), the chat it belongs to, the raw body."""

    key: str
    chat_key: str
    body: dict[str, Any]


class EventHandler(Protocol):
    """A channel's way of handling its stored events."""

    async def handle(self, event_id: int, body: dict[str, Any]) -> bool:
        """Handle one event; True when the router settled the row in its unit of work."""
        ...

    async def give_up(self, body: dict[str, Any]) -> None:
        """The event failed every try: tell the sender kindly, if the platform still can."""
        ...


@dataclass
class _Held:
    id: int
    channel: str
    chat_key: str
    body: dict[str, Any]
    attempts: int = 0


async def settle(session: AsyncSession, event_id: int, now: datetime | None = None) -> None:
    """Mark an event handled and drop its body (in the caller's unit of work)."""
    values = {"status": DONE, "body": None, "handled_at": now or utcnow(), "lease_until": None}
    await session.execute(update(InboxEvent).where(InboxEvent.id == event_id).values(**values))


def backoff(attempts: int) -> float:
    """Seconds before another try: 1, 2, 4 ... at most a minute."""
    return float(min(60, 2 ** max(0, attempts - 1)))


class Inbox:
    """Accepts events durably and feeds them to the channels' handlers."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = LEASE,
        max_parallel: int = MAX_PARALLEL,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.lease = lease
        self.owner = secrets.token_hex(8)
        self._sleep = sleep
        self._handlers: dict[str, EventHandler] = {}
        self._held: dict[int, _Held] = {}
        self._queues: dict[str, deque[_Held]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(max_parallel)
        self._wake = asyncio.Event()
        self._idle = asyncio.Condition()
        self._stopping = False

    def register(self, channel: str, handler: EventHandler) -> None:
        """Events of `channel` go to `handler`."""
        self._handlers[channel] = handler

    async def accept(self, channel: str, events: Sequence[Accepted]) -> int:
        """Commit new events (redeliveries are ignored) and queue them; the number that were new.

        Raises the database's error when it is unreachable: the caller must then not acknowledge.
        """
        rows = [_row(channel, event, self.clock(), self.clock() + self.lease, self.owner) for event in events]
        if not rows:
            return 0
        async with self.sessions() as session, session.begin():
            statement = _insert_ignoring_duplicates(session, rows).returning(InboxEvent.id, InboxEvent.key)
            inserted = {key: event_id for event_id, key in await session.execute(statement)}
        for row in rows:
            if row["key"] in inserted:
                self._hold(_Held(inserted[row["key"]], channel, row["chat_key"], row["body"]))
        return len(inserted)

    def stop(self) -> None:
        """Return from `run()` after the current pass."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Take back events left by an earlier run, then keep leases fresh and pick up lapsed ones."""
        first = True
        while not self._stopping:
            try:
                await self._sweep(release_all=first and self._single_process())
                first = False
            except Exception:
                log.exception("inbox sweep failed; retrying shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.lease.total_seconds() / 3)
            self._wake.clear()
        # Events being handled finish; those still waiting stay pending for the next run.
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        await self._release_held()

    async def _release_held(self) -> None:
        if not self._held:
            return
        with contextlib.suppress(Exception):
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(InboxEvent)
                    .where(InboxEvent.id.in_(list(self._held)), InboxEvent.lease_owner == self.owner)
                    .values(lease_until=None, lease_owner=None)
                )

    async def drain(self) -> None:
        """Wait until every event held in memory has been handled (tests and shutdown)."""
        async with self._idle:
            await self._idle.wait_for(lambda: not self._held)

    @property
    def held(self) -> int:
        """Events accepted or claimed by this process and not yet handled."""
        return len(self._held)

    def _single_process(self) -> bool:
        return self.sessions.kw["bind"].dialect.name == "sqlite"

    async def _sweep(self, *, release_all: bool) -> None:
        """Renew the leases of held events, claim lapsed or released ones, forget old handled keys."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            if release_all:  # one process per SQLite file: every lease left is a dead run's
                await session.execute(
                    update(InboxEvent)
                    .where(InboxEvent.status == PENDING, InboxEvent.id.not_in(list(self._held)))
                    .values(lease_until=None, lease_owner=None)
                )
            if self._held:
                await session.execute(
                    update(InboxEvent)
                    .where(InboxEvent.id.in_(list(self._held)), InboxEvent.lease_owner == self.owner)
                    .values(lease_until=now + self.lease)
                )
            claimed = await self._claim(session, now)
            await session.execute(
                delete(InboxEvent).where(InboxEvent.status != PENDING, InboxEvent.handled_at < now - KEEP_HANDLED)
            )
        for row in claimed:
            self._hold(_Held(row.id, row.channel, row.chat_key, row.body or {}, row.attempts))

    async def _claim(self, session: AsyncSession, now: datetime) -> list[InboxEvent]:
        lapsed = or_(InboxEvent.lease_until.is_(None), InboxEvent.lease_until < now)
        query = (
            select(InboxEvent)
            .where(InboxEvent.status == PENDING, lapsed, InboxEvent.not_before <= now)
            .where(InboxEvent.channel.in_(list(self._handlers)))
            .order_by(InboxEvent.id)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True)
        )
        rows = [row for row in await session.scalars(query) if row.id not in self._held]
        for row in rows:
            row.lease_until = now + self.lease
            row.lease_owner = self.owner
        await session.flush()
        return rows

    def _hold(self, held: _Held) -> None:
        self._held[held.id] = held
        self._queues.setdefault(held.chat_key, deque()).append(held)
        if held.chat_key not in self._tasks:
            self._tasks[held.chat_key] = asyncio.create_task(self._serve(held.chat_key), name="inbox-chat")

    async def _serve(self, chat_key: str) -> None:
        """Handle one chat's events in order."""
        queue = self._queues[chat_key]
        try:
            while queue and not self._stopping:
                held = queue.popleft()
                await self._handle(held)
                self._held.pop(held.id, None)
                async with self._idle:
                    self._idle.notify_all()
        finally:
            del self._tasks[chat_key]
            self._queues.pop(chat_key, None)

    async def _handle(self, held: _Held) -> None:
        """Try an event until it is handled or has failed MAX_ATTEMPTS times (then the sender is told)."""
        handler = self._handlers.get(held.channel)
        while handler is not None and not self._stopping:
            try:
                async with self._slots:
                    if not await handler.handle(held.id, held.body):
                        await self._settle(held.id)
                return
            except Exception as error:
                held.attempts += 1
                log.warning("inbox event %s failed (try %s): %s", held.id, held.attempts, type(error).__name__)
                log.debug("inbox event failure", exc_info=True)
                if held.attempts >= MAX_ATTEMPTS:
                    await self._give_up(handler, held, type(error).__name__)
                    return
                await self._note_attempt(held, type(error).__name__)
                await self._sleep(backoff(held.attempts))

    async def _settle(self, event_id: int) -> None:
        async with self.sessions() as session, session.begin():
            await settle(session, event_id, self.clock())

    async def _note_attempt(self, held: _Held, error: str) -> None:
        with contextlib.suppress(Exception):  # the database may be what failed; memory still holds the try
            async with self.sessions() as session, session.begin():
                values = {"attempts": held.attempts, "last_error": error}
                await session.execute(update(InboxEvent).where(InboxEvent.id == held.id).values(**values))

    async def _give_up(self, handler: EventHandler, held: _Held, error: str) -> None:
        with contextlib.suppress(Exception):
            await handler.give_up(held.body)
        try:
            async with self.sessions() as session, session.begin():
                values: dict[str, object] = {
                    "status": FAILED,
                    "body": None,
                    "attempts": held.attempts,
                    "last_error": error,
                }
                values |= {"handled_at": self.clock(), "lease_until": None}
                await session.execute(update(InboxEvent).where(InboxEvent.id == held.id).values(**values))
        except Exception:
            log.warning("could not record that inbox event %s failed; it will be tried again later", held.id)


def _row(channel: str, event: Accepted, now: datetime, lease_until: datetime, owner: str) -> dict[str, Any]:
    return {
        "channel": channel,
        "key": event.key[:KEY_LIMIT],
        "chat_key": event.chat_key[:KEY_LIMIT],
        "body": event.body,
        "status": PENDING,
        "attempts": 0,
        "not_before": now,
        "received_at": now,
        "lease_until": lease_until,
        "lease_owner": owner,
    }


def _insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    """INSERT ... ON CONFLICT (channel, key) DO NOTHING, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(InboxEvent).values(rows).on_conflict_do_nothing(index_elements=["channel", "key"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(InboxEvent).values(rows).on_conflict_do_nothing(index_elements=["channel", "key"])
