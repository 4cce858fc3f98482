"""aiohttp application factory shared by every channel's webhook and the dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.base import utcnow
from web import api, audit_log, auth, glossary, inbox, knowledge, language, link, pages, setup, setup_team, unanswered
from web.context import CLOCK, DESK, SECURE_COOKIES, SESSIONS, STATIC_DIR, TEMPLATES, DeskSource, template_environment
from web.security import security_headers

HEALTH_WAIT_SECONDS = 2.0
MAX_REQUEST_BYTES = 1024 * 1024


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


def build_web_app(
    sessions: async_sessionmaker[AsyncSession],
    desk: DeskSource,
    *,
    clock: Callable[[], datetime] = utcnow,
    secure_cookies: bool = False,
) -> web.Application:
    """The web application: health, the dashboard, its inbox and API; channels add their webhook routes
    to it. `desk` gives the ticket workflow's view of the running bot (its current FAQ, its channels);
    `secure_cookies` marks cookies Secure (set it when the dashboard is served over TLS)."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[security_headers, auth.authentication])
    app[SESSIONS] = sessions
    app[CLOCK] = clock
    app[SECURE_COOKIES] = secure_cookies
    app[DESK] = desk
    app[TEMPLATES] = template_environment()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/login", auth.login_form)
    app.router.add_post("/login", auth.login)
    app.router.add_post("/logout", auth.logout)
    app.router.add_get("/link/{token}", link.arrive)
    app.router.add_get("/link", link.form)
    app.router.add_post("/link", link.submit)
    app.router.add_get("/language/{code}", language.switch)
    app.router.add_get("/", pages.overview_page)
    app.router.add_get("/tickets", inbox.ticket_list)
    app.router.add_get("/tickets/{ticket_id}", inbox.ticket_page)
    app.router.add_post("/tickets/{ticket_id}/{action}", inbox.ticket_action)
    app.router.add_get("/knowledge", knowledge.entry_list)
    app.router.add_get("/knowledge/new", knowledge.new_page)
    app.router.add_post("/knowledge/new", knowledge.save)
    app.router.add_post("/knowledge/new/preview", knowledge.preview)
    app.router.add_get("/knowledge/{entry_id}", knowledge.edit_page)
    app.router.add_post("/knowledge/{entry_id}", knowledge.save)
    app.router.add_post("/knowledge/{entry_id}/preview", knowledge.preview)
    app.router.add_get("/knowledge/{entry_id}/history", knowledge.history)
    app.router.add_get("/unanswered", unanswered.unanswered_page)
    app.router.add_post("/unanswered/teach", unanswered.teach)
    app.router.add_post("/unanswered/review", unanswered.review)
    app.router.add_get("/setup", setup.commune_list)
    app.router.add_post("/setup", setup.add_commune)
    app.router.add_get("/setup/{slug}", setup.commune_page)
    app.router.add_post("/setup/{slug}", setup.edit_commune)
    app.router.add_post("/setup/{slug}/villages", setup_team.village_add)
    app.router.add_post("/setup/{slug}/villages/{id}/rename", setup_team.village_rename)
    app.router.add_post("/setup/{slug}/villages/{id}/remove", setup_team.village_remove)
    app.router.add_post("/setup/{slug}/members/{id}/role", setup_team.member_role)
    app.router.add_post("/setup/{slug}/members/{id}/remove", setup_team.member_remove)
    app.router.add_post("/setup/{slug}/invites", setup_team.invite_create)
    app.router.add_post("/setup/{slug}/invites/{id}/revoke", setup_team.invite_revoke)
    app.router.add_get("/glossary", glossary.glossary_page)
    app.router.add_post("/glossary/entries", glossary.add_entry)
    app.router.add_post("/glossary/entries/{entry_id}/decide", glossary.decide_entry)
    app.router.add_post("/glossary/pictures", glossary.set_picture)
    app.router.add_post("/glossary/voices", glossary.add_voice)
    app.router.add_post("/glossary/voices/{voice_id}/remove", glossary.remove_voice)
    app.router.add_get("/media/{folder}/{name}", glossary.media_file)
    app.router.add_get("/audit", audit_log.audit_page)
    app.router.add_get("/api/stats", api.stats)
    app.router.add_get("/export/tickets.csv", api.tickets_csv)
    app.router.add_get("/export/daily.csv", api.daily_csv)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
    return app
