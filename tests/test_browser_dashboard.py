"""The dashboard end to end in real headless Chromium (Debian's), against a real `bot.py run` whose
Telegram channel polls the fake Bot API server: what an admin and a volunteer do in a browser, and what
the resident then receives.

Screenshots of the pages go to `tmp_path`, or to the folder named by `SCREENSHOT_DIR` (the README's
pictures in docs/ are made with `SCREENSHOT_DIR=docs pytest tests/test_browser_dashboard.py`)."""

from __future__ import annotations

import os
import time
import wave
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from core.database import create_engine, session_factory
from core.knowledge.revisions import entry_with_paraphrases
from fakes.telegram import FakeTelegram, button_press, private_message
from tests.browser import open_page, require_chromium, screenshot
from tests.dashboard import PASSWORD
from tests.processes import WatchedLog, bot_env, bot_process, free_port, run_cli

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the process's database is its own
ENTRY = "forgot_passcode"
TEAM_GROUP = "-100500"
RESIDENT = 4242


@dataclass
class RunningBot:
    """A bot process with its dashboard's address, its log and the fake Telegram it talks to."""

    url: str
    log: WatchedLog
    telegram: FakeTelegram
    database_url: str


@asynccontextmanager
async def _bot(database_url: str, fake: FakeTelegram, folder: Path) -> AsyncIterator[RunningBot]:
    """Dân Hóa with a Telegram team group (added with the README's command), an admin and a volunteer
    created with `admin create-user`, and the bot running with its dashboard on a free port."""
    port = free_port()
    env = bot_env(
        folder, DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN="123:abc", TELEGRAM_API_URL=fake.url, WEB_PORT=str(port)
    )
    commands = [
        ("communes", "add", "dan-hoa", "--name", "Dân Hóa", "--telegram-group", TEAM_GROUP, "--default"),
        ("admin", "create-user", "quan-tri", "--role", "admin", "--password-stdin"),
        ("admin", "create-user", "tnv-hoa", "--role", "volunteer", "--commune", "dan-hoa", "--password-stdin"),
    ]
    for command in commands:
        status, output = await run_cli(env, folder, *command, stdin=PASSWORD.encode())
        assert status == 0, output
    log = WatchedLog()
    async with bot_process(env, folder, b"Telegram polling started", "run", log=log):
        yield RunningBot(f"http://127.0.0.1:{port}", log, fake, database_url)


async def _log_in(page: Page, username: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


async def _resident_says(bot: RunningBot, text: str, expect: str = "") -> str:
    """The resident writes to the bot; returns the first reply to it that contains `expect`."""
    before = len(bot.telegram.sent(chat_id=RESIDENT))
    await bot.telegram.push(private_message(RESIDENT, text, date=int(time.time())))  # today, in the overview

    def replies() -> list[str]:
        return [str(call.params["text"]) for call in bot.telegram.sent(chat_id=RESIDENT)[before:]]

    await bot.telegram.wait_for(lambda _fake: any(expect in reply for reply in replies()))
    return next(reply for reply in replies() if expect in reply)


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)


