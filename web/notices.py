"""What a change tells the person ("Đã lưu."), shown once on the page it redirects back to.

The text rides in a short-lived cookie scoped to the section's path, so it survives the redirect
(POST, then 303 to a GET) and is dropped when the page has shown it."""

from __future__ import annotations

from urllib.parse import quote, unquote

from aiohttp import web

from web.security import set_private_cookie

NOTICE_COOKIE = "caunoi_notice"
MAX_NOTICE = 300
NOTICE_SECONDS = 60


def redirect_with_notice(request: web.Request, location: str, notice: str, *, path: str) -> web.HTTPSeeOther:
    """A redirect to `location` carrying `notice` for the pages under `path`."""
    response = web.HTTPSeeOther(location)
    set_private_cookie(response, request, NOTICE_COOKIE, quote(notice), path=path, max_age=NOTICE_SECONDS)
    return response


def pending_notice(request: web.Request) -> str:
    """The notice waiting for this page, if any."""
    return unquote(request.cookies.get(NOTICE_COOKIE, ""))[:MAX_NOTICE]


def notice_shown(response: web.Response, *, path: str) -> web.Response:
    """The page with its notice shown: the cookie is dropped."""
    response.del_cookie(NOTICE_COOKIE, path=path)
    return response
