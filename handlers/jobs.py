"""Timed work, run by the background loop: the workflow's timers, and what the outbox gave up on.

Times come from the context's clock, so tests can move time forward.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.delivery.outbox import enqueue_all
from core.helpdesk import workflow
from core.messages import Address
from handlers.context import BotContext
from models import OutboxMessage

JOB_INTERVAL_SECONDS = 30


async def run_due_jobs(ctx: BotContext) -> int:
    """Run every ticket timer that is due now (one unit of work); the number of tickets acted on."""
    async with ctx.sessions() as session, session.begin():
        done, outgoing = await workflow.run_timers(session, ctx.desk)
        await enqueue_all(session, outgoing)
    return done


async def on_delivery_failure(session: AsyncSession, row: OutboxMessage, reason: str) -> None:
    """The outbox gave a message up: the workflow says who must know."""
    to = Address(row.channel, row.chat_id, group=row.to_group)
    await enqueue_all(session, await workflow.on_delivery_failure(session, row.thread, to, reason))


async def on_requeued(session: AsyncSession, rows: list[OutboxMessage]) -> None:
    """Given-up messages sent again (`bot.py outbox retry --dead`)."""
    await enqueue_all(session, await workflow.on_requeued(session, [row.thread for row in rows]))
