"""Editing FAQ entries while the bot runs: checked edits, each saved as a revision with its author,
a diff between revisions, and entries past their review date."""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.knowledge.faq import ACTIVE, PUBLISHED
from core.knowledge.versions import mark_changed
from core.language.bilingual import VIETNAMESE
from models import FaqCategory, FaqEntry, FaqParaphrase, FaqRevision

DRAFT = "draft"
STATUSES = (PUBLISHED, DRAFT)
REVIEW_EVERY = timedelta(days=180)
ENTRY_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
LIMITS = {
    "question": (3, 300),
    "answer": (10, 2000),
    "question_en": (0, 300),
    "answer_en": (0, 2000),
    "source": (0, 500),
}
ANSWER_SCREEN = 450  # about one phone screen; longer answers are cut behind "Xem thêm"
ADMIN_ORIGIN = "admin"


class EditError(ValueError):
    """An edit that cannot be saved (the message says what to fix)."""


@dataclass(frozen=True)
class EntryEdit:
    """Everything an admin edits in one entry (Vietnamese paraphrases one per line)."""

    category_id: str
    question: str
    answer: str
    source: str
    reviewed_on: date | None
    status: str
    paraphrases: tuple[str, ...]
    question_en: str = ""
    answer_en: str = ""

    @classmethod
    def of(cls, entry: FaqEntry) -> EntryEdit:
        return cls(
            entry.category_id,
            entry.question,
            entry.answer,
            entry.source,
            entry.reviewed_on,
            entry.status,
            tuple(p.text for p in entry.paraphrases if p.status == ACTIVE and p.lang == VIETNAMESE),
            entry.question_en,
            entry.answer_en,
        )

    def cleaned(self) -> EntryEdit:
        """Whitespace trimmed, paraphrases de-duplicated in order, blank lines dropped."""
        lines = dict.fromkeys(" ".join(p.split()) for p in self.paraphrases)
        return EntryEdit(
            self.category_id.strip(),
            self.question.strip(),
            _text(self.answer),
            self.source.strip(),
            self.reviewed_on,
            self.status,
            tuple(p for p in lines if p),
            self.question_en.strip(),
            _text(self.answer_en),
        )


def _text(value: str) -> str:
    return "\n".join(line.rstrip() for line in value.strip().replace("\r\n", "\n").split("\n"))


async def _check(session: AsyncSession, edit: EntryEdit) -> None:
    for name, (low, high) in LIMITS.items():
        length = len(getattr(edit, name))
        if length < low or length > high:
            raise EditError(f"'{name}' cần từ {low} đến {high} ký tự (đang có {length}).")
    if edit.status not in STATUSES:
        raise EditError(f"Trạng thái phải là một trong: {', '.join(STATUSES)}.")
    if await session.get(FaqCategory, edit.category_id) is None:
        raise EditError(f"Không có chủ đề '{edit.category_id}'.")
    if bool(edit.question_en) != bool(edit.answer_en):
        raise EditError("Bản tiếng Anh cần cả câu hỏi và câu trả lời (hoặc để trống cả hai).")


async def entry_with_paraphrases(session: AsyncSession, entry_id: str) -> FaqEntry | None:
    return await session.get(FaqEntry, entry_id, options=[selectinload(FaqEntry.paraphrases)])


async def save_entry(
    session: AsyncSession, entry_id: str, edit: EntryEdit, author: str, now: datetime, *, new: bool = False
) -> FaqEntry:
    """Create (`new`) or update an entry; keep a revision (the state before too, the first time an entry is
    edited here) and move the knowledge version so every running bot answers with it within seconds."""
    edit = edit.cleaned()
    await _check(session, edit)
    entry = await entry_with_paraphrases(session, entry_id)
    if new:
        if not ENTRY_ID.match(entry_id):
            raise EditError("Mã mục: chữ thường không dấu, số và gạch dưới, bắt đầu bằng chữ (2–64 ký tự).")
        if entry is not None:
            raise EditError(f"Đã có mục '{entry_id}'.")
        entry = FaqEntry(id=entry_id, paraphrases=[], position=10_000)
        session.add(entry)
    elif entry is None:
        raise EditError(f"Không có mục '{entry_id}'.")
    elif not await _has_revisions(session, entry_id):
        session.add(_revision(entry_id, EntryEdit.of(entry), "trước khi sửa trên trang quản trị", entry.updated_at))
    _apply(entry, edit)
    session.add(_revision(entry_id, edit, author, now))
    await mark_changed(session, now)
    return entry


def _apply(entry: FaqEntry, edit: EntryEdit) -> None:
    entry.category_id, entry.question, entry.answer = edit.category_id, edit.question, edit.answer
    entry.source, entry.reviewed_on, entry.status = edit.source, edit.reviewed_on, edit.status
    entry.question_en, entry.answer_en = edit.question_en, edit.answer_en
    wanted = set(edit.paraphrases)
    for paraphrase in list(entry.paraphrases):
        if paraphrase.lang == VIETNAMESE and paraphrase.status == ACTIVE and paraphrase.text not in wanted:
            entry.paraphrases.remove(paraphrase)
    kept = {p.text: p for p in entry.paraphrases}
    for text in edit.paraphrases:
        if text in kept:
            kept[text].status = ACTIVE  # a pending or rejected one typed in by the admin is approved
        else:
            entry.paraphrases.append(FaqParaphrase(text=text, lang=VIETNAMESE, status=ACTIVE, origin=ADMIN_ORIGIN))


def _revision(entry_id: str, edit: EntryEdit, author: str, when: datetime) -> FaqRevision:
    values = asdict(edit)
    values["paraphrases"] = list(edit.paraphrases)
    return FaqRevision(entry_id=entry_id, author=author, created_at=when, **values)


async def _has_revisions(session: AsyncSession, entry_id: str) -> bool:
    return await session.scalar(select(FaqRevision.id).where(FaqRevision.entry_id == entry_id).limit(1)) is not None


async def revisions(session: AsyncSession, entry_id: str) -> list[FaqRevision]:
    """An entry's revisions, newest first."""
    query = select(FaqRevision).where(FaqRevision.entry_id == entry_id).order_by(FaqRevision.id.desc())
    return list(await session.scalars(query))


FIELDS = (
    "question",
    "answer",
    "paraphrases",
    "source",
    "reviewed_on",
    "status",
    "category_id",
    "question_en",
    "answer_en",
)


def diff(older: FaqRevision | None, newer: FaqRevision) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per changed field, its lines marked "+" (added), "-" (removed) or " " (kept)."""
    changes = []
    for name in FIELDS:
        before, after = _lines(getattr(older, name) if older else ""), _lines(getattr(newer, name))
        if before == after:
            continue
        marked = [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[:1] in ("+", "-", " ")]
        changes.append((name, marked))
    return changes


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).split("\n")


def needs_review(entry: FaqEntry, today: date) -> bool:
    """Never reviewed, or reviewed longer ago than REVIEW_EVERY."""
    return entry.reviewed_on is None or today - entry.reviewed_on > REVIEW_EVERY
