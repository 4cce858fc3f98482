"""The glossary page for admins: entries in residents' languages with their recordings (played in the
page), verified or rejected by someone other than their author; entries added from the dashboard;
recorded voice answers attached to FAQ entries; lookups, missing words and entries waiting.

`GET /media/<key>` serves a stored recording: to anyone when residents may hear it (a verified entry,
a voice answer — Zalo opens these links), otherwise only to a logged-in account.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.access import audit
from core.knowledge.faq import Entry
from core.knowledge.glossary import RESIDENT_LANGUAGES
from core.knowledge.glossary_entries import GlossaryError, Reviewer, decide, propose
from core.knowledge.versions import mark_changed
from core.language.i18n import N_
from core.language.matcher import SPECIAL_INTENTS
from core.media.store import MediaStore, MediaTooLarge, is_key, kind_of, mime_type
from core.privacy import clean_for_storage
from core.stats.glossary import glossary_stats
from models import FaqEntry, FaqVoiceAnswer, GlossaryEntry, GlossaryTerm, Member, WebAccount
from models.glossary import PROPOSED, VERIFIED
from web.context import ACCOUNT, CLOCK, DESK, SESSIONS, render, require_admin, translate
from web.filters import BadFilter, scope_for
from web.notices import notice_shown, pending_notice, redirect_with_notice

PAGE = "/glossary"
MAX_TEXT = 300
VOICE_LANGUAGES = ("vi", "en", *RESIDENT_LANGUAGES)
PICTURE_KINDS = frozenset({"jpg", "png"})


def _admin_only(request: web.Request) -> None:
    require_admin(request, N_("Chỉ quản trị quản lý được từ khó."))


def _store(request: web.Request) -> MediaStore:
    store = request.app[DESK]().media
    if store is None:
        raise web.HTTPServiceUnavailable(text="no media store (MEDIA_DIR)")
    return store


async def glossary_page(request: web.Request) -> web.Response:
    _admin_only(request)
    account = request[ACCOUNT]
    try:
        scope, error = scope_for(account, request.query, request.app[CLOCK]()), None
    except BadFilter as problem:
        scope, error = scope_for(account, {}, request.app[CLOCK]()), str(problem)
    async with request.app[SESSIONS]() as session:
        stats = await glossary_stats(session, scope)
        terms = (
            await session.scalars(
                select(GlossaryTerm).options(selectinload(GlossaryTerm.entries)).order_by(GlossaryTerm.term)
            )
        ).all()
        voices = (await session.scalars(select(FaqVoiceAnswer).order_by(FaqVoiceAnswer.entry_id))).all()
        reviewer = await _reviewer(session, account)
    waiting = [(t, e) for t in terms for e in t.entries if e.status == PROPOSED]
    knowledge = request.app[DESK]().knowledge
    entries: list[Entry] = sorted(
        (e for e in knowledge.entries.values() if e.id not in SPECIAL_INTENTS), key=lambda e: e.question
    )
    response = render(
        request,
        "glossary.html",
        {
            "stats": stats,
            "scope": scope,
            "terms": terms,
            "waiting": waiting,
            "own": {
                e.id for _t, e in waiting if reviewer.member_id is not None and e.contributor_id == reviewer.member_id
            },
            "languages": RESIDENT_LANGUAGES,
            "voice_languages": VOICE_LANGUAGES,
            "voices": voices,
            "entries": entries,
            "questions": {e.id: e.question for e in entries},
            "verified": VERIFIED,
            "error": error,
            "notice": pending_notice(request),
            "max_text": MAX_TEXT,
        },
        status=400 if error else 200,
    )
    return notice_shown(response, path=PAGE)


async def _reviewer(session: AsyncSession, account: WebAccount) -> Reviewer:
    """The account as a reviewer: its linked membership when it has one (so its own entries are its own)."""
    member = await session.get(Member, account.member_id) if account.member_id is not None else None
    if member is None:
        return Reviewer(account.username)
    return Reviewer(member.name, member.id)


def _back(request: web.Request, notice: str) -> web.HTTPSeeOther:
    return redirect_with_notice(request, PAGE, notice, path=PAGE)


async def decide_entry(request: web.Request) -> web.Response:
    """Verify or reject a proposed entry (never one's own)."""
    _admin_only(request)
    _ = translate(request)
    form = await request.post()
    raw = request.match_info["entry_id"]
    verdict = str(form.get("decision", ""))
    if not raw.isdigit() or verdict not in {"verify", "reject"}:
        raise _back(request, _("Nút không hợp lệ."))
    account = request[ACCOUNT]
    now = request.app[CLOCK]()
    async with request.app[SESSIONS]() as session, session.begin():
        reviewer = await _reviewer(session, account)
        entry = await session.get(GlossaryEntry, int(raw))
        if entry is None:
            raise _back(request, _("Mục này không còn nữa."))
        before = {"status": entry.status}
        try:
            await decide(session, entry, reviewer, verdict == "verify", now)
        except GlossaryError:
            raise _back(
                request, _("Không được: người gửi không tự kiểm tra mục của mình, hoặc mục đã được kiểm tra.")
            ) from None
        action = "glossary.verify" if verdict == "verify" else "glossary.reject"
        await audit.record(
            session, audit.web_actor(account.username), action, str(entry.id), now, before, {"status": entry.status}
        )
    raise _back(request, _("Đã xác nhận.") if verdict == "verify" else _("Đã từ chối."))


async def add_entry(request: web.Request) -> web.Response:
    """A proposed entry from the dashboard (text and/or an uploaded recording); someone else verifies it."""
    _admin_only(request)
    _ = translate(request)
    form = await request.post()
    lang = str(form.get("lang", ""))
    text = " ".join(clean_for_storage(str(form.get("text", ""))[:MAX_TEXT]).split())
    raw_term = str(form.get("term", ""))
    audio = _saved_upload(request, form.get("audio"))
    if lang not in RESIDENT_LANGUAGES or not raw_term.isdigit() or not (text or audio):
        raise _back(request, _("Chọn từ, tiếng, và gõ chữ hoặc chọn tệp ghi âm."))
    account = request[ACCOUNT]
    now = request.app[CLOCK]()
    async with request.app[SESSIONS]() as session, session.begin():
        term = await session.get(GlossaryTerm, int(raw_term))
        if term is None:
            raise _back(request, _("Từ này không còn nữa."))
        member = await session.get(Member, account.member_id) if account.member_id is not None else None
        entry = await propose(
            session,
            term,
            lang,
            text=text,
            audio=audio,
            contributor=member,
            contributor_name=account.username,
            origin="web",
            now=now,
        )
        after = {"term": term.term, "lang": lang, "text": text, "audio": bool(audio), "status": entry.status}
        await audit.record(
            session, audit.web_actor(account.username), "glossary.propose", str(entry.id), now, after=after
        )
    raise _back(request, _("Đã lưu, chờ một người khác kiểm tra."))


def _saved_upload(request: web.Request, field: Any) -> str | None:
    """An uploaded recording saved to the media store; None when no file was chosen."""
    if not isinstance(field, web.FileField):
        return None
    data = field.file.read()
    if not data:
        return None
    try:
        return _store(request).save(data)
    except MediaTooLarge:
        _ = translate(request)
        raise _back(request, _("Tệp ghi âm quá lớn.")) from None


async def set_picture(request: web.Request) -> web.Response:
    """Attach (or replace) a term's picture (JPEG or PNG), sent with its explanation to residents."""
    _admin_only(request)
    _ = translate(request)
    form = await request.post()
    raw_term = str(form.get("term", ""))
    upload = form.get("picture")
    data = upload.file.read() if isinstance(upload, web.FileField) else b""
    if not raw_term.isdigit() or kind_of(data) not in PICTURE_KINDS:
        raise _back(request, _("Chọn từ và một ảnh JPEG hoặc PNG."))
    try:
        key = _store(request).save(data)
    except MediaTooLarge:
        raise _back(request, _("Ảnh quá lớn.")) from None
    account = request[ACCOUNT]
    now = request.app[CLOCK]()
    async with request.app[SESSIONS]() as session, session.begin():
        term = await session.get(GlossaryTerm, int(raw_term))
        if term is None:
            raise _back(request, _("Từ này không còn nữa."))
        before = {"picture": bool(term.picture)}
        term.picture = key
        await mark_changed(session, now)
        await audit.record(
            session, audit.web_actor(account.username), "glossary.picture", term.term, now, before, {"picture": True}
        )
    raise _back(request, _("Đã gắn ảnh cho từ này."))


async def add_voice(request: web.Request) -> web.Response:
    """Attach (or replace) the recorded voice answer of an FAQ entry in one language."""
    _admin_only(request)
    _ = translate(request)
    form = await request.post()
    entry_id, lang = str(form.get("entry", "")), str(form.get("lang", ""))
    audio = _saved_upload(request, form.get("audio"))
    if lang not in VOICE_LANGUAGES or audio is None:
        raise _back(request, _("Chọn câu hỏi, tiếng và tệp ghi âm."))
    account = request[ACCOUNT]
    now = request.app[CLOCK]()
    async with request.app[SESSIONS]() as session, session.begin():
        if await session.get(FaqEntry, entry_id) is None:
            raise _back(request, _("Câu hỏi này không còn nữa."))
        voice = await session.scalar(
            select(FaqVoiceAnswer).where(FaqVoiceAnswer.entry_id == entry_id, FaqVoiceAnswer.lang == lang)
        )
        if voice is None:
            voice = FaqVoiceAnswer(entry_id=entry_id, lang=lang, audio=audio, created_at=now)
            session.add(voice)
        voice.audio, voice.added_by = audio, account.username
        await mark_changed(session, now)
        await audit.record(
            session, audit.web_actor(account.username), "faq.voice.attach", entry_id, now, after={"lang": lang}
        )
    raise _back(request, _("Đã gắn giọng đọc. Bot đang chạy gửi kèm trong vài giây cho người bật /nghe."))


async def remove_voice(request: web.Request) -> web.Response:
    _admin_only(request)
    _ = translate(request)
    raw = request.match_info["voice_id"]
    account = request[ACCOUNT]
    now = request.app[CLOCK]()
    async with request.app[SESSIONS]() as session, session.begin():
        voice = await session.get(FaqVoiceAnswer, int(raw)) if raw.isdigit() else None
        if voice is None:
            raise _back(request, _("Giọng đọc này không còn nữa."))
        before = {"lang": voice.lang}
        await session.execute(delete(FaqVoiceAnswer).where(FaqVoiceAnswer.id == voice.id))
        await mark_changed(session, now)
        await audit.record(session, audit.web_actor(account.username), "faq.voice.remove", voice.entry_id, now, before)
    raise _back(request, _("Đã bỏ giọng đọc."))


async def media_file(request: web.Request) -> web.StreamResponse:
    """A stored recording or picture; public only when residents may hear or see it."""
    key = f"{request.match_info['folder']}/{request.match_info['name']}"
    if not is_key(key):
        raise web.HTTPNotFound()
    async with request.app[SESSIONS]() as session:
        public = await session.scalar(
            select(
                or_(
                    exists().where(GlossaryEntry.audio == key, GlossaryEntry.status == VERIFIED),
                    exists().where(FaqVoiceAnswer.audio == key),
                    exists().where(GlossaryTerm.picture == key),
                )
            )
        )
    if not public and ACCOUNT not in request:
        raise web.HTTPNotFound()  # an unverified recording is not for the public (nor is its existence)
    path = _store(request).path(key)
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Content-Type": mime_type(key), "Cache-Control": "private, max-age=3600"})
