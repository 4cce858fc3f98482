"""Finding tickets for the web inbox: by state, commune, village, channel and age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.helpdesk.tickets import CLOSED, OPEN_STATES
from models import Ticket

STATES = {"open": OPEN_STATES, "new": ("new",), "claimed": ("claimed",), "waiting": ("waiting",), "closed": (CLOSED,)}
ALL = "all"
LIMIT = 200


@dataclass(frozen=True)
class TicketFilter:
    """`communes` None means every commune and tickets of none (admins); `older_than_hours` keeps
    tickets opened at least that long ago."""

    communes: tuple[str, ...] | None
    state: str = "open"
    village: str | None = None
    channel: str | None = None
    older_than_hours: int | None = None


async def find_tickets(session: AsyncSession, wanted: TicketFilter, now: datetime) -> list[Ticket]:
    """The matching tickets, oldest first (the longest waiting on top), at most LIMIT."""
    query = select(Ticket)
    if wanted.communes is not None:
        query = query.where(Ticket.commune.in_(wanted.communes))
    if wanted.state != ALL:
        query = query.where(Ticket.status.in_(STATES.get(wanted.state, OPEN_STATES)))
    if wanted.village:
        pattern = f"%{wanted.village.replace('%', '').replace('_', '')}%"
        query = query.where(Ticket.village.ilike(pattern))
    if wanted.channel:
        query = query.where(Ticket.channel == wanted.channel)
    if wanted.older_than_hours:
        query = query.where(Ticket.created_at <= now - timedelta(hours=wanted.older_than_hours))
    return list(await session.scalars(query.order_by(Ticket.created_at, Ticket.id).limit(LIMIT)))
