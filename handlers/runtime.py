"""Background work of a running bot: the outbox worker and the ticket jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from core.delivery import Sender
from core.outbox import release_leases
from core.outbox_worker import OutboxWorker
from handlers.context import BotContext
from handlers.jobs import JOB_INTERVAL_SECONDS, on_delivery_failure, run_due_jobs

log = logging.getLogger(__name__)


@asynccontextmanager
async def background(
    ctx: BotContext,
    senders: Mapping[str, Sender],
    *,
    per_second: Mapping[str, float] | None = None,
    jobs: bool = True,
) -> AsyncIterator[OutboxWorker]:
    """Route replies of these channels through the outbox and run its worker (and the jobs) until exit."""
    worker = OutboxWorker(ctx.sessions, senders, clock=ctx.clock, per_second=per_second, on_failure=on_delivery_failure)
    async with ctx.sessions() as session, session.begin():
        if session.get_bind().dialect.name == "sqlite":  # one bot process per SQLite file: leases left are a crash's
            await release_leases(session)
    ctx.outbox_channels = frozenset(senders)
    ctx.wake_outbox = worker.wake
    tasks = [asyncio.create_task(worker.run(), name="outbox")]
    if jobs:
        tasks.append(asyncio.create_task(_job_loop(ctx), name="ticket-jobs"))
    try:
        yield worker
    finally:
        ctx.outbox_channels = frozenset()
        ctx.wake_outbox = lambda: None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _job_loop(ctx: BotContext) -> None:
    while True:
        try:
            await run_due_jobs(ctx)
        except Exception:
            log.exception("ticket jobs failed; trying again at the next tick")
        await asyncio.sleep(JOB_INTERVAL_SECONDS)
