"""Engine and session factory; schema migrations through Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from core.settings import PROJECT_ROOT
from core.sqlite_inline import inline_connector

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in migrations/versions (a test keeps the two in step). Knowing it lets a
# start-up on an up-to-date database skip loading Alembic, which is most of the cold-start time.
SCHEMA_HEAD = "0014"
SQLITE_BUSY_TIMEOUT_S = 10.0


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite files get their folder, WAL mode and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # One connection per process: statements run on the event loop (core/sqlite_inline.py), so a second
    # connection waiting on SQLite's lock would block the very loop that has to release it. Coroutines
    # queue for the connection instead, without blocking.
    engine = create_async_engine(
        url,
        async_creator=inline_connector(parsed.database or ":memory:", SQLITE_BUSY_TIMEOUT_S),
        pool_size=1,
        max_overflow=0,
        hide_parameters=True,  # errors must not print message texts into the log
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # Take the write lock at the start: concurrent writers then queue on the busy timeout
        # instead of failing with "database is locked" when a read lock is upgraded.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit, of a session class of their own (so commit
    hooks such as the outbox's wake-up apply to this factory's sessions only)."""
    own_class = type("CauNoiSession", (Session,), {})
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=own_class)


def alembic_config() -> Config:
    """Alembic configuration pointing at the project's migrations folder."""
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


async def schema_version(engine: AsyncEngine) -> str | None:
    """The migration the database is at, or None for a new database."""
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:
        return None


async def upgrade_schema(engine: AsyncEngine) -> None:
    """Bring the database to the newest migration (safe and cheap to call on every start)."""
    if await schema_version(engine) == SCHEMA_HEAD:
        return

    def _upgrade(connection: Connection) -> None:
        from alembic import command

        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    if engine.dialect.name != "sqlite":
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
        return
    # SQLite rebuilds a table to change it; with foreign keys enforced, dropping the old copy of a table
    # others refer to fails. They are switched off around the migration (a PRAGMA that only works outside
    # a transaction), and the result is checked before commit.
    async with engine.connect() as connection:
        await connection.run_sync(_sqlite_pragma, "PRAGMA foreign_keys=OFF")
        try:
            async with connection.begin():
                await connection.run_sync(_upgrade)
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).first()
                if broken is not None:
                    raise RuntimeError(f"migration left a broken reference in table {broken[0]}")
        finally:
            await connection.run_sync(_sqlite_pragma, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    """Run a PRAGMA on the driver connection directly, outside any transaction."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(pragma)
    finally:
        cursor.close()
