"""What every dashboard route reads from the application: the database, the clock, the templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access.accounts import ADMIN, has_role
from core.helpdesk.workflow import Desk
from core.language.i18n import DEFAULT_LANGUAGE, TranslatableError, Translate, translator
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
LANGUAGE_COOKIE = "lang"
# The dashboard's languages, each named in itself (the switch in every page's header).
PAGE_LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


def require_admin(request: web.Request, refusal: str) -> None:
    """403 with `refusal` (a msgid, marked with `N_` where it is written) unless the account is an admin."""
    if not has_role(request[ACCOUNT], ADMIN):
        raise web.HTTPForbidden(text=translate(request)(refusal))


def page_language(request: web.Request) -> str:
    """The dashboard language the browser chose (the `lang` cookie); anything else is Vietnamese."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in PAGE_LANGUAGES else DEFAULT_LANGUAGE


def translate(request: web.Request) -> Translate:
    """The gettext function for this request's page language (Vietnamese msgids)."""
    return translator(page_language(request))


def template_environment() -> jinja2.Environment:
    """Jinja2 with autoescaping on (every value from the database is escaped) and strict undefined names."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def problem_text(error: Exception, _: Translate) -> str:
    """What a refused change says, in the page's language: a catalogued error's own message and values,
    otherwise its text looked up as a msgid (unchanged when the catalogue does not have it)."""
    return error.text(_) if isinstance(error, TranslatableError) else _(str(error))


def _here(request: web.Request) -> str:
    """Where the language switch comes back to: this page, or, for a page that answers a form (a POST
    cannot be repeated by a link), the page the form was on when the browser says so."""
    if request.method in {"GET", "HEAD"}:
        return request.path_qs
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.host and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def render(request: web.Request, name: str, values: dict[str, Any], status: int = 200) -> web.Response:
    """The template with the page's values, and what every page has: the account, the CSRF value, the path,
    the page language (`lang`), its gettext function (`_`) and the languages to switch to."""
    lang = page_language(request)
    page = (
        request.app[TEMPLATES]
        .get_template(name)
        .render(
            account=request.get(ACCOUNT),
            csrf_token=request.get(CSRF, ""),
            path=request.path,
            here=_here(request),
            lang=lang,
            _=translator(lang),
            page_languages=PAGE_LANGUAGES,
            **values,
        )
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
