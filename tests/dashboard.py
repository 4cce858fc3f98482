"""Helpers for the dashboard tests: accounts, a logged-in aiohttp test client, the CSRF value of a page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access.accounts import create_account
from core.helpdesk.communes import save_commune
from handlers.context import BotContext
from models.base import utcnow
from web.server import build_web_app

PASSWORD = "mat-khau-du-dai-1"
CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')


async def make_account(
    sessions: async_sessionmaker[AsyncSession], name: str, role: str, commune: str | None = None
) -> None:
    async with sessions() as session, session.begin():
        if commune is not None:
            await save_commune(session, commune, commune.replace("-", " ").title())
        await create_account(session, name, PASSWORD, role, commune)


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def log_in(client: TestClient, name: str, password: str = PASSWORD, next_path: str = "/") -> int:
    """Fill the login form as a browser would; the status of the form's answer (303 when logged in)."""
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"csrf": csrf_of(await page.text()), "username": name, "password": password, "next": next_path},
        allow_redirects=False,
    )
    return response.status


@asynccontextmanager
async def web_client(
    ctx: BotContext, clock: Callable[[], datetime] = utcnow, secure: bool = False
) -> AsyncIterator[TestClient]:
    """The dashboard of the running bot `ctx`, in a test server on 127.0.0.1."""
    app = build_web_app(ctx.sessions, lambda: ctx.desk, clock=clock, secure_cookies=secure)
    async with TestClient(TestServer(app)) as client:
        yield client
