"""Headers every response carries, and the one rule for where a redirect may go."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from web.context import SECURE_COOKIES

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the security headers, also to error responses; pages behind a login are never cached."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
        _add(request, response)
        raise
    _add(request, response)
    return response


def _add(request: web.Request, response: web.StreamResponse) -> None:
    if response.prepared:
        return
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after login; anything else (another host, a scheme, `//x`, `/\\x`)
    becomes `default`, so a link cannot send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\\"):
        return default
    return target


def set_private_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, *, path: str, max_age: int
) -> None:
    """A cookie no script can read (HttpOnly), not sent along from other sites (SameSite=Lax), and Secure
    when the dashboard is served over TLS."""
    response.set_cookie(
        name, value, httponly=True, samesite="Lax", secure=request.app[SECURE_COOKIES], path=path, max_age=max_age
    )
