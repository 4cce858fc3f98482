"""CSV exports: one row per ticket, and one row per local day and commune (the same definitions)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.stats import measures
from core.stats.measures import ROLLUP, Source
from core.stats.period import Scope, as_date, local_day_column
from core.stats.tickets import closed_in, opened_in, seconds_between
from models import Ticket
from models.base import as_utc

TICKET_COLUMNS = (
    "id",
    "opened_at",
    "first_response_at",
    "closed_at",
    "first_response_seconds",
    "resolution_seconds",
    "status",
    "closed_reason",
    "intent",
    "channel",
    "commune",
    "village",
    "language",
    "rating",
)
DAILY_COLUMNS = ("day", "commune", *measures.NAMES, "tickets_opened", "tickets_closed")
NO_COMMUNE = measures.NONE


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else _safe(value) for value in row])
    return buffer.getvalue()


def _safe(value: Any) -> Any:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def ticket_rows(session: AsyncSession, scope: Scope) -> list[tuple[Any, ...]]:
    """Tickets opened in the scope; no text of the conversation (the export carries no personal data)."""
    query = opened_in(select(Ticket), scope).order_by(Ticket.id)
    rows = []
    for ticket in await session.scalars(query):
        rows.append(
            (
                ticket.id,
                _iso(ticket.created_at),
                _iso(ticket.first_response_at),
                _iso(ticket.closed_at),
                seconds_between(ticket.created_at, ticket.first_response_at),
                seconds_between(ticket.created_at, ticket.closed_at),
                ticket.status,
                ticket.closed_reason,
                ticket.bot_intent,
                ticket.channel,
                ticket.commune,
                ticket.village,
                ticket.language,
                ticket.rating,
            )
        )
    return rows


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat(timespec="seconds")


async def daily_rows(session: AsyncSession, scope: Scope, source: Source = ROLLUP) -> list[tuple[Any, ...]]:
    """One row per local day and commune that had any message or ticket."""
    table: dict[tuple[str, str], dict[str, int]] = {}
    for (day, slug), values in await measures.grouped(session, scope, [measures.DAY, measures.COMMUNE], source):
        table[(as_date(day).isoformat(), str(slug))] = {**values, "tickets_opened": 0, "tickets_closed": 0}
    empty = {**dict.fromkeys(measures.NAMES, 0), "tickets_opened": 0, "tickets_closed": 0}
    for name, column, restrict in (
        ("tickets_opened", Ticket.created_at, opened_in),
        ("tickets_closed", Ticket.closed_at, closed_in),
    ):
        day = local_day_column(session, column)
        slug = func.coalesce(Ticket.commune, NO_COMMUNE)
        query = restrict(select(day, slug, func.count()), scope).group_by(day, slug)
        for d, s, n in await session.execute(query):
            table.setdefault((as_date(d).isoformat(), str(s)), dict(empty))[name] = int(n)
    return [(day, slug, *(values[c] for c in DAILY_COLUMNS[2:])) for (day, slug), values in sorted(table.items())]
