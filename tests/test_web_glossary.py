"""The dashboard's glossary page: entries waiting with their recordings, verified or rejected by someone
other than their author, entries and FAQ voice answers uploaded, recordings public only once residents
may hear them, the glossary's numbers in /api/stats, admins only. Minority-language data is a placeholder."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlalchemy import select
from yarl import URL

from channels.zalo.sender import render
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite, redeem_invite
from core.knowledge.glossary_entries import propose
from core.media.store import MediaStore
from core.messages import BUTTON, COMMAND, Inbound
from handlers.context import BotContext
from handlers.router import handle
from models import AuditEntry, FaqVoiceAnswer, GlossaryEntry, GlossaryTerm, Member, WebAccount
from models.base import utcnow
from models.glossary import PROPOSED, REJECTED, VERIFIED
from tests.dashboard import csrf_of, log_in, make_account, web_client

RECORDING = b"OggS" + b"\x00web-placeholder-recording\x00" * 8
ANSWER_RECORDING = b"OggS" + b"\x00answer-placeholder\x00" * 8


async def _proposed(bot: BotContext, author_name: str = "Alice Hồ") -> tuple[int, str, int]:
    """A member's proposed Bru-Vân Kiều entry for "OTP" with a recording: (entry id, media key, member id)."""
    assert bot.media is not None
    key = bot.media.save(RECORDING)
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", is_default=True)
        code = await create_invite(session, "dan-hoa", "volunteer", utcnow())
        member = await redeem_invite(session, code, "telegram", "77", author_name, utcnow())
        assert member is not None
        term = await session.scalar(select(GlossaryTerm).where(GlossaryTerm.term == "OTP"))
        assert term is not None
        entry = await propose(
            session, term, "bru", text="[bru placeholder]", audio=key, contributor=member, now=utcnow()
        )
        return entry.id, key, member.id


async def test_an_admin_hears_and_verifies_and_the_recording_becomes_public(bot: BotContext, tmp_path: Path) -> None:
    bot.media = MediaStore(tmp_path / "media")
    entry_id, key, _member = await _proposed(bot)
    await make_account(bot.sessions, "quantri", "admin")
    async with web_client(bot) as anonymous:
        assert (await anonymous.get(f"/media/{key}")).status == 404  # unverified: not for the public
    async with web_client(bot) as client:
        assert await log_in(client, "quantri") == 303
        page = await client.get("/glossary")
        html = await page.text()
        assert page.status == 200 and f'src="/media/{key}"' in html and "[bru placeholder]" in html
        heard = await client.get(f"/media/{key}")
        assert heard.status == 200 and await heard.read() == RECORDING and heard.content_type == "audio/ogg"
        answer = await client.post(
            f"/glossary/entries/{entry_id}/decide", data={"csrf": csrf_of(html), "decision": "verify"}
        )
        assert answer.status == 200 and "Đã xác nhận" in await answer.text()
    async with bot.sessions() as session:
        entry = await session.get(GlossaryEntry, entry_id)
        assert entry is not None and entry.status == VERIFIED and entry.verifier_name == "quantri"
        assert await session.scalar(select(AuditEntry).where(AuditEntry.action == "glossary.verify"))
    async with web_client(bot) as anonymous:
        public = await anonymous.get(f"/media/{key}")
        assert public.status == 200 and await public.read() == RECORDING  # Zalo residents open this link
        escape = URL("/media/ab/%2E%2E%2F%2E%2E%2Fbot.db", encoded=True)
        assert (await anonymous.get(escape, allow_redirects=False)).status == 404


async def test_the_author_cannot_verify_from_the_dashboard_either(bot: BotContext, tmp_path: Path) -> None:
    bot.media = MediaStore(tmp_path / "media")
    entry_id, _key, member_id = await _proposed(bot)
    await make_account(bot.sessions, "alice", "admin")
    async with bot.sessions() as session, session.begin():
        account = await session.scalar(select(WebAccount).where(WebAccount.username == "alice"))
        assert account is not None
        account.member_id = member_id
    async with web_client(bot) as client:
        assert await log_in(client, "alice") == 303
        html = await (await client.get("/glossary")).text()
        assert "Mục của bạn" in html
        forged = await client.post(
            f"/glossary/entries/{entry_id}/decide", data={"csrf": csrf_of(html), "decision": "verify"}
        )
        assert "Không được" in await forged.text()
    async with bot.sessions() as session:
        entry = await session.get(GlossaryEntry, entry_id)
        assert entry is not None and entry.status == PROPOSED


