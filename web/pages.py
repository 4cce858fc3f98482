"""The overview page: the numbers, charts with their tables, and links to the same data as JSON/CSV."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from core.access.accounts import sees_every_commune
from core.helpdesk.communes import list_communes
from core.language.i18n import Translate
from core.stats.measures import channels_seen
from core.stats.overview import Overview, overview
from core.stats.period import Scope
from web.charts import Point, bar_chart, hbar_chart, line_chart
from web.context import ACCOUNT, CLOCK, DESK, SESSIONS, render, translate
from web.filters import BadFilter, scope_for

LANGUAGES = (("vi", "Tiếng Việt"), ("en", "English"))  # the residents' languages, each named in itself


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _duration(_: Translate, seconds: float | None) -> str:
    """A duration in words a commune officer reads at a glance: 45 giây, 12 phút, 3,5 giờ, 2 ngày."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return _("{count} giây").format(count=f"{seconds:.0f}")
    if seconds < 3600:
        return _("{count} phút").format(count=f"{seconds / 60:.0f}")
    if seconds < 48 * 3600:
        return _("{count} giờ").format(count=f"{seconds / 3600:.1f}".replace(".", ","))
    return _("{count} ngày").format(count=f"{seconds / 86400:.1f}".replace(".", ","))


def _charts(_: Translate, numbers: Overview, titles: Mapping[str, str]) -> dict[str, str]:
    """The page's charts in the page's language; FAQ entries are named by their question (`titles`), cut
    to fit a label."""
    days = [d.isoformat() for d, _v in numbers.daily]
    daily = list(zip(days, (v for _d, v in numbers.daily), strict=True))
    ratings = sorted(numbers.tickets.ratings.items(), reverse=True)
    return {
        "daily": line_chart(
            _("Tin nhắn của người dân mỗi ngày"),
            {
                _("Tin nhắn"): [Point(d, v["messages"]) for d, v in daily],
                _("Bot trả lời ngay"): [Point(d, v["answered"]) for d, v in daily],
            },
            gettext=_,
        ),
        "tickets": bar_chart(
            _("Câu hỏi bot chưa trả lời được mỗi ngày"), [Point(d, v["unanswered"]) for d, v in daily], gettext=_
        ),
        "intents": hbar_chart(
            _("Câu hỏi được hỏi nhiều nhất"),
            [Point(_short(titles.get(i, i)), n) for i, n in numbers.top_intents],
            gettext=_,
        ),
        "ratings": hbar_chart(
            _("Đánh giá của người dân (số sao)"),
            [Point(_("{count} sao").format(count=r), n) for r, n in ratings],
            gettext=_,
        ),
        "villages": hbar_chart(
            _("Tin nhắn theo thôn/bản"),
            [Point(v or _("(chưa chọn thôn)"), m["messages"]) for v, m in numbers.villages[:12]],
            gettext=_,
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
    _ = translate(request)
    try:
        scope = scope_for(account, request.query, request.app[CLOCK]())
        error = None
    except BadFilter as problem:
        scope, error = scope_for(account, {}, request.app[CLOCK]()), problem.text(_)
    async with request.app[SESSIONS]() as session:
        numbers = await overview(session, scope)
        channels = await channels_seen(session)
        communes = [c for c in await list_communes(session) if sees_every_commune(account) or c.slug == account.commune]
    titles = {entry_id: entry.question for entry_id, entry in request.app[DESK]().knowledge.entries.items()}
    values: dict[str, Any] = {
        "numbers": numbers,
        "m": numbers.messages,
        "t": numbers.tickets,
        "charts": _charts(_, numbers, titles),
        "titles": titles,
        "communes": communes,
        "channels": channels,
        "languages": LANGUAGES,
        "scope": scope,
        "query": _query(scope),
        "error": error,
        "percent": _percent,
        "duration": partial(_duration, _),
        "all_communes": sees_every_commune(account),
    }
    return render(request, "overview.html", values, status=400 if error else 200)
