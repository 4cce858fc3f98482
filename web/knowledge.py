"""Knowledge pages for admins: the FAQ entries (flagged when past their review date), an editor with a
preview of how the matcher answers sample questions, and each entry's history with diffs."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select

from core.access import audit
from core.knowledge.faq import intent_texts, preview_matcher
from core.knowledge.revisions import (
    ANSWER_SCREEN,
    STATUSES,
    EditError,
    EntryEdit,
    diff,
    entry_with_paraphrases,
    needs_review,
    revisions,
    save_entry,
)
from core.language.i18n import N_, Translate
from core.stats.period import local_day
from models import FaqCategory, FaqEntry
from web.context import ACCOUNT, CLOCK, DESK, SESSIONS, problem_text, render, require_admin, translate
from web.notices import notice_shown, pending_notice, redirect_with_notice

MAX_SAMPLES = 10
BLANK = EntryEdit("", "", "", "", None, "draft", ())


def _admin_only(request: web.Request) -> None:
    require_admin(request, N_("Chỉ quản trị được sửa nội dung hỏi đáp."))


async def entry_list(request: web.Request) -> web.Response:
    _admin_only(request)
    today = local_day(request.app[CLOCK]())
    async with request.app[SESSIONS]() as session:
        entries = list(await session.scalars(select(FaqEntry).order_by(FaqEntry.category_id, FaqEntry.position)))
        titles = {c.id: c.title for c in await session.scalars(select(FaqCategory))}
    rows = [(e, titles.get(e.category_id, e.category_id), needs_review(e, today)) for e in entries]
    return render(request, "knowledge.html", {"rows": rows, "overdue": sum(1 for r in rows if r[2])})


def _edit_from(form: MultiDictProxy[Any], _: Translate) -> EntryEdit:
    reviewed = str(form.get("reviewed_on", "")).strip()
    try:
        reviewed_on = date.fromisoformat(reviewed) if reviewed else None
    except ValueError:
        raise EditError(_("Ngày xem lại phải có dạng YYYY-MM-DD.")) from None
    return EntryEdit(
        category_id=str(form.get("category_id", "")),
        question=str(form.get("question", "")),
        answer=str(form.get("answer", "")),
        source=str(form.get("source", "")),
        reviewed_on=reviewed_on,
        status=str(form.get("status", "")),
        paraphrases=tuple(str(form.get("paraphrases", "")).replace("\r\n", "\n").split("\n")),
        question_en=str(form.get("question_en", "")),
        answer_en=str(form.get("answer_en", "")),
    )


async def _editor(
    request: web.Request,
    entry_id: str,
    edit: EntryEdit,
    *,
    new: bool,
    status: int = 200,
    problem: str | None = None,
    preview: list[tuple[str, str, str, str]] | None = None,
) -> web.Response:
    async with request.app[SESSIONS]() as session:
        categories = list(await session.scalars(select(FaqCategory).order_by(FaqCategory.position)))
    notice = pending_notice(request)
    response = render(
        request,
        "knowledge_edit.html",
        {
            "entry_id": entry_id,
            "edit": edit,
            "new": new,
            "categories": categories,
            "statuses": STATUSES,
            "problem": problem,
            "preview": preview,
            "notice": notice,
            "screen": ANSWER_SCREEN,
            "samples": str((await request.post()).get("samples", "")) if request.method == "POST" else "",
        },
        status=status,
    )
    return notice_shown(response, path="/knowledge")


async def edit_page(request: web.Request) -> web.Response:
    _admin_only(request)
    entry_id = request.match_info["entry_id"]
    async with request.app[SESSIONS]() as session:
        entry = await entry_with_paraphrases(session, entry_id)
    if entry is None:
        _ = translate(request)
        raise web.HTTPNotFound(text=_("Không có mục này."))
    return await _editor(request, entry_id, EntryEdit.of(entry), new=False)


async def new_page(request: web.Request) -> web.Response:
    _admin_only(request)
    question = request.query.get("question", "")[:300]
    edit = EntryEdit("", question, "", "", None, "draft", (question,) if question else ())
    return await _editor(request, "", edit, new=True)


async def save(request: web.Request) -> web.Response:
    """Save an edit (or a new entry); a problem shows the form again with what was typed."""
    _admin_only(request)
    form = await request.post()
    new = request.match_info.get("entry_id") is None
    entry_id = str(form.get("entry_id", "")).strip() if new else request.match_info["entry_id"]
    account = request[ACCOUNT]
    now = request.app[CLOCK]()
    _ = translate(request)
    try:
        edit = _edit_from(form, _)
    except EditError as error:
        return await _editor(request, entry_id, BLANK, new=new, status=400, problem=problem_text(error, _))
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            before = await entry_with_paraphrases(session, entry_id)
            old = _audit_values(EntryEdit.of(before)) if before is not None and not new else None
            await save_entry(session, entry_id, edit, audit.web_actor(account.username), now, new=new)
            await audit.record(
                session,
                audit.web_actor(account.username),
                "faq.create" if new else "faq.edit",
                entry_id,
                now,
                before=old,
                after=_audit_values(edit.cleaned()),
            )
    except EditError as error:
        return await _editor(request, entry_id, edit, new=new, status=400, problem=problem_text(error, _))
    saved = _("Đã lưu. Bot đang chạy sẽ dùng nội dung mới trong vài giây.")
    raise redirect_with_notice(request, f"/knowledge/{entry_id}", saved, path="/knowledge")


def _audit_values(edit: EntryEdit) -> dict[str, Any]:
    return {
        "question": edit.question,
        "answer": edit.answer,
        "status": edit.status,
        "source": edit.source,
        "paraphrases": len(edit.paraphrases),
    }


async def preview(request: web.Request) -> web.Response:
    """How the matcher would answer sample questions with the edit (not saved)."""
    _admin_only(request)
    form = await request.post()
    new = request.match_info.get("entry_id") is None
    entry_id = str(form.get("entry_id", "")).strip() if new else request.match_info["entry_id"]
    _ = translate(request)
    try:
        edit = _edit_from(form, _).cleaned()
    except EditError as error:
        blank = EntryEdit("", "", "", "", None, "draft", ())
        return await _editor(request, entry_id, blank, new=new, status=400, problem=problem_text(error, _))
    samples = [s.strip() for s in str(form.get("samples", "")).split("\n") if s.strip()][:MAX_SAMPLES]
    knowledge = request.app[DESK]().knowledge
    edited = intent_texts(entry_id or "moi", edit.question, list(edit.paraphrases), edit.answer)
    matcher = await asyncio.to_thread(preview_matcher, knowledge, edited)
    rows = []
    for sample in samples:
        now_result, then = knowledge.matcher.match(sample), matcher.match(sample)
        rows.append(
            (
                sample,
                _verdict(_, now_result.intent, now_result.action),
                _verdict(_, then.intent, then.action),
                "changed" if now_result.intent != then.intent else "",
            )
        )
    return await _editor(request, entry_id, edit, new=new, preview=rows)


def _verdict(_: Translate, intent: str | None, action: str) -> str:
    if intent and action == "answer":
        return _("trả lời: {intent}").format(intent=intent)
    return {"clarify": _("hỏi lại"), "escalate": _("chuyển người")}.get(action, action)


async def history(request: web.Request) -> web.Response:
    _admin_only(request)
    entry_id = request.match_info["entry_id"]
    async with request.app[SESSIONS]() as session:
        saved = await revisions(session, entry_id)
    if not saved:
        _ = translate(request)
        raise web.HTTPNotFound(text=_("Mục này chưa có lịch sử sửa trên trang quản trị."))
    changes = [(rev, diff(saved[n + 1] if n + 1 < len(saved) else None, rev)) for n, rev in enumerate(saved)]
    return render(request, "knowledge_history.html", {"entry_id": entry_id, "changes": changes})