async def test_an_admin_sees_the_charts_fixes_an_answer_and_the_running_bot_uses_it(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    require_chromium()
    async with _bot(database_url, fake, tmp_path) as bot:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            entry = await entry_with_paraphrases(session, ENTRY)
            assert entry is not None
        await engine.dispose()
        first_answer = await _resident_says(bot, entry.question)
        await _resident_says(bot, "làm định danh mức 2 ở đâu")
        await _resident_says(bot, "xyz qwerty")  # not understood: counted as unanswered
        marker = "Mới sửa trên trang quản trị: hỏi tổ công nghệ số của thôn."
        assert marker not in first_answer

        async with open_page(bot.url) as browsing:
            page = browsing.page
            await _log_in(page, "quan-tri")
            await page.goto("/")
            messages = page.locator('[data-stat="messages"]')
            scope_from = await page.get_by_label("Từ ngày").input_value()
            scope_to = await page.get_by_label("Đến ngày").input_value()
            api = await (await page.request.get(f"/api/stats?from={scope_from}&to={scope_to}")).json()
            assert api["messages"] == 3 and (await messages.inner_text()).strip() == "3"
            assert api["unanswered"] >= 1
            bars = page.locator("svg[role=img] rect.bar")
            assert await bars.count() >= 1
            heights = [float(await bars.nth(i).get_attribute("height") or 0) for i in range(await bars.count())]
            assert max(heights) > 0  # a bar drawn with the day's messages
            box = await bars.nth(heights.index(max(heights))).bounding_box()
            assert box is not None and box["height"] > 0  # and laid out on the screen, not only in the markup
            await page.get_by_text("Bảng số liệu theo ngày").click()
            await expect(page.locator("table").first).to_be_visible()
            await screenshot(page, _shots(tmp_path) / "overview.png")

            await page.goto(f"/knowledge/{ENTRY}")
            await page.locator("#answer").fill(f"{marker}\n{entry.answer}")
            lines_before_save = len(bot.log)
            await page.get_by_role("button", name="Lưu", exact=True).click()
            await expect(page.get_by_text("Đã lưu")).to_be_visible()
            await screenshot(page, _shots(tmp_path) / "knowledge-edit.png")
            await page.goto("/unanswered")
            await expect(page.locator("table.unanswered")).to_contain_text("xyz qwerty")  # the question not understood
            await screenshot(page, _shots(tmp_path) / "unanswered.png")
            await page.goto("/setup/dan-hoa")
            await expect(page.get_by_role("heading", level=1)).to_contain_text("Dân Hóa")
            await screenshot(page, _shots(tmp_path) / "setup.png")
        await bot.log.wait_for(b"knowledge reloaded at version", after=lines_before_save)
        assert marker in await _resident_says(bot, entry.question)


async def test_a_volunteer_replies_from_a_phone_and_the_resident_receives_it(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    require_chromium()
    async with _bot(database_url, fake, tmp_path) as bot:
        await _resident_says(bot, "/canbo")
        await _resident_says(bot, "tôi nhờ người khác đăng ký mà không nhớ họ dùng số nào", expect="thôn")
        await _resident_says(bot, "Bản Ka Oóc", expect="#1")
        reply = "Chào bác, mai 8 giờ bác ra nhà văn hóa thôn, tổ công nghệ số giúp bác làm lại nhé."

        async with open_page(bot.url, phone=True) as browsing:
            page = browsing.page
            await _log_in(page, "tnv-hoa")
            await page.goto("/tickets")
            await page.locator('a[href="/tickets/1"]').first.click()
            await expect(page.locator("p.summary")).to_contain_text("không nhớ họ dùng số nào")
            await page.get_by_role("button", name="✋ Nhận").click()
            await page.locator("#reply-text").fill(reply)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360  # nothing wider than the phone: no sideways scrolling
            await screenshot(page, _shots(tmp_path) / "ticket-phone.png")
            before = len(fake.sent(chat_id=RESIDENT))
            await page.get_by_role("button", name="Gửi", exact=True).click()
            await fake.wait_for(
                lambda f: any(reply in str(c.params["text"]) for c in f.sent(chat_id=RESIDENT)[before:])
            )
            await fake.wait_for(lambda f: _group_shows(f, "nhà văn hóa thôn"))  # the team's card follows


def _resident_got(fake: FakeTelegram, text: str, after: int) -> bool:
    return any(text in str(call.params["text"]) for call in fake.sent(chat_id=RESIDENT)[after:])


def _group_shows(fake: FakeTelegram, text: str) -> bool:
    calls = [*fake.sent(chat_id=int(TEAM_GROUP)), *fake.sent("editMessageText", chat_id=int(TEAM_GROUP))]
    return any(text in str(call.params.get("text", "")) for call in calls)


def _silence_wav(path: Path) -> bytes:
    """A short, valid WAV of silence: a recording the browser can decode, standing in for a real word."""
    with wave.open(str(path), "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(8000)
        recording.writeframes(b"\x00\x00" * 2400)
    return path.read_bytes()


async def test_an_admin_hears_a_recorded_word_verifies_it_and_the_resident_hears_it(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    """A word recorded at an offline session (imported from a CSV), played in the browser, verified there,
    and sent by the running bot as a voice message to a resident who chose Bru-Vân Kiều."""
    require_chromium()
    session_dir = tmp_path / "session"
    session_dir.mkdir()
    recording = _silence_wav(session_dir / "ma-kich-hoat.wav")
    sheet = session_dir / "session.csv"
    sheet.write_text(
        "term,lang,text,audio,contributor,verified_by,status\n"
        "mã kích hoạt,bru,[bru placeholder for mã kích hoạt],ma-kich-hoat.wav,Người ghi âm,,proposed\n",
        encoding="utf-8",
    )
    async with _bot(database_url, fake, tmp_path) as bot:
        env = bot_env(tmp_path, DATABASE_URL=database_url)
        lines_before_import = len(bot.log)
        status, output = await run_cli(env, tmp_path, "glossary", "import", str(sheet))
        assert status == 0 and "1 added" in output, output
        await bot.log.wait_for(b"knowledge reloaded at version", after=lines_before_import)
        async with open_page(bot.url) as browsing:
            page = browsing.page
            await _log_in(page, "quan-tri")
            await page.goto("/glossary")
            row = page.locator("table.waiting tr[data-entry]")
            await expect(row).to_contain_text("[bru placeholder for mã kích hoạt]")
            duration = await row.locator("audio").evaluate(
                "a => new Promise((done, failed) => { a.onloadedmetadata = () => done(a.duration);"
                " a.onerror = () => failed(new Error('not playable')); a.load(); })"
            )
            assert 0.2 < float(duration) < 0.4  # the browser decoded the very recording (0.3 s)
            await screenshot(page, _shots(tmp_path) / "glossary.png")
            lines_before = len(bot.log)
            await row.get_by_role("button", name="Đúng", exact=True).click()
            await expect(page.get_by_text("Đã xác nhận.")).to_be_visible()
        await bot.log.wait_for(b"knowledge reloaded at version", after=lines_before)
        await _resident_says(bot, "/caidat", expect="ngôn ngữ nào")
        await fake.push(button_press(RESIDENT, "st:lang:bru"))
        await fake.wait_for(lambda f: _resident_got(f, "vẫn trả lời bằng tiếng Việt", 0))
        answer = await _resident_says(bot, "/tukho ma kich hoat", expect="🗣 Bru-Vân Kiều")
        assert "[bru placeholder for mã kích hoạt]" in answer
        await fake.wait_for(lambda f: bool(f.sent("sendVoice", RESIDENT)))
        assert fake.sent("sendVoice", RESIDENT)[0].params["voice"] == recording
