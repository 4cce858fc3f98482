"""The outbox worker's policies: order, pacing, the group limit with digests, retries and giving up.

A recording sender stands in for a platform (the real Telegram and Zalo senders are tested end to
end elsewhere); time is logical, so nothing here waits on the wall clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.delivery import RetryLater
from core.messages import Button, Outbound
from core.outbox import DEAD, MAX_ATTEMPTS, MERGED, enqueue
from core.outbox_worker import OutboxWorker
from handlers.context import BotContext
from models import OutboxMessage
from models.base import utcnow

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
            await enqueue(session, "test", chat_id, message, purpose=purpose)


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
    await _enqueue(bot, GROUP, [card], purpose="card")
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
        bot.sessions, {"test": sender}, clock=clock, monotonic=time.monotonic, sleep=time.sleep, on_failure=on_failure
    )
    waits = []
    for _attempt in range(MAX_ATTEMPTS):
        await worker.drain()
        await worker.drain()
        [row] = await _rows(bot)
        if row.status == DEAD:
            break
        waits.append(row.not_before.replace(tzinfo=None) - clock.now.replace(tzinfo=None))
        clock.now += timedelta(minutes=10)
    [row] = await _rows(bot)
    assert row.status == DEAD and row.attempts == MAX_ATTEMPTS and row.last_error == "502 Bad Gateway"
    assert given_up == ["42: 502 Bad Gateway"]
    assert waits[0] == timedelta(seconds=1) and waits[1] == timedelta(seconds=2) and waits[2] == timedelta(seconds=4)
