"""Real `bot.py` processes for end-to-end tests: a free port, start until ready, stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from core.settings import PROJECT_ROOT

LOG_WAIT_SECONDS = 60.0


class WatchedLog(list[bytes]):
    """A process's log lines, with a wait for a line containing some bytes (no sleeping: each line
    appended wakes the waiters)."""

    def __init__(self) -> None:
        super().__init__()
        self._waiters: list[tuple[bytes, asyncio.Future[bytes]]] = []

    def append(self, line: bytes) -> None:
        super().append(line)
        for needle, waiter in list(self._waiters):
            if needle in line and not waiter.done():
                waiter.set_result(line)
                self._waiters.remove((needle, waiter))

    async def wait_for(self, needle: bytes, after: int = 0) -> bytes:
        """The first line from index `after` on that contains `needle`, waiting for it if need be."""
        for line in self[after:]:
            if needle in line:
                return line
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiters.append((needle, waiter))
        return await asyncio.wait_for(waiter, LOG_WAIT_SECONDS)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(folder: Path, **settings: str) -> dict[str, str]:
    """The environment for a bot process with its own SQLite file and no channel unless given."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bot.db'}",
        "MEDIA_DIR": str(folder / "media"),
        "TELEGRAM_BOT_TOKEN": "",
        "TELEGRAM_WEBHOOK_URL": "",
        **settings,
    }


async def run_cli(env: dict[str, str], folder: Path, *args: str, stdin: bytes = b"") -> tuple[int, str]:
    """Run one `bot.py` command to its end: its exit status and what it printed (stdout and stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(PROJECT_ROOT / "bot.py"),
        *args,
        env=env,
        cwd=folder,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate(stdin)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def start_bot(
    env: dict[str, str], folder: Path, ready: bytes, *args: str, log: list[bytes] | None = None
) -> asyncio.subprocess.Process:
    """Start `bot.py` and return once its log says `ready`; its log is read on so it never blocks
    (and kept in `log`, when given)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(PROJECT_ROOT / "bot.py"), *args, env=env, cwd=folder, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    while ready not in (line := await process.stderr.readline()):
        assert line, f"bot.py ended before logging {ready!r}"
        if log is not None:
            log.append(line)
    if log is not None:
        log.append(line)
    asyncio.get_running_loop().create_task(_drain(process, log))
    return process


@asynccontextmanager
async def running_bot(env: dict[str, str], folder: Path, ready: bytes, *args: str) -> AsyncIterator[None]:
    """A bot process for the duration of the block, stopped with Ctrl-C as a person would."""
    process = await start_bot(env, folder, ready, *args)
    try:
        yield
    finally:
        await stop_bot(process)


@asynccontextmanager
async def bot_process(
    env: dict[str, str], folder: Path, ready: bytes, *args: str, log: list[bytes] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A bot process for the block; killed at the end if the block did not stop or kill it."""
    process = await start_bot(env, folder, ready, *args, log=log)
    try:
        yield process
    finally:
        if process.returncode is None:
            await kill_bot(process)


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    """Ctrl-C, as a person would, and wait for a clean exit."""
    process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(process.wait(), 30) in (0, 130)


async def kill_bot(process: asyncio.subprocess.Process) -> None:
    """SIGKILL: the process gets no chance to finish anything."""
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def _drain(process: asyncio.subprocess.Process, log: list[bytes] | None) -> None:
    assert process.stderr is not None
    while line := await process.stderr.readline():
        if log is not None:
            log.append(line)
