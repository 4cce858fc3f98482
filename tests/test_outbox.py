"""The outbox worker's policies: order, pacing, the group limit with digests, retries and giving up.

A recording sender stands in for a platform (the real Telegram and Zalo senders are tested end to
end elsewhere); time is logical, so nothing here waits on the wall clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.delivery.outbox import DEAD, MERGED, claim_due, release_leases
from core.delivery.sender import Capabilities, RetryLater
from core.delivery.worker import OutboxWorker
from core.messages import Button, Outbound
from handlers.context import BotContext
from models import OutboxMessage
from models.base import utcnow
from tests.fixtures import queue_message

GROUP = "-100321"


class LogicalTime:
    """A monotonic clock that sleeping moves forward at once."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class RecordingSender:
    """A platform that records what it was given; it can be told to fail."""

    capabilities = Capabilities(label="test")

    def __init__(self, time: LogicalTime, failure: Exception | None = None) -> None:
        self.time = time
        self.failure = failure
        self.sent: list[tuple[str, str, float]] = []

    async def deliver(self, chat_id: str, message: Outbound, *, thread_id: int | None = None) -> str | None:
        if self.failure is not None:
            raise self.failure
        self.sent.append((chat_id, message.text, self.time.now))
        return str(len(self.sent))


class SteppedClock:
    """The worker's wall clock, moved by hand (retries become due when it passes their time)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


async def _enqueue(bot: BotContext, chat_id: str, messages: list[Outbound], purpose: str = "notice") -> None:
    async with bot.sessions() as session, session.begin():
        for message in messages:
            await queue_message(session, "test", chat_id, message, purpose)


async def _rows(bot: BotContext) -> list[OutboxMessage]:
    async with bot.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_chats_messages_go_in_order_about_one_a_second(bot: BotContext) -> None:
    time = LogicalTime()
    sender = RecordingSender(time)
    worker = OutboxWorker(bot.sessions, {"test": sender}, monotonic=time.monotonic, sleep=time.sleep)
    await _enqueue(bot, "42", [Outbound(f"tin {n}") for n in range(6)], purpose="reply")
    await worker.drain()
    await worker.drain()
    assert [text for _chat, text, _at in sender.sent] == [f"tin {n}" for n in range(6)]
    moments = [at for _chat, _text, at in sender.sent]
    assert moments[2] - moments[0] < 1 <= moments[5] - moments[2]
    assert all(row.status == "sent" and row.platform_msg_id for row in await _rows(bot))


async def test_a_busy_group_gets_twenty_a_minute_then_a_digest(bot: BotContext) -> None:
    time = LogicalTime()
    sender = RecordingSender(time)
    worker = OutboxWorker(bot.sessions, {"test": sender}, monotonic=time.monotonic, sleep=time.sleep)
    card = Outbound("thẻ #9", buttons=((Button("✋ Nhận", "tv:claim:9"),),))
    await _enqueue(bot, GROUP, [Outbound(f"thông báo {n}") for n in range(24)])
    await _enqueue(bot, GROUP, [card], purpose="anchor")
    await worker.drain()
    await worker.drain()
    texts = [text for _chat, text, _at in sender.sent]
    assert texts[:20] == [f"thông báo {n}" for n in range(20)]
    digest = texts[20]
    assert all(f"thông báo {n}" in digest for n in range(20, 24))
    assert texts[21:] == ["thẻ #9"]
    assert sender.sent[20][2] - sender.sent[0][2] >= 60
    statuses = [row.status for row in await _rows(bot)]
    assert statuses.count(MERGED) == 3 and statuses.count("sent") == 22


async def test_failures_are_retried_with_back_off_then_given_up_with_the_reason(bot: BotContext) -> None:
    await _enqueue(bot, "42", [Outbound("câu trả lời")], purpose="reply")
    time = LogicalTime()
    clock = SteppedClock()
    sender = RecordingSender(time, failure=RetryLater("502 Bad Gateway"))
    given_up: list[str] = []

    async def on_failure(_session: object, row: OutboxMessage, reason: str) -> None:
        given_up.append(f"{row.chat_id}: {reason}")

    worker = OutboxWorker(
        bot.sessions,
        {"test": sender},
        clock=clock,
        monotonic=time.monotonic,
        sleep=time.sleep,
        on_failure=on_failure,
        give_up_after=timedelta(hours=1),
    )
    started, waits = clock.now, []
    for _attempt in range(50):
        await worker.drain()
        [row] = await _rows(bot)
        if row.status == DEAD:
            break
        waits.append(row.not_before.replace(tzinfo=None) - clock.now.replace(tzinfo=None))
        clock.now += timedelta(minutes=5)
    [row] = await _rows(bot)
    assert row.status == DEAD and row.last_error == "502 Bad Gateway"
    assert clock.now - started >= timedelta(hours=1) and row.attempts == len(waits) + 1
    assert given_up == ["42: 502 Bad Gateway"]
    assert waits[:3] == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]
    assert max(waits) == timedelta(minutes=5)


async def _retry_until_sent(bot: BotContext, worker: OutboxWorker, clock: SteppedClock, rounds: int = 400) -> None:
    """Drain, then move the wall clock to the next retry, until everything is sent (bounded)."""
    for _round in range(rounds):
        await worker.drain()
        rows = await _rows(bot)
        if all(row.status != "pending" for row in rows):
            return
        clock.now = max(clock.now, *(row.not_before.replace(tzinfo=UTC) for row in rows if row.status == "pending"))


class OutageSender(RecordingSender):
    """A platform that answers 502 until the wall clock passes the end of an outage."""

    def __init__(self, time: LogicalTime, clock: SteppedClock, until: datetime, failure: RetryLater) -> None:
        super().__init__(time)
        self.clock, self.until, self.outage_failure = clock, until, failure
        self.refused = 0

    async def deliver(self, chat_id: str, message: Outbound, *, thread_id: int | None = None) -> str | None:
        if self.clock() < self.until:
            self.refused += 1
            raise self.outage_failure
        return await super().deliver(chat_id, message, thread_id=thread_id)


async def test_a_150_second_outage_delays_messages_but_loses_none(bot: BotContext) -> None:
    await _enqueue(bot, "42", [Outbound(f"tin {n}") for n in range(3)], purpose="reply")
    await _enqueue(bot, "43", [Outbound("tin khác")], purpose="reply")
    time, clock = LogicalTime(), SteppedClock()
    sender = OutageSender(time, clock, clock.now + timedelta(seconds=150), RetryLater("502 Bad Gateway"))
    worker = OutboxWorker(bot.sessions, {"test": sender}, clock=clock, monotonic=time.monotonic, sleep=time.sleep)
    await _retry_until_sent(bot, worker, clock)
    assert sender.refused >= 8  # more than the 8 tries that used to end in giving up
    assert sorted(text for _chat, text, _at in sender.sent) == ["tin 0", "tin 1", "tin 2", "tin khác"]
    assert [row.status for row in await _rows(bot)] == ["sent"] * 4


async def test_rate_limits_are_waited_out_without_counting_as_failures(bot: BotContext) -> None:
    await _enqueue(bot, "42", [Outbound("câu trả lời")], purpose="reply")
    time, clock = LogicalTime(), SteppedClock()
    limit = RetryLater("429 Too Many Requests", 30, throttled=True)
    sender = OutageSender(time, clock, clock.now + timedelta(hours=2), limit)
    worker = OutboxWorker(
        bot.sessions,
        {"test": sender},
        clock=clock,
        monotonic=time.monotonic,
        sleep=time.sleep,
        give_up_after=timedelta(hours=1),
    )
    await _retry_until_sent(bot, worker, clock)
    [row] = await _rows(bot)
    assert (row.status, row.attempts, sender.refused) == ("sent", 1, 240)


async def test_a_backlog_longer_than_the_lease_is_sent_once_even_with_a_rival_worker(bot: BotContext) -> None:
    """A chat with 100 waiting messages takes ~100 s at one a second; the lease is 30 s. Halfway, a second
    worker (another process) sweeps lapsed leases and claims what it can: it must find nothing."""
    time = LogicalTime()
    started = utcnow()

    def clock() -> datetime:
        return started + timedelta(seconds=time.now)

    rival_claims: list[int] = []
    done = asyncio.Event()

    class PassingSender(RecordingSender):
        """Sends one message per pass of the worker: logical time moves with the worker, as wall time would."""

        async def deliver(self, chat_id: str, message: Outbound, *, thread_id: int | None = None) -> str | None:
            if self.sent:
                await worker.wait_write_back(len(self.sent) - 1)
            answer = await super().deliver(chat_id, message, thread_id=thread_id)
            if len(self.sent) == 50:
                async with bot.sessions() as session, session.begin():
                    await release_leases(session, expired_before=clock())
                    claimed = await claim_due(session, ["test"], clock(), timedelta(seconds=30), "rival")
                    rival_claims.extend(row.id for row in claimed)
            if len(self.sent) == 100:
                done.set()
            return answer

    sender = PassingSender(time)
    worker = OutboxWorker(
        bot.sessions,
        {"test": sender},
        clock=clock,
        monotonic=time.monotonic,
        sleep=time.sleep,
        lease=timedelta(seconds=30),
    )
    await _enqueue(bot, "42", [Outbound(f"tin {n}") for n in range(100)], purpose="reply")
    running = asyncio.create_task(worker.run())
    await asyncio.wait_for(done.wait(), 60)
    await worker.drain()
    worker.stop()
    await running
    assert rival_claims == []
    assert [text for _chat, text, _at in sender.sent] == [f"tin {n}" for n in range(100)]
    assert [row.status for row in await _rows(bot)] == ["sent"] * 100


class FlakyCommits:
    """A session factory whose next transaction fails once when armed (a database hiccup)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.armed = False
        self.failed = 0

    def __call__(self) -> AsyncSession:
        session = self.sessions()
        if self.armed:
            self.armed = False
            self.failed += 1

            def refuse(*_args: object, **_kwargs: object) -> None:
                raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))

            session.sync_session.execute = refuse  # type: ignore[method-assign]
        return session