async def test_uploads_make_proposed_entries_and_voice_answers(bot: BotContext, tmp_path: Path) -> None:
    bot.media = MediaStore(tmp_path / "media")
    await make_account(bot.sessions, "quantri", "admin")
    async with bot.sessions() as session:
        term = await session.scalar(select(GlossaryTerm).where(GlossaryTerm.term == "mã kích hoạt"))
        assert term is not None
    async with web_client(bot) as client:
        assert await log_in(client, "quantri") == 303
        csrf = csrf_of(await (await client.get("/glossary")).text())
        form = aiohttp.FormData()
        for name, value in {"csrf": csrf, "term": str(term.id), "lang": "scb", "text": ""}.items():
            form.add_field(name, value)
        form.add_field("audio", RECORDING, filename="word.ogg", content_type="audio/ogg")
        assert "chờ một người khác" in await (await client.post("/glossary/entries", data=form)).text()

        voice = aiohttp.FormData()
        for name, value in {"csrf": csrf, "entry": "what_is_level2", "lang": "vi"}.items():
            voice.add_field(name, value)
        voice.add_field("audio", ANSWER_RECORDING, filename="answer.ogg", content_type="audio/ogg")
        assert "Đã gắn giọng đọc" in await (await client.post("/glossary/voices", data=voice)).text()

        huge = aiohttp.FormData()
        huge.add_field("csrf", csrf)
        huge.add_field("entry", "what_is_level2")
        huge.add_field("lang", "vi")
        huge.add_field("audio", b"OggS" + b"0" * (2 * 1024 * 1024), filename="long.ogg", content_type="audio/ogg")
        assert (await client.post("/glossary/voices", data=huge)).status == 413
    async with bot.sessions() as session:
        [entry] = (await session.scalars(select(GlossaryEntry))).all()
        assert (entry.status, entry.lang, entry.text, entry.contributor_name) == (PROPOSED, "scb", "", "quantri")
        assert entry.audio is not None and bot.media.read(entry.audio) == RECORDING
        [attached] = (await session.scalars(select(FaqVoiceAnswer))).all()

    # A resident who turned listening on gets the voice answer with the text; one who did not, only text.
    assert await bot.reload_knowledge()
    quiet = await handle(bot, Inbound("shell", "resident-quiet", BUTTON, payload="faq:what_is_level2"))
    assert quiet[-1].intent == "what_is_level2" and not quiet[-1].media
    [on] = await handle(bot, Inbound("shell", "resident-listens", COMMAND, text="/nghe bat"))
    assert "Đã bật nghe" in on.text
    heard = await handle(bot, Inbound("shell", "resident-listens", BUTTON, payload="faq:what_is_level2"))
    assert heard[-1].intent == "what_is_level2"
    assert [m.stored for m in heard[-1].media] == [attached.audio]


async def test_rejected_entries_stay_private_and_stats_count_lookups(bot: BotContext, tmp_path: Path) -> None:
    bot.media = MediaStore(tmp_path / "media")
    entry_id, key, _member = await _proposed(bot)
    await handle(bot, Inbound("shell", "resident-1", COMMAND, text="/tukho otp"))
    await handle(bot, Inbound("shell", "resident-1", COMMAND, text="/tukho chữ này không có"))
    await make_account(bot.sessions, "quantri", "admin")
    await make_account(bot.sessions, "tnv", "volunteer", "dan-hoa")
    async with web_client(bot) as client:
        assert await log_in(client, "quantri") == 303
        html = await (await client.get("/glossary")).text()
        await client.post(f"/glossary/entries/{entry_id}/decide", data={"csrf": csrf_of(html), "decision": "reject"})
        stats = await (await client.get("/api/stats")).json()
    glossary = stats["glossary"]
    assert glossary["lookups"] == 2
    assert {"term": "OTP", "language": "vi", "lookups": 1} in glossary["by_term"]
    assert glossary["missing"] == [{"asked": "chu nay khong co", "times": 1}]
    assert glossary["awaiting_verification"] == {}
    async with bot.sessions() as session:
        entry = await session.get(GlossaryEntry, entry_id)
        assert entry is not None and entry.status == REJECTED
        assert await session.scalar(select(Member.id))
    async with web_client(bot) as anonymous:
        assert (await anonymous.get(f"/media/{key}")).status == 404
    async with web_client(bot) as volunteer:
        assert await log_in(volunteer, "tnv") == 303
        assert (await volunteer.get("/glossary")).status == 403


async def test_a_terms_picture_is_uploaded_public_and_sent_with_its_explanation(
    bot: BotContext, tmp_path: Path
) -> None:
    bot.media = MediaStore(tmp_path / "media")
    await make_account(bot.sessions, "quantri", "admin")
    picture = b"\x89PNG\r\n\x1a\n" + b"placeholder-picture" * 4
    async with bot.sessions() as session:
        term = await session.scalar(select(GlossaryTerm).where(GlossaryTerm.term == "NFC"))
        assert term is not None
    async with web_client(bot) as client:
        assert await log_in(client, "quantri") == 303
        csrf = csrf_of(await (await client.get("/glossary")).text())
        for data, expected in [(b"not a picture", "JPEG hoặc PNG"), (picture, "Đã gắn ảnh")]:
            form = aiohttp.FormData()
            form.add_field("csrf", csrf)
            form.add_field("term", str(term.id))
            form.add_field("picture", data, filename="nfc.png", content_type="image/png")
            assert expected in await (await client.post("/glossary/pictures", data=form)).text()
    async with bot.sessions() as session:
        saved = await session.get(GlossaryTerm, term.id)
        assert saved is not None and saved.picture is not None
        key = saved.picture
    async with web_client(bot) as anonymous:
        served = await anonymous.get(f"/media/{key}")
        assert served.status == 200 and served.content_type == "image/png" and await served.read() == picture
    await bot.reload_knowledge()
    [reply] = await handle(bot, Inbound("shell", "resident-2", COMMAND, text="/tukho nfc"))
    assert [(m.kind, m.stored) for m in reply.media] == [("photo", key)]
    [text, image] = render(reply, "https://caunoi.example")
    assert "NFC" in text["text"]
    assert image["attachment"]["payload"]["elements"] == [
        {"media_type": "image", "url": f"https://caunoi.example/media/{key}"}
    ]
