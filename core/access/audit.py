"""The audit log: every admin action, who did it, when, and the values before and after (never secrets)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry

CLI = "cli"


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    target: str,
    now: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(AuditEntry(actor=actor, action=action, target=target, before=before, after=after, created_at=now))
    await session.flush()


def web_actor(username: str) -> str:
    return f"web:{username}"
