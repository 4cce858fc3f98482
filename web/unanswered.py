"""The "Bot chưa trả lời" page for admins: the questions the bot could not answer well (clarified, not
understood, marked 👎), grouped by similarity with counts; one click teaches a group's question to an
entry (or starts a new entry with it), and the volunteers' "Dạy bot" suggestions are approved here."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from sqlalchemy import select

from core.access import audit
from core.access.accounts import can_see_commune, sees_every_commune
from core.helpdesk.communes import list_communes
from core.knowledge.editing import NotPending, add_paraphrase, pending_paraphrases, review_paraphrases
from core.knowledge.faq import Entry, KnowledgeBase
from core.language.i18n import N_, Translate
from core.language.matcher import SPECIAL_INTENTS
from core.privacy import clean_for_storage, mask
from core.stats.period import Scope
from core.stats.unanswered import CLARIFIED, NOT_UNDERSTOOD, THUMBS_DOWN, Group, unanswered_groups
from models import FaqParaphrase
from web.context import ACCOUNT, CLOCK, DESK, SESSIONS, render, require_admin, translate
from web.filters import BadFilter, scope_for
from web.notices import notice_shown, pending_notice, redirect_with_notice

PAGE = "/unanswered"
MAX_GROUPS = 50  # each row carries a select of every entry
SUGGESTED = 5
MAX_TEXT = 300
FILTERS = ("from", "to", "commune")
REASONS = {CLARIFIED: N_("bot hỏi lại"), NOT_UNDERSTOOD: N_("bot không hiểu"), THUMBS_DOWN: "👎"}
DECISIONS = {"approve": True, "reject": False}


@dataclass(frozen=True)
class Row:
    """One group as the page shows it: masked texts, what the bot guessed, the entries to suggest first."""

    group: Group
    text: str
    members: tuple[tuple[str, int], ...]
    reasons: tuple[tuple[str, int], ...]
    guesses: tuple[tuple[str, int], ...]
    suggested: tuple[Entry, ...]
    others: tuple[Entry, ...]


def _admin_only(request: web.Request) -> None:
    require_admin(request, N_("Chỉ quản trị được dạy bot."))


def _masked(text: str) -> str:
    return mask(text).text


def _row(_: Translate, knowledge: KnowledgeBase, entries: list[Entry], group: Group) -> Row:
    closest = knowledge.matcher.alternatives(group.text, limit=SUGGESTED)
    suggested = [knowledge.entries[i] for i in closest if i in knowledge.entries]
    chosen = {e.id for e in suggested}
    return Row(
        group=group,
        text=_masked(group.text),
        members=tuple((_masked(text), n) for text, n in group.members),
        reasons=tuple((_(REASONS[reason]) if reason in REASONS else reason, n) for reason, n in group.reasons.items()),
        guesses=tuple((knowledge.entries[i].question if i in knowledge.entries else i, n) for i, n in group.intents),
        suggested=tuple(suggested),
        others=tuple(e for e in entries if e.id not in chosen),
    )


def _rows(_: Translate, knowledge: KnowledgeBase, groups: list[Group]) -> list[Row]:
    entries = sorted((e for e in knowledge.entries.values() if e.id not in SPECIAL_INTENTS), key=lambda e: e.question)
    return [_row(_, knowledge, entries, group) for group in groups]


def _query(scope: Scope) -> str:
    values = {"from": scope.start.isoformat(), "to": scope.end.isoformat()}
    if scope.communes is not None and len(scope.communes) == 1:
        values["commune"] = scope.communes[0]
    return urlencode(values)


async def unanswered_page(request: web.Request) -> web.Response:
    _admin_only(request)
    account = request[ACCOUNT]
    now = request.app[CLOCK]()
    values = {k: v for k, v in request.query.items() if k in FILTERS}
    _ = translate(request)
    try:
        scope, error = scope_for(account, values, now), None
    except BadFilter as problem:
        scope, error = scope_for(account, {}, now), problem.text(_)
    async with request.app[SESSIONS]() as session:
        groups = await unanswered_groups(session, scope, MAX_GROUPS)
        pending = await pending_paraphrases(session)
        communes = [c for c in await list_communes(session) if can_see_commune(account, c.slug)]
    knowledge = request.app[DESK]().knowledge
    rows = await asyncio.to_thread(_rows, _, knowledge, groups)
    notice = pending_notice(request)
    response = render(
        request,
        "unanswered.html",
        {
            "rows": rows,
            "pending": [(p, knowledge.entries.get(p.entry_id), _masked(p.text)) for p in pending],
            "scope": scope,
            "query": _query(scope),
            "communes": communes,
            "commune_names": {c.slug: c.name for c in communes},
            "all_communes": sees_every_commune(account),
            "error": error,
            "notice": notice,
            "max_text": MAX_TEXT,
        },
        status=400 if error else 200,
    )
    return notice_shown(response, path=PAGE)


def _back(request: web.Request, form: Mapping[str, Any], notice: str) -> web.HTTPSeeOther:
    """Back to the page with the filters it was shown with, and what the admin is told."""
    kept = [(k, v) for k, v in parse_qsl(str(form.get("back", ""))) if k in FILTERS]
    return redirect_with_notice(request, f"{PAGE}?{urlencode(kept)}" if kept else PAGE, notice, path=PAGE)


async def teach(request: web.Request) -> web.Response:
    """Add a group's question as an active paraphrase of an entry (running bots reload it), or start a new
    entry with it as its first paraphrase."""
    _admin_only(request)
    form = await request.post()
    text = " ".join(clean_for_storage(str(form.get("text", ""))[:MAX_TEXT]).split())
    if "new" in form:
        raise web.HTTPSeeOther(f"/knowledge/new?{urlencode({'question': text})}")
    entry_id = str(form.get("entry", ""))
    actor = audit.web_actor(request[ACCOUNT].username)
    now = request.app[CLOCK]()
    async with request.app[SESSIONS]() as session, session.begin():
        added = await add_paraphrase(session, entry_id, text, now)
        if added:
            after = {"text": text, "status": "active", "origin": "admin"}
            await audit.record(session, actor, "faq.paraphrase.add", entry_id, now, after=after)
    _ = translate(request)
    notice = (
        _("Đã dạy bot: «{text}» → {entry}. Bot đang chạy sẽ biết câu này trong vài giây.").format(
            text=text, entry=entry_id
        )
        if added
        else _("Không thêm được: chưa chọn mục, câu quá ngắn, hoặc mục đã có câu này.")
    )
    raise _back(request, form, notice)


def _ids(values: list[str]) -> list[int] | None:
    if not values or not all(v.isascii() and v.isdigit() and len(v) < 10 for v in values):
        return None
    return [int(v) for v in values]


async def review(request: web.Request) -> web.Response:
    """Approve or reject volunteers' "Dạy bot" suggestions, as `bot.py kb approve/reject` does."""
    _admin_only(request)
    _ = translate(request)
    form = await request.post()
    ids = _ids([str(v) for v in form.getall("id", [])])
    approve = DECISIONS.get(str(form.get("decision", "")))
    if ids is None or approve is None:
        raise _back(request, form, _("Nút không hợp lệ."))
    actor = audit.web_actor(request[ACCOUNT].username)
    now = request.app[CLOCK]()
    status, action = ("active", "faq.paraphrase.approve") if approve else ("rejected", "faq.paraphrase.reject")
    async with request.app[SESSIONS]() as session, session.begin():
        rows = list(await session.scalars(select(FaqParaphrase).where(FaqParaphrase.id.in_(ids))))
        before = {row.id: {"entry": row.entry_id, "text": row.text, "status": row.status} for row in rows}
        try:
            changed = await review_paraphrases(session, ids, approve)
        except NotPending:
            raise _back(request, form, _("Câu này không còn chờ duyệt (đã có người duyệt).")) from None
        for paraphrase_id, old in before.items():
            await audit.record(session, actor, action, str(paraphrase_id), now, old, {**old, "status": status})
    done = _("Đã duyệt {count} câu.") if approve else _("Đã bỏ {count} câu.")
    raise _back(request, form, done.format(count=changed))
