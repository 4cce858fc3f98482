"""The audit log: every admin action, who did it, when, and the values before and after (never secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry

CLI = "cli"
PAGE_SIZE = 50


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


@dataclass(frozen=True)
class Page:
    """One page of the log, newest first, and whether older entries follow."""

    entries: list[AuditEntry]
    number: int
    more: bool


async def page_of(session: AsyncSession, actor: str | None, action: str | None, number: int) -> Page:
    """Entries by `actor` and of `action` (each when given), newest first, `PAGE_SIZE` a page from 1."""
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    rows = list(await session.scalars(query.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return Page(rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE)


async def known_values(session: AsyncSession) -> tuple[list[str], list[str]]:
    """Every actor and every action in the log, to filter by."""
    actors = await session.scalars(select(AuditEntry.actor).distinct().order_by(AuditEntry.actor))
    actions = await session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(actors), list(actions)


def shown(value: Any) -> str:
    """A logged value as people read it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value) or "—"
    return str(value)


def changes(entry: AuditEntry) -> list[tuple[str, str, str, bool]]:
    """Each logged field: its name, the value before, the value after, and whether it changed."""
    before, after = entry.before or {}, entry.after or {}
    names = [*before, *(key for key in after if key not in before)]
    return [
        (name, shown(before.get(name)), shown(after.get(name)), before.get(name) != after.get(name)) for name in names
    ]
