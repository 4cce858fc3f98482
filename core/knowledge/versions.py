"""The knowledge base's version: moved by every published change, watched by every running process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import KnowledgeVersion

ROW = 1


async def current_version(session: AsyncSession) -> int:
    return int(await session.scalar(select(KnowledgeVersion.version).where(KnowledgeVersion.id == ROW)) or 0)


async def mark_changed(session: AsyncSession, now: datetime) -> None:
    """Move the version in the same transaction as the change, so a process that sees the new version
    also sees the change."""
    result = await session.execute(
        update(KnowledgeVersion)
        .where(KnowledgeVersion.id == ROW)
        .values(version=KnowledgeVersion.version + 1, changed_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        session.add(KnowledgeVersion(id=ROW, version=2, changed_at=now))
    await session.flush()
