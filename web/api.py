"""`GET /api/stats` (JSON) and the CSV exports: the same numbers as the overview page."""

from __future__ import annotations

import json

from aiohttp import web

from core.stats.exports import DAILY_COLUMNS, TICKET_COLUMNS, daily_rows, ticket_rows, to_csv
from core.stats.glossary import glossary_stats
from core.stats.overview import overview
from core.stats.period import Scope
from web.context import ACCOUNT, CLOCK, SESSIONS
from web.filters import BadFilter, scope_for


def _scope(request: web.Request) -> Scope:
    try:
        return scope_for(request[ACCOUNT], request.query, request.app[CLOCK]())
    except BadFilter as error:
        raise web.HTTPBadRequest(text=json.dumps({"error": str(error)}), content_type="application/json") from None


async def stats(request: web.Request) -> web.Response:
    scope = _scope(request)
    async with request.app[SESSIONS]() as session:
        numbers = await overview(session, scope)
        glossary = await glossary_stats(session, scope)
    return web.json_response({**numbers.as_json(), "glossary": glossary.as_json()})


def _csv(text: str, name: str) -> web.Response:
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def tickets_csv(request: web.Request) -> web.Response:
    scope = _scope(request)
    async with request.app[SESSIONS]() as session:
        rows = await ticket_rows(session, scope)
    return _csv(to_csv(TICKET_COLUMNS, rows), f"tickets_{scope.start}_{scope.end}.csv")


async def daily_csv(request: web.Request) -> web.Response:
    scope = _scope(request)
    async with request.app[SESSIONS]() as session:
        rows = await daily_rows(session, scope)
    return _csv(to_csv(DAILY_COLUMNS, rows), f"daily_{scope.start}_{scope.end}.csv")
