"""The page a member's one-time sign-in link opens (`/dangnhap` in the bot): choose a username and a
password, or set a new password for the account already linked to the membership.

`GET /link/<token>` moves the token into a short-lived HttpOnly cookie and redirects to `/link`, so it
leaves the address bar, the history and any Referer. The form's CSRF value is derived from the token.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from core.access.accounts import AccountError
from core.access.links import LINK_VALIDITY, LinkError, open_link, use_link
from core.access.passwords import MIN_LENGTH, WeakPassword
from core.access.tokens import csrf_for, same
from core.language.i18n import N_
from models import Commune
from web.auth import CSRF_FIELD, MAX_FORM_BYTES
from web.context import CLOCK, DESK, SESSIONS, problem_text, render, translate
from web.security import set_private_cookie

LINK_COOKIE = "caunoi_link"
LINK_PAGE = "/link"
_ROLE_NAMES = {"volunteer": N_("tình nguyện viên"), "officer": N_("cán bộ công an"), "admin": N_("quản trị")}


async def arrive(request: web.Request) -> web.StreamResponse:
    """The link as opened from the chat: keep its token in a cookie and show the form without it."""
    token = request.match_info["token"]
    async with request.app[SESSIONS]() as session:
        link = await open_link(session, request.app[DESK]().link_key, token, request.app[CLOCK]())
    if link is None:
        return _gone(request)
    response = web.HTTPSeeOther(LINK_PAGE)
    set_private_cookie(
        response, request, LINK_COOKIE, token, path=LINK_PAGE, max_age=int(LINK_VALIDITY.total_seconds())
    )
    raise response


async def form(request: web.Request) -> web.StreamResponse:
    """The form for the link in the cookie."""
    return await _form(request, request.cookies.get(LINK_COOKIE, ""), status=200, message=None, typed="")


async def submit(request: web.Request) -> web.StreamResponse:
    """Check the CSRF value, then make the account or set its password; the link is used up."""
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_FORM_BYTES, actual_size=request.content_length)
    token = request.cookies.get(LINK_COOKIE, "")
    posted = await request.post()
    if not token or not same(str(posted.get(CSRF_FIELD, "")), csrf_for(token)):
        return _gone(request, status=403)
    username = str(posted.get("username", ""))[:64]
    password, again = str(posted.get("password", "")), str(posted.get("password2", ""))
    _ = translate(request)
    if password != again:
        return await _form(request, token, 400, _("Hai lần nhập mật khẩu không giống nhau."), username)
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            key, now = request.app[DESK]().link_key, request.app[CLOCK]()
            account = await use_link(session, key, token, username, password, now)
    except LinkError:
        return _gone(request)
    except (AccountError, WeakPassword) as error:
        return await _form(request, token, 400, problem_text(error, _), username)
    response = render(request, "link.html", {"state": "done", "username": account.username})
    response.del_cookie(LINK_COOKIE, path=LINK_PAGE)
    return response


async def _form(request: web.Request, token: str, status: int, message: str | None, typed: str) -> web.StreamResponse:
    async with request.app[SESSIONS]() as session:
        link = await open_link(session, request.app[DESK]().link_key, token, request.app[CLOCK]()) if token else None
        commune = await session.get(Commune, link.member.commune) if link is not None else None
    if link is None:
        return _gone(request)
    _, role = translate(request), link.member.role
    values: dict[str, Any] = {
        "state": "form",
        "csrf": csrf_for(token),
        "member_name": link.member.name,
        "role": _(_ROLE_NAMES[role]) if role in _ROLE_NAMES else role,
        "commune": commune.name if commune is not None else link.member.commune,
        "username": link.account.username if link.account is not None else "",
        "typed": typed,
        "message": message,
        "min_length": MIN_LENGTH,
    }
    return render(request, "link.html", values, status=status)


def _gone(request: web.Request, status: int = 410) -> web.StreamResponse:
    response = render(request, "link.html", {"state": "gone"}, status=status)
    response.del_cookie(LINK_COOKIE, path=LINK_PAGE)
    return response
