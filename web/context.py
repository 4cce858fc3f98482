"""What every dashboard route reads from the application: the database, the clock, the templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.helpdesk.workflow import Desk
from models import WebAccount

SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
Clock = Callable[[], datetime]
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
SECURE_COOKIES = web.AppKey("secure_cookies", bool)
DeskSource = Callable[[], Desk]
DESK: web.AppKey[DeskSource] = web.AppKey("desk")  # the workflow's view of the running bot (its current FAQ)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
ACCOUNT = web.RequestKey("account", WebAccount)
CSRF = web.RequestKey("csrf", str)
TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def template_environment() -> jinja2.Environment:
    """Jinja2 with autoescaping on (every value from the database is escaped) and strict undefined names."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: web.Request, name: str, values: dict[str, Any], status: int = 200) -> web.Response:
    page = (
        request.app[TEMPLATES]
        .get_template(name)
        .render(account=request.get(ACCOUNT), csrf_token=request.get(CSRF, ""), path=request.path, **values)
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
