"""The glossary on Zalo, through the signed webhook and the fake OA: a volunteer's voice note is
downloaded into the media store at once (Zalo's attachment links expire), and a resident who reads
Bru-Vân Kiều gets the verified entry with a link to its recording, which the dashboard serves."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from channels.zalo.client import ZaloClient, ZaloCredentials
from channels.zalo.convert import BUTTON_PREFIX
from channels.zalo.sender import ZaloSender
from channels.zalo.webhook import WEBHOOK_PATH, ZaloChannel
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite, redeem_invite
from core.media.store import MediaStore
from fakes.zalo import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZalo, signed_webhook, user_event
from handlers.context import BotContext
from handlers.runtime import background
from models import GlossaryEntry
from models.base import utcnow
from models.glossary import VERIFIED
from tests.fixtures import reload_until
from web.server import build_web_app

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
PUBLIC_URL = "https://caunoi.example"
AUTHOR, COLLEAGUE, RESIDENT = "6142494823000000011", "6142494823000000012", "6142494823000000013"
RECORDING = b"\xff\xf1" + b"\x00zalo-placeholder-recording\x00" * 10  # AAC-looking placeholder, not speech
PLACEHOLDER = "[bru placeholder for mã kích hoạt]"


def _knows_the_entry(ctx: BotContext) -> bool:
    term = ctx.knowledge.glossary.named("mã kích hoạt")
    return term is not None and "bru" in term.local


class Chat:
    """Posts signed events as Zalo would and waits for their replies."""

    def __init__(self, web: TestClient, bot: BotContext, fake: FakeZalo, worker: Any) -> None:
        self.web, self.bot, self.fake, self.worker = web, bot, fake, worker
        self._ids = itertools.count(1)

    async def send(self, user: str, event_name: str, message: dict[str, Any]) -> None:
        number = next(self._ids)
        event = user_event(event_name, user, NOW_MS + number, {**message, "msg_id": f"msg-{number}"})
        headers, body = signed_webhook(event)
        assert (await self.web.post(WEBHOOK_PATH, data=body, headers=headers)).status == 200
        await self.bot.inbox.drain()
        await self.worker.drain()

    async def text(self, user: str, text: str) -> str:
        """Send a text (or a button's payload); everything the user was sent back, joined."""
        before = len(self.fake.sends(user))
        await self.send(user, "user_send_text", {"text": text})
        return "\n".join(c.body["message"].get("text", "") for c in self.fake.sends(user)[before:])


@pytest.fixture
async def chat(bot: BotContext, tmp_path: Path) -> AsyncIterator[Chat]:
    bot.media = MediaStore(tmp_path / "media")
    fake = FakeZalo()
    await fake.start()
    async with aiohttp.ClientSession() as http:
        credentials = ZaloCredentials(APP_ID, APP_SECRET, fake.access_token, fake.refresh_token)
        client = ZaloClient(http, bot.sessions, credentials, api_url=fake.url, oauth_url=fake.url)
        web_app = build_web_app(bot.sessions, lambda: bot.desk)
        ZaloChannel(bot, client, OA_SECRET_KEY, APP_ID, clock=lambda: NOW).add_route(web_app)
        sender = ZaloSender(client, PUBLIC_URL)
        async with background(bot, {"zalo": sender}, jobs=False) as worker, TestClient(TestServer(web_app)) as web:
            yield Chat(web, bot, fake, worker)
    await fake.close()


async def test_a_zalo_voice_note_is_kept_and_residents_get_a_link_to_it(bot: BotContext, chat: Chat) -> None:
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "thuong-trach", "Thượng Trạch", is_default=True)
        for number, user in enumerate((AUTHOR, COLLEAGUE)):
            code = await create_invite(session, "thuong-trach", "volunteer", utcnow())
            assert await redeem_invite(session, code, "zalo", user, f"Tình nguyện viên {number}", utcnow())

    assert "mã kích hoạt:" in await chat.text(RESIDENT, "/tukho mã kích hoạt")  # now the most-asked term
    assert "tiếng nào" in await chat.text(AUTHOR, "/gloss")
    assert 'Từ cần ghi: "mã kích hoạt"' in await chat.text(AUTHOR, f"{BUTTON_PREFIX}gl:lang:bru")
    url = chat.fake.add_file(RECORDING)
    await chat.send(
        AUTHOR, "user_send_audio", {"text": PLACEHOLDER, "attachments": [{"type": "audio", "payload": {"url": url}}]}
    )
    chat.fake.files.clear()  # the link expires: the recording must already be ours
    async with bot.sessions() as session:
        [entry] = (await session.scalars(select(GlossaryEntry))).all()
    assert entry.audio is not None and bot.media is not None and bot.media.read(entry.audio) == RECORDING
    term_name = "mã kích hoạt"
    assert entry.text == PLACEHOLDER

    assert "tiếng nào" in await chat.text(COLLEAGUE, "/gloss")
    await chat.text(COLLEAGUE, f"{BUTTON_PREFIX}gl:lang:bru")
    review = await chat.text(COLLEAGUE, f"{BUTTON_PREFIX}gl:review")
    assert "Kiểm tra:" in review and f"{PUBLIC_URL}/media/{entry.audio}" in review  # Zalo hears it by link
    await chat.text(COLLEAGUE, f"{BUTTON_PREFIX}gl:ok:{entry.id}")
    async with bot.sessions() as session:
        verified = await session.get(GlossaryEntry, entry.id)
        assert verified is not None and verified.status == VERIFIED
    await reload_until(bot, _knows_the_entry)

    await chat.text(RESIDENT, "/caidat")
    assert "tiếng Việt" in await chat.text(RESIDENT, f"{BUTTON_PREFIX}st:lang:bru")
    answer = await chat.text(RESIDENT, f"/tukho {term_name}")
    assert f"🗣 Bru-Vân Kiều: {PLACEHOLDER}" in answer
    assert f"🔊 {PUBLIC_URL}/media/{entry.audio}" in answer
    served = await chat.web.get(f"/media/{entry.audio}")
    assert served.status == 200 and await served.read() == RECORDING and served.content_type == "audio/aac"