async def test_outcomes_survive_a_failed_write_back_and_nothing_is_sent_twice(bot: BotContext) -> None:
    await _enqueue(bot, "42", [Outbound(f"tin {n}") for n in range(5)], purpose="reply")
    time, clock = LogicalTime(), SteppedClock()
    flaky = FlakyCommits(bot.sessions)

    class ArmingSender(RecordingSender):
        async def deliver(self, chat_id: str, message: Outbound, *, thread_id: int | None = None) -> str | None:
            answer = await super().deliver(chat_id, message, thread_id=thread_id)
            flaky.armed = len(self.sent) == 5  # the write-back of the five sends will fail
            return answer

    sender = ArmingSender(time)
    worker = OutboxWorker(
        cast(async_sessionmaker[AsyncSession], flaky),
        {"test": sender},
        clock=clock,
        monotonic=time.monotonic,
        sleep=time.sleep,
    )
    with pytest.raises(OperationalError):
        await worker.drain()
    clock.now += timedelta(minutes=5)  # long after the lease: a lapsed lease must not mean a resend
    async with bot.sessions() as session, session.begin():
        await release_leases(session, expired_before=clock.now)
    await worker.drain()
    assert flaky.failed == 1
    assert [text for _chat, text, _at in sender.sent] == [f"tin {n}" for n in range(5)]
    rows = await _rows(bot)
    assert [row.status for row in rows] == ["sent"] * 5
    assert all(row.body == {} for row in rows)  # delivered bodies are purged
