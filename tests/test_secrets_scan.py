"""A whole run of a real `bot.py` (Telegram webhook, a commune, a volunteer, a ticket) with personal data
and secrets planted in what people type: none of it may appear in the log, at DEBUG level, or in any table."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

from core.database import create_engine, session_factory
from core.settings import PROJECT_ROOT
from fakes.telegram import FakeTelegram, group_message, private_message
from models import Base
from tests.fixtures import recorded_card_id
from tests.processes import bot_env, bot_process, free_port, stop_bot

TOKEN = "654321:SCAN-TOKEN-abcdefghij"
SECRET = "webhook-secret-for-the-scan"
RESIDENT, VOLUNTEER, GROUP = 4242, 9191, -100555
PLANTED = {
    "phone": "0912345678",
    "id number": "012345678901",
    "otp": "482913",
    "password": "Hoa@2024",
    "old id number": "123456789",
    "phone in the village": "0987654321",
    "id in a volunteer's reply": "001122334455",
}
CREDENTIAL_TABLES = {"channel_tokens"}  # the Zalo token pair must be stored to be used


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bot.py"), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


async def _card_message_id(database_url: str) -> int:
    """The Telegram id of the ticket's card, once the bot has recorded it (polled, bounded)."""
    engine = create_engine(database_url)
    try:
        for _try in range(200):
            card = await recorded_card_id(session_factory(engine))
            if card:
                return int(card)
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()
    raise AssertionError("the card was never recorded")


async def _table_texts(database_url: str) -> dict[str, str]:
    """Every table's rows, as text."""
    engine = create_engine(database_url)
    texts: dict[str, str] = {}
    async with session_factory(engine)() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in CREDENTIAL_TABLES:
                rows = (await session.execute(select(table))).all()
                texts[table.name] = "\n".join(json.dumps([str(v) for v in row], ensure_ascii=False) for row in rows)
    await engine.dispose()
    return texts


async def test_no_secret_or_personal_number_reaches_the_log_or_the_database(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    port = free_port()
    env = bot_env(
        tmp_path,
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.url,
        TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        WEB_PORT=str(port),
        LOG_LEVEL="DEBUG",
    )
    _cli(env, "communes", "add", "dan-hoa", "--name", "Dân Hóa", "--telegram-group", str(GROUP), "--default")
    code = _cli(env, "invite", "create", "--commune", "dan-hoa", "--role", "volunteer").split()[-1]
    ids = count(1)
    log: list[bytes] = []
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with (
        bot_process(env, tmp_path, b"Telegram webhook set", "run", log=log) as bot,
        aiohttp.ClientSession() as http,
    ):

        async def post(update: dict[str, Any], replies_to: int, then: int) -> None:
            """Post an update and wait until `replies_to` has received `then` messages in all."""
            url = f"http://127.0.0.1:{port}/webhooks/telegram"
            async with http.post(url, data=json.dumps({"update_id": next(ids), **update}), headers=headers) as answer:
                assert answer.status == 200
            await fake.wait_for(lambda f: len(f.sent("sendMessage", replies_to)) >= then)

        await post(private_message(VOLUNTEER, f"/join {code}"), VOLUNTEER, 1)
        resident_messages = [
            f"sdt em {PLANTED['phone']}",
            f"cccd {PLANTED['id number']} bị lỗi",
            f"mã otp {PLANTED['otp']}",
            f"mật khẩu của em là {PLANTED['password']}",
        ]
        for number, text in enumerate(resident_messages, start=1):
            await post(private_message(RESIDENT, text), RESIDENT, number)
        await post(private_message(RESIDENT, "/canbo"), RESIDENT, 5)
        await post(private_message(RESIDENT, f"số cmnd {PLANTED['old id number']} bị khóa"), RESIDENT, 6)
        await post(private_message(RESIDENT, f"bản Ka Ai, {PLANTED['phone in the village']}"), GROUP, 1)
        card_id = await _card_message_id(database_url)
        quoted = PLANTED["id in a volunteer's reply"]
        reply = group_message(GROUP, VOLUNTEER, f"CCCD của chị là {quoted} phải không", reply_to=card_id)
        before = len(fake.sent("sendMessage", RESIDENT))
        await post(reply, RESIDENT, before + 1)
        await stop_bot(bot)
    sent_everywhere = "\n".join(json.dumps(call.params, ensure_ascii=False) for call in fake.calls)
    log_text = b"".join(log).decode(errors="replace")
    tables = await _table_texts(database_url)
    for name, value in {**PLANTED, "join code": code, "bot token": TOKEN, "webhook secret": SECRET}.items():
        assert value not in log_text, f"{name} in the log"
        for table, text in tables.items():
            assert value not in text, f"{name} in table {table}"
    assert "DEBUG" in log_text and sent_everywhere  # the run did log at DEBUG and did talk to Telegram
