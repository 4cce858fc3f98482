"""aiohttp application factory shared by every channel's webhook and the dashboard."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])


HEALTH_WAIT_SECONDS = 2.0


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers within a moment, 503 otherwise (never a hang)."""
    try:
        async with asyncio.timeout(HEALTH_WAIT_SECONDS), request.app[SESSIONS]() as session:
            await session.execute(text("SELECT 1"))
    except TimeoutError:
        return web.json_response({"status": "database busy"}, status=503)
    except (SQLAlchemyError, OSError):
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def build_web_app(sessions: async_sessionmaker[AsyncSession]) -> web.Application:
    """The web application with its routes; channels add their webhook routes to it."""
    app = web.Application(client_max_size=1024 * 1024)
    app[SESSIONS] = sessions
    app.router.add_get("/healthz", healthz)
    return app
