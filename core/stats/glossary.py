"""Glossary statistics: lookups per term and language, words residents asked that no term explains,
and entries waiting for a second person to verify them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.language.normalize import fold
from core.privacy import mask, without_masks
from core.stats.period import Scope
from models import GlossaryEntry, GlossaryLookup, GlossaryTerm
from models.glossary import PROPOSED, VERIFIED

MAX_ASKED_CHARS = 64
TOP = 20


async def record_lookup(session: AsyncSession, day: date, lang: str, *, term: str = "", asked: str = "") -> None:
    """Count one lookup of a term, or of a word no term matched (kept masked and folded, bounded)."""
    asked = " ".join(fold(without_masks(mask(asked).text)).split())[:MAX_ASKED_CHARS] if not term else ""
    if not term and not asked:
        return
    key = (
        GlossaryLookup.day == day,
        GlossaryLookup.lang == lang,
        GlossaryLookup.term == term,
        GlossaryLookup.asked == asked,
    )
    counted = await session.execute(update(GlossaryLookup).where(*key).values(count=GlossaryLookup.count + 1))
    if counted.rowcount:  # type: ignore[attr-defined]
        return
    try:
        async with session.begin_nested():  # another process may have counted the first one meanwhile
            session.add(GlossaryLookup(day=day, lang=lang, term=term, asked=asked, count=1))
    except IntegrityError:
        await session.execute(update(GlossaryLookup).where(*key).values(count=GlossaryLookup.count + 1))


async def most_asked_terms(session: AsyncSession, limit: int) -> list[str]:
    """The terms looked up most, all time (for the "Từ khó" menu's buttons)."""
    query = (
        select(GlossaryLookup.term)
        .where(GlossaryLookup.term != "")
        .group_by(GlossaryLookup.term)
        .order_by(func.sum(GlossaryLookup.count).desc(), GlossaryLookup.term)
        .limit(limit)
    )
    return list(await session.scalars(query))


@dataclass(frozen=True)
class GlossaryStats:
    """Over a scope's days (and language): lookups by term and language, missing words, waiting entries."""

    lookups: int
    by_term: list[tuple[str, str, int]]  # term, language, lookups
    missing: list[tuple[str, int]]  # asked word, times
    awaiting: dict[str, int]  # language -> proposed entries
    verified: dict[str, int]  # language -> verified entries
    terms: int

    def as_json(self) -> dict[str, Any]:
        return {
            "lookups": self.lookups,
            "by_term": [{"term": t, "language": lang, "lookups": n} for t, lang, n in self.by_term],
            "missing": [{"asked": asked, "times": n} for asked, n in self.missing],
            "awaiting_verification": self.awaiting,
            "verified": self.verified,
            "terms": self.terms,
        }


async def glossary_stats(session: AsyncSession, scope: Scope) -> GlossaryStats:
    """The glossary's numbers for a scope (communes do not apply: the glossary is shared)."""
    days = [GlossaryLookup.day >= scope.start, GlossaryLookup.day <= scope.end]
    if scope.language is not None:
        days.append(GlossaryLookup.lang == scope.language)
    total = func.sum(GlossaryLookup.count)
    by_term = await session.execute(
        select(GlossaryLookup.term, GlossaryLookup.lang, total)
        .where(*days, GlossaryLookup.term != "")
        .group_by(GlossaryLookup.term, GlossaryLookup.lang)
        .order_by(total.desc(), GlossaryLookup.term)
        .limit(TOP)
    )
    missing = await session.execute(
        select(GlossaryLookup.asked, total)
        .where(*days, GlossaryLookup.term == "")
        .group_by(GlossaryLookup.asked)
        .order_by(total.desc(), GlossaryLookup.asked)
        .limit(TOP)
    )
    lookups = await session.scalar(select(func.coalesce(total, 0)).where(*days))
    counts = await session.execute(
        select(GlossaryEntry.lang, GlossaryEntry.status, func.count()).group_by(
            GlossaryEntry.lang, GlossaryEntry.status
        )
    )
    awaiting: dict[str, int] = {}
    verified: dict[str, int] = {}
    for lang, status, n in counts:
        if status == PROPOSED:
            awaiting[lang] = n
        elif status == VERIFIED:
            verified[lang] = n
    terms = await session.scalar(select(func.count()).select_from(GlossaryTerm).where(GlossaryTerm.verified.is_(True)))
    return GlossaryStats(
        int(lookups or 0),
        [(t, lang, int(n)) for t, lang, n in by_term],
        [(asked, int(n)) for asked, n in missing],
        awaiting,
        verified,
        int(terms or 0),
    )
