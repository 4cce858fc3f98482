"""What the benchmarks share: a real `bot.py run` polling the fake Bot API, and percentiles."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT
from fakes.telegram import FakeTelegram

TOKEN = "123456:BENCH"


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def start_bot(
    fake: FakeTelegram, database_url: str, folder: Path | str, max_per_second: int
) -> asyncio.subprocess.Process:
    """`bot.py run` polling the fake server, returned once its log says polling started; its log is
    read on from then on (errors and warnings shown) so it never blocks."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_WEBHOOK_URL": "",
        "ZALO_OA_SECRET_KEY": "",
        "WEB_PORT": "0",
        "LOG_LEVEL": "INFO",
        "TELEGRAM_MAX_PER_SECOND": str(max_per_second),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(PROJECT_ROOT / "bot.py"), "run", env=env, stderr=asyncio.subprocess.PIPE, cwd=folder
    )
    assert process.stderr is not None
    while b"Telegram polling started" not in (line := await process.stderr.readline()):
        if not line:
            raise SystemExit("bot.py ended before polling started")
        _show(line)
    asyncio.get_running_loop().create_task(_drain(process))
    return process


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    """Ctrl-C and a clean exit; killed if it has not ended within 30 s."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    while line := await process.stderr.readline():
        _show(line)


def _show(line: bytes) -> None:
    if not line.startswith(b"20") or b"ERROR" in line or b"WARNING" in line:
        sys.stderr.write(line.decode(errors="replace"))
