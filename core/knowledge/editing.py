"""Changes to the FAQ made while the bot runs: questions volunteers teach, pending an admin's review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.knowledge.faq import ACTIVE
from core.knowledge.versions import mark_changed
from core.privacy import clean_for_storage
from models import FaqEntry, FaqParaphrase
from models.base import utcnow

PENDING = "pending"
REJECTED = "rejected"
VOLUNTEER = "volunteer"
ADMIN = "admin"
MIN_CHARS = 3


async def add_pending_paraphrase(session: AsyncSession, entry_id: str, text: str) -> bool:
    """Attach a resident's (masked) question to an FAQ entry as a paraphrase awaiting approval.

    False when the entry is unknown, the text is too short, or the entry already has it.
    """
    return await _add(session, entry_id, text, PENDING, VOLUNTEER)


async def add_paraphrase(session: AsyncSession, entry_id: str, text: str, now: datetime) -> bool:
    """An admin's paraphrase, active at once (every running bot learns it within seconds); False as above."""
    added = await _add(session, entry_id, text, ACTIVE, ADMIN)
    if added:
        await mark_changed(session, now)
    return added


async def _add(session: AsyncSession, entry_id: str, text: str, status: str, origin: str) -> bool:
    cleaned = " ".join(clean_for_storage(text).split())
    if len(cleaned) < MIN_CHARS or await session.get(FaqEntry, entry_id) is None:
        return False
    exists = await session.scalar(
        select(FaqParaphrase.id).where(FaqParaphrase.entry_id == entry_id, FaqParaphrase.text == cleaned)
    )
    if exists is not None:
        return False
    session.add(FaqParaphrase(entry_id=entry_id, text=cleaned, status=status, origin=origin))
    await session.flush()
    return True


async def pending_paraphrases(session: AsyncSession) -> list[FaqParaphrase]:
    """Questions volunteers taught, waiting for an admin, oldest first."""
    query = select(FaqParaphrase).where(FaqParaphrase.status == PENDING).order_by(FaqParaphrase.id)
    return list(await session.scalars(query))


class NotPending(ValueError):
    """Paraphrase ids given for review that are not waiting for it (unknown, or already reviewed)."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(f"not pending: {', '.join(map(str, ids))}")


async def review_paraphrases(session: AsyncSession, ids: list[int], approve: bool) -> int:
    """Approve (every running bot learns them within seconds) or reject pending paraphrases; how many changed.

    All or nothing: NotPending, and no change, when any of the ids is not pending."""
    pending = set(
        await session.scalars(
            select(FaqParaphrase.id).where(FaqParaphrase.id.in_(ids), FaqParaphrase.status == PENDING)
        )
    )
    if missing := sorted(set(ids) - pending):
        raise NotPending(missing)
    query = update(FaqParaphrase).where(FaqParaphrase.id.in_(ids), FaqParaphrase.status == PENDING)
    if approve:
        result = await session.execute(query.values(status=ACTIVE))
        await mark_changed(session, utcnow())
    else:
        result = await session.execute(query.values(status=REJECTED))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
