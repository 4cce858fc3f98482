"""Each number about requests for a person, defined once.

- opened: tickets opened in the period; closed: tickets closed in the period (whenever opened).
- first_response_seconds: for tickets opened in the period that a person has answered, the time from
  opening to the first reply by a volunteer or officer; median and p90.
- resolution_seconds: for tickets opened in the period and closed since, the time from opening to
  closing; median and p90.
- rating: the residents' ratings (1–5) of tickets opened in the period: count, mean, distribution.

Percentiles interpolate linearly between the two nearest values (as spreadsheets' PERCENTILE does);
none is given (null) when there is no value.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.stats.period import Scope
from models import Ticket
from models.base import as_utc

RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Spread:
    """The median and 90th percentile of a list of durations, in seconds (None when empty)."""

    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(percentile(values, 50), percentile(values, 90))


@dataclass(frozen=True)
class TicketNumbers:
    opened: int
    closed: int
    first_response: Spread
    resolution: Spread
    ratings: dict[int, int] = field(default_factory=dict)

    @property
    def rating_count(self) -> int:
        return sum(self.ratings.values())

    @property
    def rating_mean(self) -> float | None:
        count = self.rating_count
        return round(sum(r * n for r, n in self.ratings.items()) / count, 2) if count else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 1)


def _filtered(query: Select[Any], scope: Scope) -> Select[Any]:
    if scope.communes is not None:
        query = query.where(Ticket.commune.in_(scope.communes))
    if scope.channel is not None:
        query = query.where(Ticket.channel == scope.channel)
    if scope.language is not None:
        query = query.where(Ticket.language == scope.language)
    return query


def opened_in(query: Select[Any], scope: Scope) -> Select[Any]:
    return _filtered(query.where(Ticket.created_at >= scope.since, Ticket.created_at < scope.until), scope)


def closed_in(query: Select[Any], scope: Scope) -> Select[Any]:
    return _filtered(query.where(Ticket.closed_at >= scope.since, Ticket.closed_at < scope.until), scope)


def seconds_between(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max(0.0, (as_utc(end) - as_utc(start)).total_seconds())


async def ticket_numbers(session: AsyncSession, scope: Scope) -> TicketNumbers:
    query = opened_in(select(Ticket.created_at, Ticket.first_response_at, Ticket.closed_at, Ticket.rating), scope)
    first: list[float] = []
    resolution: list[float] = []
    ratings: Counter[int] = Counter()
    opened = 0
    for created, responded, closed, rating in await session.execute(query):
        opened += 1
        if (seconds := seconds_between(created, responded)) is not None:
            first.append(seconds)
        if (seconds := seconds_between(created, closed)) is not None:
            resolution.append(seconds)
        if rating in RATINGS:
            ratings[rating] += 1
    closed_count = int(await session.scalar(closed_in(select(func.count()).select_from(Ticket), scope)) or 0)
    return TicketNumbers(
        opened=opened,
        closed=closed_count,
        first_response=Spread.of(first),
        resolution=Spread.of(resolution),
        ratings={r: ratings.get(r, 0) for r in RATINGS},
    )
