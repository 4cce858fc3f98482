"""SQLite for SQLAlchemy's aiosqlite dialect, run on the event loop's own thread.

A statement on a small local SQLite file takes microseconds; aiosqlite hands every call to a
helper thread and back, which costs about 0.3 ms each. This shim gives the dialect the same
coroutine interface over a plain `sqlite3` connection, so a whole unit of work runs without a
thread hop. Transactions never wait on the network, so a write lock is held for microseconds;
another process holding the lock is waited for by SQLite's busy timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any


class InlineCursor:
    """The coroutine cursor interface the aiosqlite dialect expects."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The coroutine connection interface the aiosqlite dialect expects, over `sqlite3`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        return await InlineCursor(self._conn.cursor()).execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        """Force-close (what the dialect calls when terminating a connection)."""
        self._conn.close()


def inline_connector(path: str, busy_timeout_s: float):  # type: ignore[no-untyped-def]
    """An `async_creator` for create_async_engine: autocommit mode, we issue BEGIN ourselves."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
        return InlineConnection(connection)

    return connect
