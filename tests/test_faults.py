"""Fault injection with real `bot.py run` processes: SIGKILL after updates were accepted, then a restart.

Each scenario first makes the platform refuse every send (502), so that nothing is delivered before
the kill: then "exactly once" is exact. A kill in the middle of sends is covered separately, where a
message that reached the platform in the instant before the kill may be repeated (at least once).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from core.database import create_engine, session_factory
from core.delivery.worker import MAX_PARALLEL_SENDS
from fakes.telegram import FakeTelegram, private_message
from fakes.zalo import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZalo, signed_webhook, user_event
from models import InboxEvent, OutboxMessage
from tests.processes import bot_env, bot_process, free_port, kill_bot, stop_bot

TOKEN = "123456:FAULT-TOKEN-abcdefgh"
SECRET = "webhook-secret-for-faults"
BAD_GATEWAY = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
RESIDENTS = 150
# On PostgreSQL several processes may share the database, so a restarted process waits for a dead
# one's leases to run out (30 s in the inbox, 60 s in the outbox) before taking its work over.
RECOVERY_WAIT_SECONDS = 150


async def _post_all(url: str, posts: list[tuple[dict[str, str], bytes]]) -> list[int]:
    """POST every body at once (at most 50 in flight); the statuses, in order."""
    limit = asyncio.Semaphore(50)
    async with aiohttp.ClientSession() as http:

        async def post(headers: dict[str, str], body: bytes) -> int:
            async with limit, http.post(url, data=body, headers=headers) as response:
                return response.status

        return list(await asyncio.gather(*(post(headers, body) for headers, body in posts)))


async def _waiting(database_url: str) -> tuple[int, int]:
    """Inbox events not yet handled and outbox messages not yet sent (a send whose answer timed out
    on a loaded machine may still be waiting for its retry when the bot is stopped)."""
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        inbox = await session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status == "pending"))
        outbox = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
    await engine.dispose()
    return int(inbox or 0), int(outbox or 0)


def _telegram_env(tmp_path: Path, database_url: str, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    return bot_env(tmp_path, DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, **extra)


def _refuse_sends(fake: FakeTelegram) -> None:
    fake.failures["sendMessage"] = [BAD_GATEWAY] * 10_000


def _replies_per_chat(fake: FakeTelegram) -> Counter[int]:
    return Counter(int(call.params["chat_id"]) for call in fake.sent())


async def test_telegram_webhook_updates_survive_a_sigkill(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    port = free_port()
    hook = {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}", "TELEGRAM_WEBHOOK_SECRET": SECRET}
    env = _telegram_env(tmp_path, database_url, fake, WEB_PORT=str(port), **hook)
    _refuse_sends(fake)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    updates = [{"update_id": 1000 + n, **private_message(5000 + n, "/help")} for n in range(RESIDENTS)]
    posts = [(headers, json.dumps(update).encode()) for update in updates]
    async with bot_process(env, tmp_path, b"Telegram webhook set", "run") as first:
        statuses = await _post_all(f"http://127.0.0.1:{port}/webhooks/telegram", posts)
        await kill_bot(first)
    assert statuses == [200] * RESIDENTS
    assert fake.sent() == []
    fake.failures.clear()
    fake.wait_seconds = RECOVERY_WAIT_SECONDS
    async with bot_process(env, tmp_path, b"Telegram webhook set", "run") as second:
        await fake.wait_for(lambda f: len(f.sent()) >= RESIDENTS)
        await stop_bot(second)
    assert _replies_per_chat(fake) == {5000 + n: 1 for n in range(RESIDENTS)}
    assert (await _waiting(database_url))[0] == 0


async def test_polled_updates_survive_a_sigkill_mid_poll(database_url: str, fake: FakeTelegram, tmp_path: Path) -> None:
    env = _telegram_env(tmp_path, database_url, fake, WEB_PORT="0")
    for n in range(RESIDENTS):
        await fake.push(private_message(6000 + n, "/help"))
    _refuse_sends(fake)
    async with bot_process(env, tmp_path, b"Telegram polling started", "run") as first:
        await fake.wait_for(lambda f: f.unconfirmed() == 0)  # Telegram now considers them all delivered
        await kill_bot(first)
    fake.failures.clear()
    fake.wait_seconds = RECOVERY_WAIT_SECONDS
    async with bot_process(env, tmp_path, b"Telegram polling started", "run") as second:
        await fake.wait_for(lambda f: len(f.sent()) >= RESIDENTS)
        await stop_bot(second)
    assert _replies_per_chat(fake) == {6000 + n: 1 for n in range(RESIDENTS)}
    assert (await _waiting(database_url))[0] == 0


async def test_a_kill_in_the_middle_of_sending_loses_nothing(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Killed after 60 replies went out: every resident is answered; only sends that were in flight
    at the kill (at most a few) may reach a resident twice."""
    env = _telegram_env(tmp_path, database_url, fake, WEB_PORT="0", TELEGRAM_MAX_PER_SECOND="1000")
    for n in range(RESIDENTS):
        await fake.push(private_message(7000 + n, "/help"))
    async with bot_process(env, tmp_path, b"Telegram polling started", "run") as first:
        await fake.wait_for(lambda f: len(f.sent()) >= 60)
        await kill_bot(first)
    fake.wait_seconds = RECOVERY_WAIT_SECONDS
    async with bot_process(env, tmp_path, b"Telegram polling started", "run") as second:
        await fake.wait_for(lambda f: set(_replies_per_chat(f)) == {7000 + n for n in range(RESIDENTS)})
        await stop_bot(second)
    replies = _replies_per_chat(fake)
    assert set(replies) == {7000 + n for n in range(RESIDENTS)}
    assert sum(replies.values()) - RESIDENTS <= 2 * MAX_PARALLEL_SENDS


