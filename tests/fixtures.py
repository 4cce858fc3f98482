"""Helpers shared by the tests (not fixtures of conftest, not imports from other test modules)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.delivery.outbox import enqueue
from core.delivery.worker import OutboxWorker
from core.helpdesk.workflow import thread_of
from core.messages import TEXT, Address, Inbound, Outbound, Outgoing
from core.settings import PROJECT_ROOT
from handlers.context import BotContext
from handlers.router import handle
from models import OutboxThread

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
DATA_DIR = PROJECT_ROOT / "tests" / "data"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def say(ctx: BotContext, text: str, user: str = "resident-1", **kwargs: object) -> list[Outbound]:
    """Send one text message as a resident on the shell channel."""
    return await handle(ctx, Inbound("shell", user, TEXT, text=text, **kwargs))  # type: ignore[arg-type]


def telegram_team(chat_id: int | str) -> Address:
    """A Telegram group as a commune's team address."""
    return Address("telegram", str(chat_id), group=True)


async def queue_message(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    message: Outbound,
    purpose: str = "reply",
    ticket: int | None = None,
) -> None:
    """Queue one message as the workflow would (group chats are those with a negative id, as on Telegram)."""
    to = Address(channel, chat_id, group=chat_id.startswith("-"))
    await enqueue(session, Outgoing(to, message, purpose, thread_of(ticket) if ticket is not None else None))


async def recorded_card_id(sessions: async_sessionmaker[AsyncSession], ticket_id: int = 1) -> int | None:
    """The platform id of a ticket's card, once the outbox has recorded it."""
    async with sessions() as session:
        query = select(OutboxThread.anchor_message_id).where(OutboxThread.thread == thread_of(ticket_id))
        card = await session.scalar(query)
    return int(card) if card else None


async def card_message_id(sessions: async_sessionmaker[AsyncSession], worker: OutboxWorker, ticket_id: int = 1) -> int:
    """The ticket card's message id, waiting for the worker's write-backs until it is recorded."""
    while True:
        seen = worker.write_backs
        card = await recorded_card_id(sessions, ticket_id)
        if card is not None:
            return card
        await asyncio.wait_for(worker.wait_write_back(seen), 30)


async def reload_until(ctx: BotContext, ready: Callable[[BotContext], bool], tries: int = 200) -> None:
    """Reload the knowledge as a running bot's poll does, until `ready` sees the change (a background poll
    may have reloaded first, or finished an older reload after this one)."""
    for _ in range(tries):
        await ctx.reload_knowledge()
        if ready(ctx):
            return
    raise AssertionError("the change never reached the bot's knowledge")
