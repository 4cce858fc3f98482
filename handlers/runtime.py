"""Background work of a running bot: the inbox, the outbox worker and the ticket jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta

from core.delivery.outbox import GIVE_UP_AFTER, release_leases, watch_commits
from core.delivery.sender import Sender
from core.delivery.worker import OutboxWorker
from core.media.store import FileSource
from handlers.context import BotContext
from handlers.jobs import JOB_INTERVAL_SECONDS, on_delivery_failure, run_due_jobs

log = logging.getLogger(__name__)
KNOWLEDGE_POLL_SECONDS = 2.0


@asynccontextmanager
async def background(
    ctx: BotContext,
    senders: Mapping[str, Sender],
    *,
    per_second: Mapping[str, float] | None = None,
    jobs: bool = True,
    give_up_after: timedelta = GIVE_UP_AFTER,
) -> AsyncIterator[OutboxWorker]:
    """Handle the inbox, route replies of these channels through the outbox and run its worker (and the
    jobs) until exit."""
    worker = OutboxWorker(
        ctx.sessions,
        senders,
        clock=ctx.clock,
        per_second=per_second,
        on_failure=on_delivery_failure,
        give_up_after=give_up_after,
    )
    async with ctx.sessions() as session, session.begin():
        if session.get_bind().dialect.name == "sqlite":  # one bot process per SQLite file: leases left are a crash's
            await release_leases(session)
    ctx.outbox_channels = frozenset(senders)
    ctx.capabilities = {name: sender.capabilities for name, sender in senders.items()}
    ctx.downloads = {name: sender.download for name, sender in senders.items() if isinstance(sender, FileSource)}
    stop_watching = watch_commits(ctx.sessions, worker.wake)
    stopping = asyncio.Event()
    sending = asyncio.create_task(worker.run(), name="outbox")
    receiving = asyncio.create_task(ctx.inbox.run(), name="inbox")
    timers = asyncio.create_task(_job_loop(ctx, stopping), name="ticket-jobs") if jobs else None
    knowledge = asyncio.create_task(_knowledge_loop(ctx, stopping), name="knowledge-reload")
    try:
        yield worker
    finally:
        ctx.outbox_channels = frozenset()
        ctx.downloads = {}
        stop_watching()
        # Both loops stop between passes, never in the middle of a database call.
        ctx.inbox.stop()
        worker.stop()
        stopping.set()
        await receiving
        await sending
        await knowledge
        if timers is not None:
            await timers


async def _job_loop(ctx: BotContext, stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        try:
            await run_due_jobs(ctx)
        except Exception:
            log.exception("ticket jobs failed; trying again at the next tick")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), JOB_INTERVAL_SECONDS)


async def _knowledge_loop(ctx: BotContext, stopping: asyncio.Event) -> None:
    """Pick up published FAQ changes (from the dashboard, `kb approve`, `kb import`, other processes)."""
    while not stopping.is_set():
        try:
            if await ctx.reload_knowledge():
                log.info("knowledge reloaded at version %s", ctx.knowledge_version)
        except Exception:
            log.exception("reloading the knowledge base failed; trying again shortly")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), KNOWLEDGE_POLL_SECONDS)
