"""The glossary of hard words, held in memory: find a term tolerantly, find the hard words in a text,
and the verified entries of a term in residents' own languages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.language.normalize import fold
from models import GlossaryEntry, GlossaryTerm
from models.glossary import VERIFIED

MAX_MATCHES = 3
MIN_PARTIAL_CHARS = 2
TYPO_SIMILARITY = (
    0.8  # "sim chin chu" 0.96 and "vneld" 0.80 are typos; "mat ma"/"mat khau" 0.71, "ma otp"/"ma qr" 0.55 are not
)
# Residents' languages a volunteer can record entries in (ISO 639-3); none has CLDR data, so the
# interface stays Vietnamese for them and only the glossary speaks them.
RESIDENT_LANGUAGES = {"bru": "Bru-Vân Kiều", "pac": "Pa Kô", "tth": "Tà Ôi", "scb": "Chứt"}


@dataclass(frozen=True)
class Local:
    """A verified entry of a term in a resident's language: text and/or a recording (media-store key)."""

    text: str
    audio: str | None


@dataclass(frozen=True)
class Term:
    """A glossary term, its folded spellings (name and aliases) and its verified local entries."""

    id: int
    term: str
    explanation: str
    forms: tuple[str, ...]
    explanation_en: str = ""
    picture: str | None = None
    local: dict[str, Local] = field(default_factory=dict, hash=False, compare=False)

    def explained(self, language: str) -> str:
        """The explanation to show: English for English readers where written, else plain Vietnamese."""
        return self.explanation_en if language == "en" and self.explanation_en else self.explanation


def _folded(text: str) -> str:
    return " ".join(fold(text).replace(".", " ").replace(",", " ").split())


class Glossary:
    """Published terms, sorted by name."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms = sorted(terms, key=lambda t: t.term)
        self._by_id = {t.id: t for t in self.terms}

    def get(self, term_id: int) -> Term | None:
        return self._by_id.get(term_id)

    def named(self, name: str) -> Term | None:
        wanted = _folded(name)
        return next((t for t in self.terms if wanted in t.forms), None)

    def lookup(self, word: str) -> list[Term]:
        """Terms for a typed word, tolerantly: its exact spelling (diacritics optional) first, then terms
        containing it or starting with its words ("kich hoa"), then near spellings (typos)."""
        wanted = _folded(word)
        if not wanted:
            return []
        exact = [t for t in self.terms if wanted in t.forms]
        partial = [t for t in self.terms if t not in exact and _contains(t.forms, wanted)]
        found = exact + sorted(partial, key=lambda t: min(len(f) for f in t.forms))
        if len(found) < MAX_MATCHES:
            matcher = SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(wanted)  # what it learns about the typed word is kept for every form
            near = [(similarity, t) for t in self.terms if t not in found and (similarity := _near(matcher, t.forms))]
            found += [t for _similarity, t in sorted(near, key=lambda pair: -pair[0])]
        return found[:MAX_MATCHES]

    def terms_in(self, text: str) -> list[Term]:
        """Terms that appear in a text (for a "Từ khó" hint under an answer), in the order they first appear."""
        folded = f" {_folded(text)} "
        found = []
        for term in self.terms:
            places = [folded.find(f" {form} ") for form in term.forms if f" {form} " in folded]
            if places:
                found.append((min(places), term))
        return [term for _place, term in sorted(found, key=lambda pair: pair[0])]


def _contains(forms: tuple[str, ...], wanted: str) -> bool:
    """A form contains the word, or each of its words begins a word of the form, in order."""
    if len(wanted) < MIN_PARTIAL_CHARS:
        return False
    words = wanted.split()
    for form in forms:
        if wanted in form:
            return True
        form_words = form.split()
        for start in range(len(form_words) - len(words) + 1):
            if all(form_words[start + i].startswith(w) for i, w in enumerate(words)):
                return True
    return False


def _near(matcher: SequenceMatcher[str], forms: tuple[str, ...]) -> float:
    """The best similarity of the typed word (the matcher's second sequence) to a form, when it is close
    enough to be a typo of it (else 0); the cheap upper bounds skip most forms before the real ratio."""
    best = 0.0
    for form in forms:
        matcher.set_seq1(form)
        if matcher.real_quick_ratio() >= TYPO_SIMILARITY and matcher.quick_ratio() >= TYPO_SIMILARITY:
            best = max(best, matcher.ratio())
    return best if best >= TYPO_SIMILARITY else 0.0


async def load_glossary(session: AsyncSession) -> Glossary:
    """The published terms from the database, with their latest verified entry in each language."""
    rows = await session.scalars(
        select(GlossaryTerm).where(GlossaryTerm.verified.is_(True)).options(selectinload(GlossaryTerm.entries))
    )
    return Glossary(_term(row) for row in rows)


def _term(row: GlossaryTerm) -> Term:
    local: dict[str, Local] = {}
    verified: list[GlossaryEntry] = [e for e in row.entries if e.status == VERIFIED]
    for entry in sorted(verified, key=lambda e: (e.decided_at is not None, e.decided_at, e.id)):
        local[entry.lang] = Local(entry.text, entry.audio)  # the latest verified one wins
    return Term(
        row.id, row.term, row.explanation, folded_forms(row.term, row.aliases), row.explanation_en, row.picture, local
    )


def folded_forms(term: str, aliases: Iterable[str]) -> tuple[str, ...]:
    """A term's spellings as lookups compare them: its name, then its aliases, folded."""
    return (_folded(term), *(_folded(alias) for alias in aliases))