@pytest.fixture
async def zalo() -> Any:
    server = FakeZalo()
    await server.start()
    yield server
    await server.close()


async def test_zalo_webhook_events_survive_a_sigkill(database_url: str, zalo: FakeZalo, tmp_path: Path) -> None:
    port = free_port()
    env = bot_env(
        tmp_path,
        DATABASE_URL=database_url,
        ZALO_APP_ID=APP_ID,
        ZALO_APP_SECRET=APP_SECRET,
        ZALO_OA_SECRET_KEY=OA_SECRET_KEY,
        ZALO_ACCESS_TOKEN=zalo.access_token,
        ZALO_REFRESH_TOKEN=zalo.refresh_token,
        ZALO_API_URL=zalo.url,
        ZALO_OAUTH_URL=zalo.url,
        WEB_PORT=str(port),
    )
    for _n in range(10_000):
        zalo.fail_next_send(502, {})
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    posts = [
        signed_webhook(user_event("user_send_text", f"zr-{n}", now_ms + n, {"text": "/help", "msg_id": f"kill-{n}"}))
        for n in range(RESIDENTS)
    ]
    async with bot_process(env, tmp_path, b"web server on", "run") as first:
        statuses = await _post_all(f"http://127.0.0.1:{port}/webhooks/zalo", posts)
        await kill_bot(first)
    assert statuses == [200] * RESIDENTS
    zalo.clear_failures()
    zalo.wait_seconds = RECOVERY_WAIT_SECONDS
    async with bot_process(env, tmp_path, b"web server on", "run") as second:
        await zalo.wait_for_sends(RESIDENTS)
        await stop_bot(second)
    per_resident = Counter(call.body["recipient"]["user_id"] for call in zalo.sends())
    assert per_resident == {f"zr-{n}": 1 for n in range(RESIDENTS)}
    assert (await _waiting(database_url))[0] == 0


async def test_a_sqlite_lock_held_by_another_process_does_not_freeze_the_bot(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Another program holds the database's write lock: /healthz still answers (busy) at once, and the
    webhook post waiting for the lock is stored and answered once the lock is released."""
    import sqlite3

    port = free_port()
    hook = {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}", "TELEGRAM_WEBHOOK_SECRET": SECRET}
    database = f"sqlite+aiosqlite:///{tmp_path / 'locked.db'}"
    env = _telegram_env(tmp_path, database, fake, WEB_PORT=str(port), **hook)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    update = json.dumps({"update_id": 77, **private_message(4242, "/help")}).encode()
    quick = aiohttp.ClientTimeout(total=5)  # the lock would have frozen the loop for 10 s
    async with bot_process(env, tmp_path, b"Telegram webhook set", "run") as bot, aiohttp.ClientSession() as http:
        other = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            waiting = asyncio.create_task(
                http.post(f"http://127.0.0.1:{port}/webhooks/telegram", data=update, headers=headers)
            )
            async with http.get(f"http://127.0.0.1:{port}/healthz", timeout=quick) as health:
                assert health.status == 503 and (await health.json())["status"] == "database busy"
            assert not waiting.done()
        finally:
            other.execute("ROLLBACK")
            other.close()
        stored = await waiting
        assert stored.status == 200
        await fake.wait_for(lambda f: len(f.sent("sendMessage", 4242)) == 1)
        async with http.get(f"http://127.0.0.1:{port}/healthz", timeout=quick) as health:
            assert health.status == 200
        await stop_bot(bot)
