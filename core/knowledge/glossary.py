"""The glossary of hard words, held in memory: explain a word, or find the hard words in a text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.language.normalize import fold
from models import GlossaryTerm

DEFAULT_LANGUAGE = "vi"
MAX_PARTIAL_MATCHES = 3


@dataclass(frozen=True)
class Term:
    """A verified glossary entry and its folded spellings (name and aliases)."""

    term: str
    lang: str
    explanation: str
    forms: tuple[str, ...]


class Glossary:
    """Verified terms; a language's own terms come first, Vietnamese ones are the fallback."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._terms = sorted(terms, key=lambda t: t.term)

    def for_language(self, language: str) -> list[Term]:
        own = [t for t in self._terms if t.lang == language]
        return own + [t for t in self._terms if t.lang == DEFAULT_LANGUAGE and language != DEFAULT_LANGUAGE]

    def lookup(self, word: str, language: str = DEFAULT_LANGUAGE) -> list[Term]:
        """Terms whose name or alias matches the word (diacritics optional), exact matches first."""
        wanted = " ".join(fold(word).split())
        if not wanted:
            return []
        terms = self.for_language(language)
        exact = [t for t in terms if wanted in t.forms]
        partial = [t for t in terms if t not in exact and any(wanted in form for form in t.forms)]
        return exact + partial[: max(0, MAX_PARTIAL_MATCHES - len(exact))]

    def terms_in(self, text: str, language: str = DEFAULT_LANGUAGE) -> list[Term]:
        """Terms that appear in a text (for a "Từ khó" hint under an answer)."""
        folded = f" {' '.join(fold(text).replace('.', ' ').replace(',', ' ').split())} "
        return [t for t in self.for_language(language) if any(f" {form} " in folded for form in t.forms)]


async def load_glossary(session: AsyncSession) -> Glossary:
    """The verified terms from the database."""
    rows = await session.scalars(select(GlossaryTerm).where(GlossaryTerm.verified.is_(True)))
    return Glossary(
        Term(r.term, r.lang, r.explanation, (fold(r.term), *(fold(alias) for alias in r.aliases))) for r in rows
    )
