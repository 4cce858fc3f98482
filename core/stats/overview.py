"""The overview: every number of the dashboard for one scope, as the page, `/api/stats`, the CSV
exports and `/stats` show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.stats import measures
from core.stats.measures import ROLLUP, Source
from core.stats.period import Scope, as_date
from core.stats.tickets import TicketNumbers, ticket_numbers

NO_VILLAGE = measures.NONE


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


async def daily(session: AsyncSession, scope: Scope, source: Source = ROLLUP) -> list[tuple[date, dict[str, int]]]:
    """The measures per local day, every day of the scope present (zeros on quiet days)."""
    rows = await measures.grouped(session, scope, [measures.DAY], source)
    found = {as_date(keys[0]): values for keys, values in rows}
    empty = dict.fromkeys(measures.NAMES, 0)
    return [(d, found.get(d, empty)) for d in scope.days()]


async def villages(session: AsyncSession, scope: Scope, source: Source = ROLLUP) -> list[tuple[str, dict[str, int]]]:
    rows = await measures.grouped(session, scope, [measures.VILLAGE], source)
    return sorted(((str(keys[0]), values) for keys, values in rows), key=lambda item: (-item[1]["messages"], item[0]))


async def overview(session: AsyncSession, scope: Scope, source: Source = ROLLUP) -> Overview:
    """Every number for the scope; `source` measures.LOG recomputes them from the log itself."""
    return Overview(
        scope=scope,
        messages=await measures.totals(session, scope, source),
        tickets=await ticket_numbers(session, scope),
        top_intents=await measures.top_intents(session, scope, source=source),
        daily=await daily(session, scope, source),
        villages=await villages(session, scope, source),
    )
