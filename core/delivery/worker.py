"""Drains the outbox: platform limits, retries with back-off, and failures made visible.

One task per chat sends that chat's messages in order (about one a second, short bursts allowed);
chats are served side by side under an overall per-channel rate. A group gets at most 20 messages
a minute: when more wait, plain notices are bundled into one digest. Results are written back in
batches, so a busy bot does not pay a transaction per message.

Exactly once, in practice: the worker leases what it claims to itself and renews the leases of
every message it still holds (queued in memory or in flight), so no other pass or process claims
them again; a write-back only touches rows this worker still owns, and outcomes survive a failed
write-back. Temporary failures are retried with back-off for `give_up_after` (429 pauses do not
count as failures); a multi-part message resumes from the first part not yet sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.delivery.outbox import (
    DEAD,
    GIVE_UP_AFTER,
    MERGED,
    NOTIFY_CHANNEL,
    PENDING,
    SENT,
    anchors,
    backoff,
    claim_due,
    from_body,
    next_due,
    release_leases,
    remember_anchor,
    renew_leases,
)
from core.delivery.sender import RetryLater, Sender, Undeliverable
from core.messages import ANCHOR, EDIT, NOTICE, RELAY, Outbound
from models import OutboxMessage
from models.base import as_utc, utcnow

log = logging.getLogger(__name__)
OUTBOX_TABLE = cast(Table, OutboxMessage.__table__)  # the Table itself, for one executemany of write-backs

Clock = Callable[[], datetime]
FailureHook = Callable[[AsyncSession, OutboxMessage, str], Awaitable[None]]
LEASE = timedelta(seconds=60)
IDLE_WAKE_SECONDS = 5.0
ERROR_PAUSE_SECONDS = 1.0
STOP_WAIT_SECONDS = 10.0
GROUP_PER_MINUTE = 20
# Sends in flight at once. More does not go faster: HTTP clients spend their time managing the pool.
MAX_PARALLEL_SENDS = 4
DIGEST_PURPOSES = frozenset({RELAY, NOTICE})
# Claimed at most this far ahead per chat: about what its pace sends within a lease.
QUEUED_PER_CHAT = 30
QUEUED_PER_GROUP = GROUP_PER_MINUTE


Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(
        self, rate: float, burst: float, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = burst
        self._stamp = monotonic()

    def reserve(self) -> float:
        """Take a token, possibly ahead of time; the seconds to wait before using it."""
        now = self._monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate) - 1
        self._stamp = now
        return max(0.0, -self._tokens / self.rate)

    async def take(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await self._sleep(wait)


@dataclass
class _Outcome:
    row_id: int
    status: str
    attempts: int = 0
    error: str | None = None
    platform_msg_id: str | None = None
    not_before: datetime | None = None
    thread_id: int | None = None
    merged_into: int | None = None
    parts_sent: int = 0


class OutboxWorker:
    """Sends what the outbox holds through each channel's sender."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        *,
        clock: Clock = utcnow,
        per_second: Mapping[str, float] | None = None,
        on_failure: FailureHook | None = None,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        lease: timedelta = LEASE,
        give_up_after: timedelta = GIVE_UP_AFTER,
    ) -> None:
        self.sessions = sessions
        self.owner = secrets.token_hex(8)
        self.lease = lease
        self.give_up_after = give_up_after
        self.senders = dict(senders)
        self.clock = clock
        self.on_failure = on_failure
        self._monotonic = monotonic
        self._sleep = sleep
        self._overall = {name: self._bucket(rate, rate) for name, rate in (per_second or {}).items()}
        self._chat_buckets: dict[str, TokenBucket] = {}
        self._group_sends: dict[str, deque[float]] = {}
        self._queues: dict[str, deque[OutboxMessage]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._outcomes: list[_Outcome] = []
        # (channel, chat, thread) -> (anchor message id, forum topic id), for posts under an anchor.
        self._anchors: dict[tuple[str, str, str], tuple[str | None, int | None]] = {}
        self._wake = asyncio.Event()
        self._in_flight = asyncio.Semaphore(MAX_PARALLEL_SENDS)
        self._recorded = asyncio.Condition()
        self._held: set[int] = set()
        self._stepping = asyncio.Lock()
        self._next_lease_sweep = 0.0
        self._next_renewal = 0.0
        self._stopping = False
        self._stopped = asyncio.Event()
        self.write_backs = 0

    def _bucket(self, rate: float, burst: float) -> TokenBucket:
        return TokenBucket(rate, burst, self._monotonic, self._sleep)

    def stop(self) -> None:
        """Finish the sends in flight, record their results and return from `run()`; the rest waits for the next run."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()

    def wake(self) -> None:
        """New messages were committed: look now rather than at the next tick."""
        self._wake.set()

    async def run(self) -> None:
        """Send until `stop()`; a database hiccup is logged and retried after a pause."""
        listening = asyncio.create_task(self._listen_for_commits(), name="outbox-notifications")
        try:
            while not self._stopping:
                try:
                    if not await self.step():
                        await self._idle()
                except Exception:
                    log.exception("outbox pass failed; retrying shortly")
                    await self._sleep(ERROR_PAUSE_SECONDS)
        finally:
            # Sends in flight finish (each chat stops after its current message), then results are recorded.
            tasks = list(self._tasks.values())
            if tasks:
                await asyncio.wait(tasks, timeout=STOP_WAIT_SECONDS)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
            await self._flush()

    async def _listen_for_commits(self) -> None:
        """On PostgreSQL, wake whenever any process commits queued messages (LISTEN/NOTIFY); elsewhere
        commits in this process wake the worker directly (`watch_commits`) and others are polled."""
        engine = self.sessions.kw.get("bind")
        if engine is None or engine.dialect.name != "postgresql":
            return
        while not self._stopping:
            lost = asyncio.Event()

            def on_lost(_connection: object, lost: asyncio.Event = lost) -> None:
                lost.set()

            try:
                async with engine.connect() as connection:
                    driver = (await connection.get_raw_connection()).driver_connection
                    await driver.add_listener(NOTIFY_CHANNEL, self._notified)
                    driver.add_termination_listener(on_lost)
                    self._wake.set()  # anything committed while we were not listening
                    stopped = asyncio.create_task(self._stopped.wait())
                    gone = asyncio.create_task(lost.wait())
                    await asyncio.wait({stopped, gone}, return_when=asyncio.FIRST_COMPLETED)
                    for waiter in (stopped, gone):
                        waiter.cancel()
                    driver.remove_termination_listener(on_lost)
                    if not lost.is_set():
                        await driver.remove_listener(NOTIFY_CHANNEL, self._notified)
            except Exception:
                log.warning("outbox: no PostgreSQL notifications for now; polling every %s s", IDLE_WAKE_SECONDS)
                await self._sleep(IDLE_WAKE_SECONDS)

    def _notified(self, *_event: object) -> None:
        self._wake.set()

    async def _flush(self) -> None:
        """On the way out: record what was sent, and hand back what was not, for the next run."""
        outcomes, self._outcomes = self._outcomes, []
        unsent = self._held - {o.row_id for o in outcomes}
        try:
            async with self.sessions() as session, session.begin():
                if outcomes:
                    await self._write_back(session, outcomes)
                if unsent:
                    await session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id.in_(sorted(unsent)), OutboxMessage.lease_owner == self.owner)
                        .values(lease_until=None, lease_owner=None)
                    )
        except Exception:
            log.warning("could not record the last send results; their messages may be sent again")
        self._held.clear()

    async def drain(self) -> None:
        """Send everything that is due now, and wait for it (tests and shutdown)."""
        while await self.step() or self._tasks:
            if self._tasks:
                await asyncio.wait(list(self._tasks.values()), return_when=asyncio.FIRST_COMPLETED)

    async def wait_write_back(self, after: int) -> None:
        """Wait until send results have been recorded more than `after` times (see `write_backs`)."""
        async with self._recorded:
            await self._recorded.wait_for(lambda: self.write_backs > after)

    async def step(self) -> bool:
        """Write back finished sends and lease newly due messages; True when there was work.

        Passes never overlap (`run()` and a `drain()` may both call this), so a pass that finds
        nothing has not merely missed rows another pass is claiming."""
        async with self._stepping:
            return await self._step()

    async def _step(self) -> bool:
        self._wake.clear()
        outcomes, self._outcomes = self._outcomes, []
        channels = list(self.senders)
        try:
            async with self.sessions() as session, session.begin():
                if outcomes:
                    await self._write_back(session, outcomes)
                await self._renew_if_due(session)
                rows = []
                if channels:
                    rows = await claim_due(
                        session, channels, self.clock(), self.lease, self.owner, skip_chats=self._full_chats()
                    )
                    rows = [row for row in rows if row.id not in self._held]
                await self._load_anchors(session, rows)
        except BaseException:
            self._outcomes = outcomes + self._outcomes  # recorded at the next pass, never sent again
            raise
        self._held.difference_update(o.row_id for o in outcomes)
        self._held.update(row.id for row in rows)
        if outcomes:
            async with self._recorded:
                self.write_backs += 1
                self._recorded.notify_all()
        for row in rows:
            self._queues.setdefault(row.chat_id, deque()).append(row)
            if row.chat_id not in self._tasks:
                self._tasks[row.chat_id] = asyncio.create_task(self._serve_chat(row.chat_id))
        return bool(outcomes or rows)

    def _full_chats(self) -> frozenset[str]:
        """Chats that already have as much queued as they can send within a lease."""
        return frozenset(
            chat
            for chat, queue in self._queues.items()
            if queue and len(queue) >= (QUEUED_PER_GROUP if queue[0].to_group else QUEUED_PER_CHAT)
        )

    async def _renew_if_due(self, session: AsyncSession) -> None:
        """Every third of a lease, extend the leases of all messages this worker holds."""
        if not self._held or self._monotonic() < self._next_renewal:
            return
        self._next_renewal = self._monotonic() + self.lease.total_seconds() / 3
        kept = await renew_leases(session, sorted(self._held), self.owner, self.clock() + self.lease)
        if kept < len(self._held):
            log.warning("%s outbox leases were lost (another worker took them over)", len(self._held) - kept)

    async def _load_anchors(self, session: AsyncSession, rows: list[OutboxMessage]) -> None:
        """Where each thread's later messages go: under its anchor, or in its forum topic."""
        wanted = {_thread_key(r) for r in rows if r.thread is not None and r.purpose != ANCHOR} - set(self._anchors)
        for key, anchor in (await anchors(session, {k for k in wanted if k is not None})).items():
            if anchor.anchor_message_id is not None:
                self._anchors[key] = (anchor.anchor_message_id, anchor.topic_id)

    async def _idle(self) -> None:
        """Wait for new messages, a finished send (both wake us), or the next retry falling due."""
        async with self.sessions() as session, session.begin():
            await self._renew_if_due(session)
            if self._monotonic() >= self._next_lease_sweep:
                self._next_lease_sweep = self._monotonic() + self.lease.total_seconds() / 2
                await release_leases(session, expired_before=self.clock())
            due = await next_due(session, list(self.senders)) if self.senders else None
        timeout = min(IDLE_WAKE_SECONDS, self.lease.total_seconds() / 3)
        if due is not None:
            timeout = min(timeout, max(0.0, (as_utc(due) - self.clock()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _serve_chat(self, chat_id: str) -> None:
        """Send one chat's messages in order; a temporary failure stops the chat's turn."""
        queue = self._queues[chat_id]
        try:
            while queue and not self._stopping:
                row = queue.popleft()
                if self._group_full(row) and row.purpose in DIGEST_PURPOSES:
                    row = self._bundle(row, queue)
                await self._pace(row)
                async with self._in_flight:
                    outcome = await self._send(row)
                self._outcomes.append(outcome)
                self._wake.set()
                if outcome.not_before is not None:
                    self._outcomes.extend(_Outcome(r.id, "release", not_before=outcome.not_before) for r in queue)
                    queue.clear()
        finally:
            del self._tasks[chat_id]
            self._queues.pop(chat_id, None)
            self._wake.set()

    def _group_full(self, row: OutboxMessage) -> bool:
        sends = self._group_sends.get(row.chat_id)
        if not row.to_group or sends is None:
            return False
        while sends and sends[0] < self._monotonic() - 60:
            sends.popleft()
        return len(sends) >= GROUP_PER_MINUTE

    def _bundle(self, row: OutboxMessage, queue: deque[OutboxMessage]) -> OutboxMessage:
        """Fold the waiting plain notices of a busy group into one digest message."""
        parts = [row]
        for other in list(queue):
            if other.purpose in DIGEST_PURPOSES and not other.body.get("buttons"):
                parts.append(other)
                queue.remove(other)
        if len(parts) == 1:
            return row
        for other in parts[1:]:
            self._outcomes.append(_Outcome(other.id, MERGED, merged_into=row.id))
        digest = "\n\n".join(p.body.get("text", "") for p in parts)
        row.body = {**row.body, "text": f"🗂 ({len(parts)})\n{digest}", "reply_to": None}
        row.thread = None
        return row

    async def _pace(self, row: OutboxMessage) -> None:
        if row.to_group:
            sends = self._group_sends.setdefault(row.chat_id, deque())
            if self._group_full(row):
                await self._sleep(max(0.0, sends[0] + 60 - self._monotonic()))
            sends.append(self._monotonic())
        if row.chat_id not in self._chat_buckets:
            self._chat_buckets[row.chat_id] = self._bucket(1.0, 3.0)
        bucket = self._chat_buckets[row.chat_id]
        await bucket.take()
        overall = self._overall.get(row.channel)
        if overall is not None:
            await overall.take()

    async def _send(self, row: OutboxMessage) -> _Outcome:
        sender = self.senders[row.channel]
        message = from_body(row.body)
        topic_id = None
        key = _thread_key(row)
        anchor = self._anchors.get(key) if key is not None and row.purpose != ANCHOR else None
        if anchor is not None:
            anchor_id, topic_id = anchor
            if topic_id is None and message.reply_to is None:
                message = replace(message, reply_to=anchor_id)
        if row.purpose == EDIT:
            return await self._edit_anchor(sender, row, message, anchor)
        try:
            if row.purpose == ANCHOR and row.body.get("topic") and sender.capabilities.topics:
                topic_id = await sender.open_topic(row.chat_id, row.body["topic"])
            skip = int(row.body.get("parts_sent", 0))
            if skip:
                message_id = await sender.deliver(row.chat_id, message, thread_id=topic_id, skip_parts=skip)
            else:
                message_id = await sender.deliver(row.chat_id, message, thread_id=topic_id)
        except RetryLater as error:
            return self._retry(row, error)
        except Undeliverable as error:
            return _Outcome(row.id, DEAD, error=error.reason)
        except Exception as error:  # a bug in a sender must not stop the outbox; retried like any failure
            log.exception("sender %s failed unexpectedly", row.channel)
            return self._retry(row, RetryLater(f"{type(error).__name__} in the {row.channel} sender"))
        if row.purpose == ANCHOR and key is not None:
            self._anchors[key] = (message_id, topic_id)
            return _Outcome(row.id, ANCHOR, row.attempts + 1, platform_msg_id=message_id, thread_id=topic_id)
        return _Outcome(row.id, SENT, row.attempts + 1, platform_msg_id=message_id)

    async def _edit_anchor(
        self, sender: Sender, row: OutboxMessage, message: Outbound, anchor: tuple[str | None, int | None] | None
    ) -> _Outcome:
        """Bring a thread's anchor up to date (nothing to do when it was never posted or cannot be edited)."""
        if anchor is None or anchor[0] is None or not sender.capabilities.edit:
            return _Outcome(row.id, SENT, row.attempts + 1)
        try:
            await sender.edit(row.chat_id, anchor[0], message)
        except RetryLater as error:
            return self._retry(row, error)
        except Undeliverable as error:
            return _Outcome(row.id, DEAD, error=error.reason)
        return _Outcome(row.id, SENT, row.attempts + 1, platform_msg_id=anchor[0])

    def _retry(self, row: OutboxMessage, error: RetryLater) -> _Outcome:
        """Try again later; a rate limit is not a failure, and only `give_up_after` of failures gives up."""
        parts = int(row.body.get("parts_sent", 0)) + error.parts_sent
        if not error.throttled and self.clock() - as_utc(row.created_at) >= self.give_up_after:
            return _Outcome(row.id, DEAD, row.attempts + 1, error=error.reason, parts_sent=parts)
        failures = row.attempts if error.throttled else row.attempts + 1
        wait = timedelta(seconds=error.seconds)
        if not error.throttled:
            wait = max(wait, backoff(failures))
        return _Outcome(row.id, "retry", failures, error=error.reason, not_before=self.clock() + wait, parts_sent=parts)

    async def _write_back(self, session: AsyncSession, outcomes: list[_Outcome]) -> None:
        """Record what happened on rows still waiting and not claimed by another worker since (a lease
        that lapsed during a database outage and was released is still ours to record); plain
        deliveries in one executemany.

        A delivered message's body is cleared: the text it carried is no longer needed.
        """
        now = self.clock()
        delivered = [o for o in outcomes if o.status == SENT]
        if delivered:
            table = OUTBOX_TABLE
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"), table.c.status == PENDING)
                .where(or_(table.c.lease_owner == self.owner, table.c.lease_owner.is_(None)))
                .values(
                    status=SENT,
                    sent_at=now,
                    platform_msg_id=bindparam("message_id"),
                    attempts=bindparam("tries"),
                    lease_until=None,
                    lease_owner=None,
                    body={},
                )
            )
            values = [{"row_id": o.row_id, "message_id": o.platform_msg_id, "tries": o.attempts} for o in delivered]
            await session.execute(statement, values)
        others = [o for o in outcomes if o.status != SENT]
        rows = {row.id: row for row in await _rows(session, [o.row_id for o in others], self.owner)} if others else {}
        for outcome in others:
            row = rows.get(outcome.row_id)
            if row is not None:
                await self._record(session, row, outcome, now)

    async def _record(self, session: AsyncSession, row: OutboxMessage, outcome: _Outcome, now: datetime) -> None:
        row.lease_until = None
        row.lease_owner = None
        if outcome.status == "release":
            row.not_before = outcome.not_before or now
        elif outcome.status == "retry":
            row.attempts = outcome.attempts
            row.last_error = outcome.error
            row.not_before = outcome.not_before or now
            if outcome.parts_sent:
                row.body = {**row.body, "parts_sent": outcome.parts_sent}
        elif outcome.status in {ANCHOR, MERGED}:
            row.status = SENT if outcome.status == ANCHOR else MERGED
            row.sent_at = now
            row.platform_msg_id = outcome.platform_msg_id
            row.body = {}
            if outcome.status == ANCHOR:
                row.attempts += 1
                await remember_anchor(session, row, outcome.platform_msg_id, outcome.thread_id)
        else:
            row.status = DEAD
            row.attempts = max(outcome.attempts, row.attempts + 1)
            row.last_error = outcome.error
            log.warning("message %s to %s given up: %s", row.id, row.channel, outcome.error)
            if self.on_failure is not None:
                await self.on_failure(session, row, outcome.error or "")


async def _rows(session: AsyncSession, ids: list[int], owner: str) -> list[OutboxMessage]:
    ours = or_(OutboxMessage.lease_owner == owner, OutboxMessage.lease_owner.is_(None))
    query = select(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == PENDING, ours)
    return list(await session.scalars(query))


def _thread_key(row: OutboxMessage) -> tuple[str, str, str] | None:
    return (row.channel, row.chat_id, row.thread) if row.thread is not None else None
