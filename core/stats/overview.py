"""The overview: every number of the dashboard for one scope, as the page, `/api/stats`, the CSV
exports and `/stats` show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from core.stats import measures
from core.stats.period import Scope, as_date, local_day_column
from core.stats.tickets import TicketNumbers, ticket_numbers
from models import MessageLog

NO_VILLAGE = ""


@dataclass(frozen=True)
class Overview:
    scope: Scope
    messages: dict[str, int]
    tickets: TicketNumbers
    top_intents: list[tuple[str, int]]
    daily: list[tuple[date, dict[str, int]]]
    villages: list[tuple[str, dict[str, int]]]

    def share(self, name: str) -> float | None:
        """A measure as a share of questions (e.g. containment = share("answered")), or None."""
        questions = self.messages["questions"]
        return round(self.messages[name] / questions, 4) if questions else None

    @property
    def feedback_up_rate(self) -> float | None:
        given = self.messages["feedback_up"] + self.messages["feedback_down"]
        return round(self.messages["feedback_up"] / given, 4) if given else None

    def as_json(self) -> dict[str, Any]:
        """The stable shape of `/api/stats`."""
        m, t = self.messages, self.tickets
        return {
            "from": self.scope.start.isoformat(),
            "to": self.scope.end.isoformat(),
            "commune": list(self.scope.communes) if self.scope.communes is not None else None,
            "channel": self.scope.channel,
            "language": self.scope.language,
            **m,
            "rates": {
                "containment": self.share("answered"),
                "clarification": self.share("clarified"),
                "handover": self.share("escalated"),
                "feedback_up": self.feedback_up_rate,
            },
            "feedback": {"up": m["feedback_up"], "down": m["feedback_down"]},
            "tickets": {"opened": t.opened, "closed": t.closed},
            "first_response_seconds": {"median": t.first_response.median, "p90": t.first_response.p90},
            "resolution_seconds": {"median": t.resolution.median, "p90": t.resolution.p90},
            "rating": {
                "count": t.rating_count,
                "mean": t.rating_mean,
                "distribution": {str(r): n for r, n in t.ratings.items()},
            },
            "top_intents": [{"intent": intent, "count": n} for intent, n in self.top_intents],
            "daily": [{"day": day.isoformat(), **values} for day, values in self.daily],
            "villages": [{"village": village, **values} for village, values in self.villages],
        }


async def daily(session: AsyncSession, scope: Scope) -> list[tuple[date, dict[str, int]]]:
    """The measures per local day, every day of the scope present (zeros on quiet days)."""
    day = local_day_column(session, MessageLog.created_at)
    found = {as_date(keys[0]): values for keys, values in await measures.grouped(session, scope, [day])}
    empty = dict.fromkeys(measures.NAMES, 0)
    return [(d, found.get(d, empty)) for d in scope.days()]


async def villages(session: AsyncSession, scope: Scope) -> list[tuple[str, dict[str, int]]]:
    village = func.coalesce(MessageLog.village, NO_VILLAGE)
    rows = await measures.grouped(session, scope, [village])
    return sorted(((str(keys[0]), values) for keys, values in rows), key=lambda item: (-item[1]["messages"], item[0]))


async def overview(session: AsyncSession, scope: Scope) -> Overview:
    return Overview(
        scope=scope,
        messages=await measures.totals(session, scope),
        tickets=await ticket_numbers(session, scope),
        top_intents=await measures.top_intents(session, scope),
        daily=await daily(session, scope),
        villages=await villages(session, scope),
    )
