"""SQLite for SQLAlchemy's aiosqlite dialect, run on the event loop's own thread.

A statement on a small local SQLite file takes microseconds; aiosqlite hands every call to a
helper thread and back, which costs about 0.3 ms each. This shim gives the dialect the same
coroutine interface over a plain `sqlite3` connection, so a whole unit of work runs without a
thread hop. Transactions never wait on the network, so a write lock is held for microseconds.
Another process holding the lock (a CLI command, a backup) must not freeze the loop: SQLite's own
busy wait is kept to a few milliseconds, and the statement is retried with asyncio sleeps in
between, so webhooks and /healthz keep being answered meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

BLOCKING_BUSY_TIMEOUT_S = 0.005  # SQLite waits this long on the loop's thread before saying "locked"
RETRY_PAUSES_S = (0.005, 0.01, 0.02, 0.05, 0.1)
T = TypeVar("T")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


async def _patiently(run: Callable[[], T], give_up_after_s: float) -> T:
    """Run a statement; while another process holds the lock, wait without blocking the loop."""
    deadline = time.monotonic() + give_up_after_s
    tries = 0
    while True:
        try:
            return run()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(RETRY_PAUSES_S[min(tries, len(RETRY_PAUSES_S) - 1)])
        tries += 1


class InlineCursor:
    """The coroutine cursor interface the aiosqlite dialect expects."""

    def __init__(self, cursor: sqlite3.Cursor, patience_s: float) -> None:
        self._cursor = cursor
        self._patience_s = patience_s

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
        await _patiently(lambda: self._cursor.execute(sql, parameters), self._patience_s)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(parameters)
        await _patiently(lambda: self._cursor.executemany(sql, rows), self._patience_s)
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

    def __init__(self, connection: sqlite3.Connection, patience_s: float) -> None:
        self._conn = connection
        self._patience_s = patience_s

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor(), self._patience_s)

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        return await InlineCursor(self._conn.cursor(), self._patience_s).execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        await _patiently(self._conn.commit, self._patience_s)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        """Force-close (what the dialect calls when terminating a connection)."""
        self._conn.close()


def inline_connector(path: str, busy_timeout_s: float):
    """An `async_creator` for create_async_engine: autocommit mode, we issue BEGIN ourselves; a lock
    held elsewhere is waited for up to `busy_timeout_s` without blocking the loop."""

    async def connect() -> InlineConnection:
        connection = await _patiently(
            lambda: sqlite3.connect(
                path, timeout=BLOCKING_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            ),
            busy_timeout_s,
        )
        return InlineConnection(connection, busy_timeout_s)

    return connect
