"""Changes to the FAQ made while the bot runs: questions volunteers teach, pending an admin's review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.privacy import clean_for_storage
from models import FaqEntry, FaqParaphrase

PENDING = "pending"
VOLUNTEER = "volunteer"
MIN_CHARS = 3


async def add_pending_paraphrase(session: AsyncSession, entry_id: str, text: str) -> bool:
    """Attach a resident's (masked) question to an FAQ entry as a paraphrase awaiting approval.

    False when the entry is unknown, the text is too short, or the entry already has it.
    """
    cleaned = " ".join(clean_for_storage(text).split())
    if len(cleaned) < MIN_CHARS or await session.get(FaqEntry, entry_id) is None:
        return False
    exists = await session.scalar(
        select(FaqParaphrase.id).where(FaqParaphrase.entry_id == entry_id, FaqParaphrase.text == cleaned)
    )
    if exists is not None:
        return False
    session.add(FaqParaphrase(entry_id=entry_id, text=cleaned, status=PENDING, origin=VOLUNTEER))
    await session.flush()
    return True
