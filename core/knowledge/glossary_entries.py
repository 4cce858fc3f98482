"""Building the glossary in residents' languages: volunteers propose entries (text and/or a recording),
another person verifies or rejects them (never their author), and residents see only verified ones.

Every decision bumps the knowledge version, so each running bot reloads the glossary within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.knowledge.versions import mark_changed
from models import GlossaryEntry, GlossaryLookup, GlossaryTerm, Member
from models.glossary import PROPOSED, REJECTED, VERIFIED


class GlossaryError(ValueError):
    """A change the rules do not allow (the message says why)."""


@dataclass(frozen=True)
class Reviewer:
    """Who decides on an entry: a team member (`member_id`), or a dashboard admin (`member_id` None)."""

    name: str
    member_id: int | None = None


async def next_missing_term(session: AsyncSession, lang: str, skip: tuple[int, ...] = ()) -> GlossaryTerm | None:
    """A published term with no proposed or verified entry in `lang`: the most looked-up first."""
    covered = select(GlossaryEntry.term_id).where(GlossaryEntry.lang == lang, GlossaryEntry.status != REJECTED)
    asked = (
        select(GlossaryLookup.term, func.sum(GlossaryLookup.count).label("asked"))
        .where(GlossaryLookup.term != "")
        .group_by(GlossaryLookup.term)
        .subquery()
    )
    query = (
        select(GlossaryTerm)
        .outerjoin(asked, asked.c.term == GlossaryTerm.term)
        .where(GlossaryTerm.verified.is_(True), GlossaryTerm.id.not_in(covered), GlossaryTerm.id.not_in(skip))
        .order_by(func.coalesce(asked.c.asked, 0).desc(), GlossaryTerm.id)
    )
    return await session.scalar(query.limit(1))


async def propose(
    session: AsyncSession,
    term: GlossaryTerm,
    lang: str,
    *,
    text: str = "",
    audio: str | None = None,
    contributor: Member | None = None,
    contributor_name: str = "",
    origin: str = "chat",
    now: datetime,
) -> GlossaryEntry:
    """A new proposed entry, or the author's own proposed entry for the term updated (text kept when only
    a recording comes, and the other way round)."""
    if not text.strip() and not audio:
        raise GlossaryError("an entry needs a text or a recording")
    entry = await _own_proposal(session, term, lang, contributor) if contributor is not None else None
    if entry is None:
        entry = GlossaryEntry(
            term_id=term.id,
            lang=lang,
            text="",
            contributor_id=contributor.id if contributor else None,
            contributor_name=contributor.name if contributor else contributor_name,
            status=PROPOSED,
            origin=origin,
            created_at=now,
        )
        session.add(entry)
    if text.strip():
        entry.text = text.strip()
    if audio:
        entry.audio = audio
    await session.flush()
    return entry


async def _own_proposal(session: AsyncSession, term: GlossaryTerm, lang: str, member: Member) -> GlossaryEntry | None:
    return await session.scalar(
        select(GlossaryEntry).where(
            GlossaryEntry.term_id == term.id,
            GlossaryEntry.lang == lang,
            GlossaryEntry.status == PROPOSED,
            GlossaryEntry.contributor_id == member.id,
        )
    )


async def has_own_proposal(session: AsyncSession, term: GlossaryTerm, lang: str, member: Member) -> bool:
    """Whether the member already proposed an entry for the term in `lang` (still waiting)."""
    return await _own_proposal(session, term, lang, member) is not None


def may_decide(entry: GlossaryEntry, reviewer: Reviewer) -> bool:
    """The two-person rule: nobody verifies or rejects what they contributed (members are told apart by
    their membership; a contributor known only by name, from a CSV, by that name)."""
    if reviewer.member_id is not None and entry.contributor_id is not None:
        return reviewer.member_id != entry.contributor_id
    return not _same_name(reviewer.name, entry.contributor_name)


def _same_name(a: str, b: str) -> bool:
    return bool(a.strip()) and a.strip().casefold() == b.strip().casefold()


async def decide(
    session: AsyncSession, entry: GlossaryEntry, reviewer: Reviewer, verified: bool, now: datetime
) -> GlossaryEntry:
    """Verify or reject a proposed entry; GlossaryError when the reviewer is its author or it was decided."""
    if entry.status != PROPOSED:
        raise GlossaryError("this entry was already decided")
    if not may_decide(entry, reviewer):
        raise GlossaryError("the author of an entry cannot decide on it")
    entry.status = VERIFIED if verified else REJECTED
    entry.verifier_id, entry.verifier_name, entry.decided_at = reviewer.member_id, reviewer.name, now
    await mark_changed(session, now)
    return entry


async def awaiting(
    session: AsyncSession, lang: str | None = None, reviewer: Reviewer | None = None
) -> list[GlossaryEntry]:
    """Proposed entries (of one language), oldest first; for a reviewer, only those they may decide on."""
    query = select(GlossaryEntry).where(GlossaryEntry.status == PROPOSED).options(selectinload(GlossaryEntry.term))
    if lang is not None:
        query = query.where(GlossaryEntry.lang == lang)
    entries = list(await session.scalars(query.order_by(GlossaryEntry.created_at, GlossaryEntry.id)))
    return [e for e in entries if reviewer is None or may_decide(e, reviewer)]
