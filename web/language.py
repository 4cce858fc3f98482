"""`GET /language/<code>?next=<path>`: the dashboard language switch in every page's header.

It keeps the choice in the `lang` cookie and goes back to the page it came from, only ever to a local
path. A plain link, so it works without scripts and before logging in."""

from __future__ import annotations

from aiohttp import web

from web.context import LANGUAGE_COOKIE, PAGE_LANGUAGES
from web.security import safe_next, set_private_cookie

LANGUAGE_SECONDS = 365 * 24 * 3600


async def switch(request: web.Request) -> web.StreamResponse:
    code = request.match_info["code"]
    if code not in PAGE_LANGUAGES:
        raise web.HTTPNotFound(text="Unknown language.")
    response = web.HTTPSeeOther(safe_next(request.query.get("next")))
    set_private_cookie(response, request, LANGUAGE_COOKIE, code, path="/", max_age=LANGUAGE_SECONDS)
    raise response
