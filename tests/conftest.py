"""Shared fixtures: a real database per backend (SQLite file always, PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from core.database import create_engine
from core.knowledge import build_matcher, intents_from_files, load_matching_data
from core.matcher import Matcher
from core.messages import TEXT, Inbound, Outbound
from core.settings import PROJECT_ROOT
from handlers.context import BotContext, open_context
from handlers.router import handle

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
DATA_DIR = PROJECT_ROOT / "tests" / "data"


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture(params=_backends())
async def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A fresh, empty database: a SQLite file, or PostgreSQL with its schema wiped."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return url


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[BotContext]:
    """The bot as `bot.py` composes it: migrated database, imported FAQ, built matcher."""
    ctx, engine = await open_context(database_url, KNOWLEDGE_DIR)
    yield ctx
    await engine.dispose()


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    """The matcher over the shipped knowledge files (no database)."""
    return build_matcher(intents_from_files(KNOWLEDGE_DIR), load_matching_data(KNOWLEDGE_DIR))


async def say(ctx: BotContext, text: str, user: str = "resident-1", **kwargs: object) -> list[Outbound]:
    """Send one text message as a resident on the shell channel."""
    return await handle(ctx, Inbound("shell", user, TEXT, text=text, **kwargs))  # type: ignore[arg-type]
