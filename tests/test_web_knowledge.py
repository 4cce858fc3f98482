"""Editing the FAQ on the dashboard: checked edits with history and diffs, previews, admins only, and
every running bot (in this process, or a real `bot.py run`) answering with a published change."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlalchemy import select

from core.database import create_engine, session_factory
from core.knowledge.revisions import entry_with_paraphrases
from core.knowledge.versions import current_version
from fakes.telegram import FakeTelegram, private_message
from handlers.context import BotContext
from models import AuditEntry, FaqEntry, FaqRevision
from tests.dashboard import PASSWORD, csrf_of, log_in, make_account, web_client
from tests.fixtures import say
from tests.processes import WatchedLog, bot_env, bot_process, free_port, run_cli

ENTRY = "forgot_passcode"


def _form(entry: FaqEntry, csrf: str, **changes: str) -> dict[str, str]:
    values = {
        "csrf": csrf,
        "category_id": entry.category_id,
        "question": entry.question,
        "answer": entry.answer,
        "source": entry.source,
        "reviewed_on": entry.reviewed_on.isoformat() if entry.reviewed_on else "",
        "status": entry.status,
        "paraphrases": "\n".join(p.text for p in entry.paraphrases if p.status == "active" and p.lang == "vi"),
        "question_en": entry.question_en,
        "answer_en": entry.answer_en,
    }
    return {**values, **changes}


async def _entry(ctx: BotContext, entry_id: str = ENTRY) -> FaqEntry:
    async with ctx.sessions() as session:
        entry = await entry_with_paraphrases(session, entry_id)
        assert entry is not None
        return entry


async def test_an_edited_answer_is_what_the_bot_answers_after_it_reloads(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    entry = await _entry(bot)
    new_answer = "Mới: hỏi thêm tổ công nghệ số cộng đồng ở thôn.\n" + entry.answer
    async with bot.sessions() as session:
        version = await current_version(session)
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        page = await (await client.get(f"/knowledge/{ENTRY}")).text()
        saved = await client.post(f"/knowledge/{ENTRY}", data=_form(entry, csrf_of(page), answer=new_answer))
        assert saved.status == 200 and "Đã lưu" in await saved.text()
        history = await (await client.get(f"/knowledge/{ENTRY}/history")).text()
    assert 'class="added">+ Mới: hỏi thêm tổ công nghệ số' in history and "web:quan-tri" in history
    [reply] = [r for r in await say(bot, bot.knowledge.entries[ENTRY].question) if r.action == "answer"]
    assert "Mới: hỏi thêm" not in reply.text  # still the loaded knowledge
    assert await bot.reload_knowledge()
    assert bot.knowledge_version == version + 1
    [reply] = [r for r in await say(bot, bot.knowledge.entries[ENTRY].question) if r.action == "answer"]
    assert "Mới: hỏi thêm tổ công nghệ số" in reply.text
    assert not await bot.reload_knowledge()  # nothing new
    async with bot.sessions() as session:
        revisions = list(await session.scalars(select(FaqRevision).where(FaqRevision.entry_id == ENTRY)))
        audit = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "faq.edit")))
    assert [r.author for r in revisions] == ["trước khi sửa trên trang quản trị", "web:quan-tri"]
    assert revisions[0].answer == entry.answer and revisions[1].answer == new_answer
    assert audit[0].actor == "web:quan-tri" and audit[0].before and audit[0].after["answer"] == new_answer


async def test_a_bad_edit_is_shown_again_and_changes_nothing(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    entry = await _entry(bot)
    async with bot.sessions() as session:
        version = await current_version(session)
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        csrf = csrf_of(await (await client.get(f"/knowledge/{ENTRY}")).text())
        for bad in (
            {"answer": "ngắn"},
            {"status": "secret"},
            {"category_id": "khong-co"},
            {"reviewed_on": "mai"},
            {"answer_en": ""},
        ):
            response = await client.post(f"/knowledge/{ENTRY}", data=_form(entry, csrf, **bad))
            assert response.status == 400, bad
            assert 'role="alert"' in await response.text()
        assert (await client.post(f"/knowledge/{ENTRY}", data=_form(entry, "sai"))).status == 403
    async with bot.sessions() as session:
        assert await current_version(session) == version
    assert (await _entry(bot)).answer == entry.answer


async def test_only_admins_edit_the_knowledge(bot: BotContext) -> None:
    await make_account(bot.sessions, "tnv", "volunteer", "dan-hoa")
    entry = await _entry(bot)
    async with web_client(bot) as client:
        await log_in(client, "tnv")
        csrf = csrf_of(await (await client.get("/")).text())
        for path in ("/knowledge", f"/knowledge/{ENTRY}", f"/knowledge/{ENTRY}/history", "/knowledge/new"):
            assert (await client.get(path)).status == 403, path
        response = await client.post(f"/knowledge/{ENTRY}", data=_form(entry, csrf, answer="x" * 50))
        assert response.status == 403
    assert (await _entry(bot)).answer == entry.answer


async def test_a_preview_shows_how_the_bot_would_answer_with_a_new_paraphrase(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    entry = await _entry(bot)
    sample = "cái mã số bí mật của ứng dụng công an tui lỡ quên mất tiêu"
    assert bot.knowledge.matcher.match(sample).intent != ENTRY
    paraphrases = _form(entry, "")["paraphrases"] + "\n" + sample
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        csrf = csrf_of(await (await client.get(f"/knowledge/{ENTRY}")).text())
        form = _form(entry, csrf, paraphrases=paraphrases, samples=sample)
        page = await (await client.post(f"/knowledge/{ENTRY}/preview", data=form)).text()
    assert f'data-preview="after">trả lời: {ENTRY}<' in page
    assert [p.text for p in (await _entry(bot)).paraphrases] == [p.text for p in entry.paraphrases]  # unsaved


async def test_a_new_entry_starts_as_a_draft_and_flags_what_is_past_review(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    entry = await _entry(bot)
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        listing = await (await client.get("/knowledge")).text()
        assert f'href="/knowledge/{ENTRY}"' in listing and "quá hạn xem lại" in listing
        page = await (await client.get("/knowledge/new?question=Làm căn cước cho con mấy tuổi")).text()
        assert 'value="Làm căn cước cho con mấy tuổi"' in page
        form = _form(
            entry,
            csrf_of(page),
            entry_id="child_id_card_age",
            question="Làm căn cước cho con mấy tuổi?",
            answer="Trẻ dưới 14 tuổi làm thẻ khi cha mẹ đề nghị; hỏi công an xã.",
            status="draft",
            paraphrases="con mấy tuổi làm căn cước",
        )
        assert (await client.post("/knowledge/new", data=form)).status == 200
        again = await client.post("/knowledge/new", data=form)
        assert again.status == 400 and "Đã có mục" in await again.text()
    assert await bot.reload_knowledge()
    assert "child_id_card_age" not in bot.knowledge.entries  # a draft is not answered
    assert (await _entry(bot, "child_id_card_age")).status == "draft"


async def test_a_running_bot_process_answers_with_an_edit_made_on_its_dashboard(
    database_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    """A real `bot.py run` (Telegram polling against the fake server, dashboard on its port): an admin
    created with the README's command edits an answer in the browser's place; the resident's next
    question gets the new text, with no restart."""
    port = free_port()
    env = bot_env(
        tmp_path, DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN="123:abc", TELEGRAM_API_URL=fake.url, WEB_PORT=str(port)
    )
    created, output = await run_cli(
        env,
        tmp_path,
        "admin",
        "create-user",
        "quan-tri",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD.encode(),
    )
    assert created == 0, output
    marker = "Mới từ trang quản trị: gọi tổ hỗ trợ của xã."
    log = WatchedLog()
    async with bot_process(env, tmp_path, b"Telegram polling started", "run", log=log):
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            entry = await entry_with_paraphrases(session, ENTRY)
            assert entry is not None
        await engine.dispose()
        await fake.push(private_message(4242, entry.question))
        [before] = await fake.wait_for_messages(1)
        assert marker not in str(before.params["text"])
        jar = aiohttp.CookieJar(unsafe=True)  # cookies of an IP address, as a browser keeps them
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", cookie_jar=jar) as browser:
            login = await (await browser.get("/login")).text()
            await browser.post("/login", data={"csrf": csrf_of(login), "username": "quan-tri", "password": PASSWORD})
            page = await browser.get(f"/knowledge/{ENTRY}")
            assert page.url.path == f"/knowledge/{ENTRY}"
            form = _form(entry, csrf_of(await page.text()), answer=f"{marker}\n{entry.answer}")
            lines_before_edit = len(log)
            saved = await browser.post(f"/knowledge/{ENTRY}", data=form)
            assert "Đã lưu" in await saved.text()
        await log.wait_for(b"knowledge reloaded at version", after=lines_before_edit)
        await fake.push(private_message(4242, entry.question))
        await fake.wait_for(lambda f: len(f.sent(chat_id=4242)) >= 2)
        assert marker in str(fake.sent(chat_id=4242)[-1].params["text"])
