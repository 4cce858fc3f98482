"""The audit log page for admins: newest first, filtered by who and by what, a page at a time, with
each change's values before and after side by side."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from core.access import audit
from web.context import SESSIONS, render
from web.setup import admin_only, local_moment

MAX_PAGE = 100_000


def _page_number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_PAGE else 1


async def audit_page(request: web.Request) -> web.Response:
    admin_only(request)
    actor = request.query.get("actor", "").strip()[:128] or None
    action = request.query.get("action", "").strip()[:64] or None
    number = _page_number(request.query.get("page", "1"))
    async with request.app[SESSIONS]() as session:
        page = await audit.page_of(session, actor, action, number)
        actors, actions = await audit.known_values(session)

    def link(to: int) -> str:
        wanted = {"actor": actor or "", "action": action or "", "page": str(to)}
        return "/audit?" + urlencode({k: v for k, v in wanted.items() if v})

    return render(
        request,
        "audit.html",
        {
            "rows": [(entry, audit.changes(entry)) for entry in page.entries],
            "page": page,
            "actor": actor or "",
            "action": action or "",
            "actors": actors,
            "actions": actions,
            "when": local_moment,
            "newer": link(number - 1) if number > 1 else "",
            "older": link(number + 1) if page.more else "",
        },
    )
