"""The overview page: the numbers, charts with their tables, and links to the same data as JSON/CSV."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from core.access.accounts import sees_every_commune
from core.helpdesk.communes import list_communes
from core.stats.measures import channels_seen
from core.stats.overview import Overview, overview
from core.stats.period import Scope
from web.charts import Point, bar_chart, hbar_chart, line_chart
from web.context import ACCOUNT, CLOCK, DESK, SESSIONS, render
from web.filters import BadFilter, scope_for

LANGUAGES = (("vi", "Tiếng Việt"), ("en", "English"))


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _duration(seconds: float | None) -> str:
    """A duration in words a commune officer reads at a glance: 45 giây, 12 phút, 3,5 giờ, 2 ngày."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.0f} giây"
    if seconds < 3600:
        return f"{seconds / 60:.0f} phút"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} giờ".replace(".", ",")
    return f"{seconds / 86400:.1f} ngày".replace(".", ",")


def _charts(numbers: Overview, titles: Mapping[str, str]) -> dict[str, str]:
    """The page's charts; FAQ entries are named by their question (`titles`), cut to fit a label."""
    days = [d.isoformat() for d, _ in numbers.daily]
    return {
        "daily": line_chart(
            "Tin nhắn của người dân mỗi ngày",
            {
                "Tin nhắn": [Point(d, v["messages"]) for d, (_, v) in zip(days, numbers.daily, strict=True)],
                "Bot trả lời ngay": [Point(d, v["answered"]) for d, (_, v) in zip(days, numbers.daily, strict=True)],
            },
        ),
        "tickets": bar_chart(
            "Câu hỏi bot chưa trả lời được mỗi ngày",
            [Point(d, v["unanswered"]) for d, (_, v) in zip(days, numbers.daily, strict=True)],
        ),
        "intents": hbar_chart(
            "Câu hỏi được hỏi nhiều nhất", [Point(_short(titles.get(i, i)), n) for i, n in numbers.top_intents]
        ),
        "ratings": hbar_chart(
            "Đánh giá của người dân (số sao)",
            [Point(f"{r} sao", n) for r, n in sorted(numbers.tickets.ratings.items(), reverse=True)],
        ),
        "villages": hbar_chart(
            "Tin nhắn theo thôn/bản", [Point(v or "(chưa chọn thôn)", m["messages"]) for v, m in numbers.villages[:12]]
        ),
    }


def _short(title: str, limit: int = 36) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _query(scope: Scope) -> str:
    values = {"from": scope.start.isoformat(), "to": scope.end.isoformat()}
    if scope.communes is not None and len(scope.communes) == 1:
        values["commune"] = scope.communes[0]
    if scope.channel:
        values["channel"] = scope.channel
    if scope.language:
        values["language"] = scope.language
    return urlencode(values)


async def overview_page(request: web.Request) -> web.Response:
    account = request[ACCOUNT]
    try:
        scope = scope_for(account, request.query, request.app[CLOCK]())
        error = None
    except BadFilter as problem:
        scope, error = scope_for(account, {}, request.app[CLOCK]()), str(problem)
    async with request.app[SESSIONS]() as session:
        numbers = await overview(session, scope)
        channels = await channels_seen(session)
        communes = [c for c in await list_communes(session) if sees_every_commune(account) or c.slug == account.commune]
    titles = {entry_id: entry.question for entry_id, entry in request.app[DESK]().knowledge.entries.items()}
    values: dict[str, Any] = {
        "numbers": numbers,
        "m": numbers.messages,
        "t": numbers.tickets,
        "charts": _charts(numbers, titles),
        "titles": titles,
        "communes": communes,
        "channels": channels,
        "languages": LANGUAGES,
        "scope": scope,
        "query": _query(scope),
        "error": error,
        "percent": _percent,
        "duration": _duration,
        "all_communes": sees_every_commune(account),
    }
    return render(request, "overview.html", values, status=400 if error else 200)
