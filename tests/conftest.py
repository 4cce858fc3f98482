"""Shared fixtures: a real database per backend (SQLite file always, PostgreSQL when configured).

Migrating and importing the FAQ takes most of a second, so it is done once per session: into a
SQLite file that each test copies, and into a PostgreSQL template database that each test clones
(CREATE DATABASE ... TEMPLATE). Tests that need an empty database ask for one.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from channels.telegram.sender import TelegramSender
from channels.zalo.sender import ZaloSender
from core.database import create_engine
from core.knowledge.faq import matcher_from_files
from core.language.bilingual import BilingualMatcher
from fakes.telegram import FakeTelegram
from handlers.context import BotContext, open_context
from tests.fixtures import KNOWLEDGE_DIR

SEEDED_TEMPLATE = "caunoi_seeded_template"
SEEDED_COPY = "caunoi_seeded_copy"


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    """Run statements that cannot run in a transaction (CREATE/DROP DATABASE)."""
    engine = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


async def _build_template(url: str) -> None:
    await _admin(url, f"DROP DATABASE IF EXISTS {SEEDED_TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {SEEDED_TEMPLATE}")
    await _seed(_with_database(url, SEEDED_TEMPLATE))


@pytest.fixture(scope="session")
def seeded_postgres() -> Iterator[str | None]:
    """A migrated PostgreSQL database with the FAQ imported, to copy per test (None without PostgreSQL)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield None
        return
    asyncio.run(_build_template(url))
    yield url
    asyncio.run(
        _admin(
            url,
            f"DROP DATABASE IF EXISTS {SEEDED_COPY} WITH (FORCE)",
            f"DROP DATABASE IF EXISTS {SEEDED_TEMPLATE} WITH (FORCE)",
        )
    )


async def _seed(url: str) -> None:
    _ctx, engine = await open_context(url, KNOWLEDGE_DIR)
    await engine.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the FAQ imported, to copy per test."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    asyncio.run(_seed(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=_backends())
async def database_url(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest, tmp_path, seeded_sqlite: Path, seeded_postgres: str | None
) -> str:
    """A fresh database with the schema and the FAQ: a copy of the seeded SQLite file, or a clone of the
    seeded PostgreSQL template."""
    if request.param == "sqlite":
        shutil.copyfile(seeded_sqlite, tmp_path / "test.db")
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    assert seeded_postgres is not None
    await _admin(
        seeded_postgres,
        f"DROP DATABASE IF EXISTS {SEEDED_COPY} WITH (FORCE)",
        f"CREATE DATABASE {SEEDED_COPY} TEMPLATE {SEEDED_TEMPLATE}",
    )
    return _with_database(seeded_postgres, SEEDED_COPY)


@pytest.fixture(params=_backends())
async def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A database with nothing in it: a new SQLite file, or PostgreSQL's test database with its schema wiped."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return url


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[BotContext]:
    """The bot as `bot.py` composes it: migrated database, imported FAQ, built matcher, and what the
    Telegram and Zalo channels can carry."""
    ctx, engine = await open_context(database_url, KNOWLEDGE_DIR)
    ctx.capabilities = {"telegram": TelegramSender.capabilities, "zalo": ZaloSender.capabilities}
    yield ctx
    await engine.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API server on 127.0.0.1 (the Zalo tests define their own `fake`: the fake OA)."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.close()


@pytest.fixture(scope="session")
def matcher() -> BilingualMatcher:
    """The matcher over the shipped knowledge files (no database)."""
    return matcher_from_files(KNOWLEDGE_DIR)
