"""Who is asking: the session cookie or an API bearer token, CSRF on every state-changing request,
login and logout."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from aiohttp import web

from core.access.accounts import authenticate
from core.access.sessions import (
    SESSION_LIFETIME,
    account_of_api_token,
    account_of_session,
    end_session,
    start_session,
)
from core.access.tokens import csrf_for, new_token, same
from models import WebAccount
from web.context import ACCOUNT, CLOCK, CSRF, SESSIONS, render, translate
from web.security import safe_next, set_private_cookie

SESSION_COOKIE = "caunoi_session"
LOGIN_COOKIE = "caunoi_login"  # the login form's CSRF value, before there is a session
LOGIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what new_token() makes
CSRF_FIELD = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = ("/login", "/link", "/link/", "/language/", "/healthz", "/static/", "/webhooks/", "/metrics")
MAX_FORM_BYTES = 64 * 1024
# Forms that upload a recording accept more (up to the application's request limit).
UPLOAD_PATHS = frozenset({"/glossary/entries", "/glossary/voices", "/glossary/pictures"})
MAX_UPLOAD_BYTES = 1024 * 1024
# Open to everyone, but a logged-in caller is recognised (stored media: public ones for all, others for the team).
LOGIN_OPTIONAL = ("/media/",)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Caller:
    """The account behind a request and how it proved itself ("session" or "token")."""

    account: WebAccount
    via: str


def _is_public(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC_PATHS)


async def _caller(request: web.Request, now: datetime) -> tuple[Caller | None, str | None]:
    """The caller and their session cookie (None for a bearer token), in a short transaction."""
    header = request.headers.get("Authorization", "")
    cookie = request.cookies.get(SESSION_COOKIE)
    async with request.app[SESSIONS]() as session, session.begin():
        if header.lower().startswith("bearer "):
            account = await account_of_api_token(session, header[7:].strip(), now)
            return (Caller(account, "token"), None) if account else (None, None)
        if cookie:
            account = await account_of_session(session, cookie, now)
            if account is not None:
                session.expunge(account)
                return Caller(account, "session"), cookie
    return None, None


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach the account; anonymous visitors of a page go to /login, of the API get 401; a session's
    state-changing request needs its CSRF token; an API token may only read."""
    if _is_public(request.path):
        return await handler(request)
    caller, cookie = await _caller(request, request.app[CLOCK]())
    if caller is None and request.path.startswith(LOGIN_OPTIONAL) and request.method in SAFE_METHODS:
        return await handler(request)
    if caller is None:
        if request.path.startswith(("/api/", "/export/")):
            raise web.HTTPUnauthorized(text='{"error": "login required"}', content_type="application/json")
        raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")
    if caller.via == "token" and (
        request.method not in SAFE_METHODS or not request.path.startswith(("/api/", "/export/"))
    ):
        raise web.HTTPForbidden(text="An API token may only read /api/ and /export/.")
    request[ACCOUNT] = caller.account
    if cookie is not None:
        request[CSRF] = csrf_for(cookie)
        if request.method not in SAFE_METHODS:
            await _check_csrf(request, request[CSRF])
    return await handler(request)


async def _check_csrf(request: web.Request, expected: str) -> None:
    limit = MAX_UPLOAD_BYTES if request.path in UPLOAD_PATHS else MAX_FORM_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    submitted = request.headers.get("X-CSRF-Token") or str((await request.post()).get(CSRF_FIELD, ""))
    if not submitted or not same(submitted, expected):
        raise web.HTTPForbidden(text="CSRF token missing or wrong: reload the page and try again.")


async def login_form(request: web.Request) -> web.StreamResponse:
    caller, _cookie = await _caller(request, request.app[CLOCK]())
    if caller is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    return _login_page(request, status=200, message=None)


def _login_page(request: web.Request, status: int, message: str | None) -> web.StreamResponse:
    """The login form; its CSRF value is the browser's login cookie, kept when it has a well-formed one so a
    second tab (or a request the browser makes on its own, such as for an icon) does not spoil the first."""
    kept = request.cookies.get(LOGIN_COOKIE, "")
    token = kept if LOGIN_TOKEN.fullmatch(kept) else new_token()
    response = render(
        request,
        "login.html",
        {"csrf": token, "next": safe_next(request.query.get("next")), "message": message},
        status=status,
    )
    set_private_cookie(response, request, LOGIN_COOKIE, token, path="/login", max_age=3600)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """Check the form's CSRF value against its cookie, then the password (throttled); start a session."""
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_FORM_BYTES, actual_size=request.content_length)
    form = await request.post()
    _ = translate(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not same(str(form.get(CSRF_FIELD, "")), expected):
        return _login_page(request, 403, _("Phiên đăng nhập đã hết hạn. Bạn nhập lại nhé."))
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))
    now = request.app[CLOCK]()
    async with request.app[SESSIONS]() as session, session.begin():
        result = await authenticate(session, username, password, request.remote or "", now)
        token = await start_session(session, result.account, now) if result.account else None
    if token is None:
        if result.refusal == "throttled":
            return _login_page(request, 429, _("Có quá nhiều lần đăng nhập sai. Bạn đợi 15 phút rồi thử lại."))
        return _login_page(request, 401, _("Sai tên đăng nhập hoặc mật khẩu."))
    response = web.HTTPSeeOther(safe_next(str(form.get("next", "")) or None))
    set_private_cookie(
        response, request, SESSION_COOKIE, token, path="/", max_age=int(SESSION_LIFETIME.total_seconds())
    )
    response.del_cookie(LOGIN_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        async with request.app[SESSIONS]() as session, session.begin():
            await end_session(session, cookie)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
