"""The glossary in a resident's language, end to end over the real python-telegram-bot client and the
fake Bot API: a bilingual volunteer records a word with a voice note, a colleague (never the author)
verifies it, and a resident who chose Bru-Vân Kiều sees and hears it beside the Vietnamese explanation.

Minority-language test data is an obvious placeholder, never an invented word.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from channels.telegram.sender import TelegramSender
from channels.telegram.transport import TelegramChannel, build_bot
from core.delivery.worker import OutboxWorker
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from core.media.store import MediaStore
from fakes.telegram import FakeTelegram, button_press, private_message
from handlers.context import BotContext
from handlers.runtime import background
from models import GlossaryEntry
from models.base import utcnow
from models.glossary import PROPOSED, VERIFIED
from tests.fixtures import reload_until, telegram_team

TOKEN = "123456:TEST-TOKEN"
GROUP = -100778
RESIDENT, AUTHOR, COLLEAGUE = 4301, 4302, 4303
PLACEHOLDER = "[bru placeholder for mã kích hoạt]"
RECORDING = b"OggS" + b"\x00placeholder-recording\x00" * 20  # an Ogg-looking placeholder, not speech


def _knows_the_entry(ctx: BotContext) -> bool:
    term = ctx.knowledge.glossary.named("mã kích hoạt")
    return term is not None and "bru" in term.local


@pytest.fixture
async def running(bot: BotContext, fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[OutboxWorker]:
    bot.media = MediaStore(tmp_path / "media")
    channel = TelegramChannel(bot, build_bot(TOKEN, fake.url))
    async with (
        background(bot, {"telegram": TelegramSender(channel.bot, bot.media)}, jobs=False) as worker,
        channel.running(poll_timeout=1),
    ):
        yield worker


async def _says(fake: FakeTelegram, chat: int, words: str, method: str = "sendMessage") -> Any:
    """The first message to `chat` containing `words` (waits for it)."""

    def found(f: FakeTelegram) -> Any:
        return next((c for c in f.sent(method, chat) if words in str(c.params.get("text") or "")), None)

    await fake.wait_for(lambda f: found(f) is not None)
    return found(fake)


def _buttons(call: Any) -> dict[str, str]:
    markup = call.params.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def _join(fake: FakeTelegram, user: int, code: str) -> None:
    await fake.push(private_message(user, f"/join {code}"))
    await _says(fake, user, "Chào mừng")


async def _entry(bot: BotContext) -> GlossaryEntry:
    async with bot.sessions() as session:
        [entry] = (await session.scalars(select(GlossaryEntry))).all()
        return entry


async def test_a_volunteer_records_a_colleague_verifies_a_resident_sees_and_hears(
    bot: BotContext, fake: FakeTelegram, running: OutboxWorker
) -> None:
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
        codes = [await create_invite(session, "dan-hoa", "volunteer", utcnow()) for _ in range(2)]
    await _join(fake, AUTHOR, codes[0])
    await _join(fake, COLLEAGUE, codes[1])

    # A resident asks for the word first: the most-asked missing term is the one offered to record.
    await fake.push(private_message(RESIDENT, "/tukho mã kích hoạt"))
    await _says(fake, RESIDENT, "mã kích hoạt:")

    await fake.push(private_message(AUTHOR, "/gloss"))
    choose = await _says(fake, AUTHOR, "tiếng nào")
    await fake.push(button_press(AUTHOR, _buttons(choose)["Bru-Vân Kiều"]))
    await _says(fake, AUTHOR, 'Từ cần ghi: "mã kích hoạt"')
    voice = {"file_id": fake.add_file(RECORDING), "file_unique_id": "u1", "duration": 2}
    await fake.push(private_message(AUTHOR, voice=voice, caption=PLACEHOLDER))
    await _says(fake, AUTHOR, "Đã lưu")
    await _says(fake, GROUP, 'vừa ghi tiếng Bru-Vân Kiều cho "mã kích hoạt"')  # the team learns it waits
    entry = await _entry(bot)
    assert (entry.status, entry.text, entry.lang) == (PROPOSED, PLACEHOLDER, "bru")
    assert entry.audio is not None and bot.media is not None and bot.media.read(entry.audio) == RECORDING

    # The author cannot verify their own entry, even with a forged button.
    await fake.push(button_press(AUTHOR, f"gl:ok:{entry.id}"))
    await fake.wait_for(lambda f: any("Không còn mục" in str(c.params.get("text")) for c in f.sent(chat_id=AUTHOR)))
    assert (await _entry(bot)).status == PROPOSED

    # Before verification the resident does not see it.
    await fake.push(private_message(RESIDENT, "/caidat"))
    languages = await _says(fake, RESIDENT, "ngôn ngữ nào")
    await fake.push(button_press(RESIDENT, _buttons(languages)["Bru-Vân Kiều (từ khó)"]))
    await _says(fake, RESIDENT, "vẫn trả lời bằng tiếng Việt")
    await fake.push(private_message(RESIDENT, "/tukho ma kich hoat"))
    await _says(fake, RESIDENT, "chưa có bản tiếng Bru-Vân Kiều")
    assert not fake.sent("sendVoice", RESIDENT)

    await fake.push(private_message(COLLEAGUE, "/gloss"))
    choose = await _says(fake, COLLEAGUE, "tiếng nào")
    await fake.push(button_press(COLLEAGUE, _buttons(choose)["Bru-Vân Kiều"]))
    offer = await _says(fake, COLLEAGUE, "Từ cần ghi")
    await fake.push(button_press(COLLEAGUE, _buttons(offer)["🔎 Kiểm tra (1 chờ)"]))
    review = await _says(fake, COLLEAGUE, "Kiểm tra:")
    await fake.wait_for(lambda f: bool(f.sent("sendVoice", COLLEAGUE)))
    assert fake.sent("sendVoice", COLLEAGUE)[0].params["voice"] == RECORDING
    await fake.push(button_press(COLLEAGUE, _buttons(review)["✅ Đúng"]))
    await fake.wait_for(lambda f: any("Không còn mục" in str(c.params.get("text")) for c in f.sent(chat_id=COLLEAGUE)))
    verified = await _entry(bot)
    assert verified.status == VERIFIED and verified.verifier_name and verified.verifier_id != verified.contributor_id

    await reload_until(bot, _knows_the_entry)  # what the running bot's 2-second poll does
    await fake.push(private_message(RESIDENT, "/tukho ma kich hoat"))
    answer = await _says(fake, RESIDENT, f"🗣 Bru-Vân Kiều: {PLACEHOLDER}")
    assert "Là dãy số gửi qua tin nhắn" in answer.params["text"]  # the Vietnamese explanation beside it
    await fake.wait_for(lambda f: bool(f.sent("sendVoice", RESIDENT)))
    assert fake.sent("sendVoice", RESIDENT)[0].params["voice"] == RECORDING
