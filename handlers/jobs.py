"""Timed work on tickets: reminders, hand-over to officers, closing silent tickets.

Each job claims its tickets with one conditional UPDATE, so with two bot processes a reminder is
still sent once. Times come from the context's clock, so tests can move time forward.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession

from core.delivery.outbox import enqueue
from core.helpdesk.communes import list_communes
from core.helpdesk.tickets import CLOSED, NEW, OPEN_STATES, WAITING, claim_due, in_duty_hours
from core.language.i18n import translator
from core.messages import Outbound
from handlers.context import BotContext
from handlers.escalation import rating_request
from handlers.volunteers import notify_officers, refresh_card
from models import Commune, OutboxMessage, Ticket, User

JOB_INTERVAL_SECONDS = 30


async def run_due_jobs(ctx: BotContext) -> int:
    """Run every job that is due now; the number of tickets acted on."""
    now = ctx.clock()
    done = 0
    async with ctx.sessions() as session, session.begin():
        for commune in await list_communes(session):
            if in_duty_hours(commune, now):
                done += await _remind_unclaimed(ctx, session, commune, now)
                done += await _hand_over_unanswered(ctx, session, commune, now)
            done += await _close_silent(ctx, session, commune, now)
    if done:
        ctx.wake_outbox()
    return done


async def _remind_unclaimed(ctx: BotContext, session: AsyncSession, commune: Commune, now: datetime) -> int:
    cutoff = now - timedelta(minutes=commune.remind_after_minutes)
    ids = await claim_due(
        session,
        and_(
            Ticket.commune == commune.slug,
            Ticket.status == NEW,
            Ticket.assignee_id.is_(None),
            Ticket.created_at <= cutoff,
            Ticket.reminded_at.is_(None),
        ),
        {"reminded_at": now},
    )
    for ticket_id in ids:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is not None and ticket.group_chat_id:
            text = f"⏰ #{ticket_id} chưa ai nhận sau {commune.remind_after_minutes} phút. Bấm ✋ Nhận trên thẻ."
            await enqueue(
                session, "telegram", ticket.group_chat_id, Outbound(text), purpose="notice", ticket_id=ticket_id
            )
    return len(ids)


async def _hand_over_unanswered(ctx: BotContext, session: AsyncSession, commune: Commune, now: datetime) -> int:
    cutoff = now - timedelta(minutes=commune.escalate_after_minutes)
    ids = await claim_due(
        session,
        and_(
            Ticket.commune == commune.slug,
            Ticket.status.in_(OPEN_STATES),
            Ticket.first_response_at.is_(None),
            Ticket.created_at <= cutoff,
            Ticket.escalated_at.is_(None),
        ),
        {"escalated_at": now, "with_officers": True},
    )
    hours = commune.escalate_after_minutes / 60
    for ticket_id in ids:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is not None:
            text = f"⚠️ #{ticket_id} chưa được trả lời sau {hours:g} giờ: đã chuyển công an xã và báo quản trị."
            await notify_officers(ctx, session, ticket, text, admins=True)
            await refresh_card(ctx, session, ticket)
    return len(ids)


async def _close_silent(ctx: BotContext, session: AsyncSession, commune: Commune, now: datetime) -> int:
    cutoff = now - timedelta(hours=commune.autoclose_after_hours)
    ids = await claim_due(
        session,
        and_(Ticket.commune == commune.slug, Ticket.status == WAITING, Ticket.waiting_since <= cutoff),
        {"status": CLOSED, "closed_at": now, "closed_reason": "resident_silent"},
    )
    days = commune.autoclose_after_hours / 24
    for ticket_id in ids:
        ticket = await session.get(Ticket, ticket_id)
        resident = await session.get(User, ticket.user_id) if ticket is not None else None
        if ticket is None or resident is None:
            continue
        _ = translator(ticket.language)
        notice = _("Yêu cầu #{number} đã tự đóng vì {days:g} ngày chưa có tin mới. Cần giúp nữa, bạn cứ nhắn.")
        rating = rating_request(_, ticket)
        message = Outbound(notice.format(number=ticket_id, days=days) + "\n\n" + rating.text, buttons=rating.buttons)
        await enqueue(session, resident.channel, resident.external_id, message, purpose="relay", ticket_id=ticket_id)
        await refresh_card(ctx, session, ticket)
        if ticket.group_chat_id:
            text = f"🔒 #{ticket_id} tự đóng: người dân im lặng {days:g} ngày."
            await enqueue(
                session, "telegram", ticket.group_chat_id, Outbound(text), purpose="notice", ticket_id=ticket_id
            )
    return len(ids)


async def on_delivery_failure(session: AsyncSession, row: OutboxMessage, reason: str) -> None:
    """A message given up on: shown on its ticket, and the volunteers are told (unless it was for them)."""
    if row.ticket_id is None:
        return
    ticket = await session.get(Ticket, row.ticket_id)
    if ticket is None or row.chat_id == ticket.group_chat_id:
        return
    ticket.delivery_problem = reason
    if ticket.group_chat_id:
        text = f"⚠️ #{ticket.id}: tin nhắn chưa tới được người dân ({reason}). Hãy liên hệ cách khác."
        await enqueue(session, "telegram", ticket.group_chat_id, Outbound(text), purpose="notice", ticket_id=ticket.id)


async def on_requeued(session: AsyncSession, rows: list[OutboxMessage]) -> None:
    """Given-up messages sent again (`bot.py outbox retry --dead`): their tickets no longer show the problem,
    and the volunteers are told the message is on its way again."""
    for ticket_id in sorted({row.ticket_id for row in rows if row.ticket_id is not None}):
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or ticket.delivery_problem is None:
            continue
        ticket.delivery_problem = None
        if ticket.group_chat_id:
            text = f"🔁 #{ticket.id}: tin nhắn chưa tới được người dân đang được gửi lại."
            notice = Outbound(text)
            await enqueue(session, "telegram", ticket.group_chat_id, notice, purpose="notice", ticket_id=ticket.id)
