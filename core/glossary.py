"""Glossary look-ups: explain a hard word, or find the hard words inside a text."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.normalize import fold
from models import GlossaryTerm


def _forms(term: GlossaryTerm) -> list[str]:
    return [fold(term.term), *(fold(alias) for alias in term.aliases)]


async def verified_terms(session: AsyncSession, language: str = "vi") -> list[GlossaryTerm]:
    """Verified terms in a language, plus Vietnamese ones as the fallback."""
    rows = await session.scalars(
        select(GlossaryTerm).where(GlossaryTerm.verified.is_(True), GlossaryTerm.lang.in_({language, "vi"}))
    )
    return sorted(rows, key=lambda t: (t.lang != language, t.term))


async def lookup(session: AsyncSession, word: str, language: str = "vi") -> list[GlossaryTerm]:
    """Terms whose name or alias matches the word (diacritics optional), exact matches first."""
    wanted = " ".join(fold(word).split())
    if not wanted:
        return []
    terms = await verified_terms(session, language)
    exact = [t for t in terms if wanted in _forms(t)]
    partial = [t for t in terms if t not in exact and any(wanted in form for form in _forms(t))]
    return exact + partial[: max(0, 3 - len(exact))]


async def terms_in(session: AsyncSession, text: str, language: str = "vi") -> list[GlossaryTerm]:
    """Glossary terms that appear in a text (for a "Từ khó" hint under an answer)."""
    folded = f" {' '.join(fold(text).replace('.', ' ').replace(',', ' ').split())} "
    return [t for t in await verified_terms(session, language) if any(f" {form} " in folded for form in _forms(t))]
