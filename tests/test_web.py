"""The web server's health check against a real database."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from core.helpdesk.workflow import Desk
from handlers.context import BotContext
from web.server import build_web_app


async def test_healthz_reports_ok_when_the_database_answers(bot: BotContext) -> None:
    async with TestClient(TestServer(build_web_app(bot.sessions, lambda: bot.desk))) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert (await response.json()) == {"status": "ok"}


def _no_desk() -> Desk:
    raise AssertionError("the health check needs no ticket workflow")


async def test_healthz_reports_503_when_the_database_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from core.database import create_engine, session_factory

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    (tmp_path / "missing").rmdir()
    try:
        async with TestClient(TestServer(build_web_app(session_factory(engine), _no_desk))) as client:
            response = await client.get("/healthz")
            assert response.status == 503
    finally:
        await engine.dispose()
