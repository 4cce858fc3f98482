"""FAQ and glossary content: files in `knowledge/` <-> database <-> the matcher."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.knowledge.glossary import Glossary, load_glossary
from core.knowledge.versions import mark_changed
from core.language.bilingual import ENGLISH, VIETNAMESE, BilingualMatcher
from core.language.matcher import SPECIAL_INTENTS, IntentTexts, Matcher
from core.language.normalize import YAML_LOADER, Lexicon
from models import FaqCategory, FaqEntry, FaqParaphrase, FaqVoiceAnswer, GlossaryTerm
from models.base import utcnow

FAQ_FILE = "faq.yaml"
CATEGORIES_FILE = "categories.yaml"
GLOSSARY_FILE = "glossary.yaml"
LEXICON_FILE = "lexicon.yaml"
NEGATIVES_FILE = "out_of_scope.yaml"
ENGLISH_GROUP = "en_"
PUBLISHED = "published"
ACTIVE = "active"
SEED = "seed"


@dataclass(frozen=True)
class Entry:
    """A published FAQ entry as residents see it."""

    id: str
    category: str
    question: str
    answer: str
    source: str
    reviewed_on: date | None


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    entry_ids: tuple[str, ...]
    title_en: str = ""


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the handlers need to answer: entries, categories and a built matcher."""

    entries: dict[str, Entry]
    categories: tuple[Category, ...]
    intents: tuple[IntentTexts, ...]
    matcher: BilingualMatcher
    glossary: Glossary
    english: dict[str, Entry] = field(default_factory=dict)
    matching: MatchingData | None = None  # what the matcher was built from (for previews of an edit)
    voices: dict[tuple[str, str], str] = field(default_factory=dict)  # (entry, language) -> recording's media key

    def voice_answer(self, entry_id: str, language: str) -> str | None:
        """The recorded voice answer of an entry in a language (Vietnamese's for languages without one)."""
        return self.voices.get((entry_id, language)) or self.voices.get((entry_id, VIETNAMESE))

    def in_language(self, language: str) -> KnowledgeBase:
        """The knowledge as a resident reading `language` sees it: for English, the entries and
        category titles in English where they have been written (Vietnamese where not)."""
        return self._english_view if language == ENGLISH and self.english else self

    @cached_property
    def _english_view(self) -> KnowledgeBase:
        categories = tuple(replace(c, title=c.title_en or c.title) for c in self.categories)
        return replace(self, entries={**self.entries, **self.english}, categories=categories, english={})

    def browsable(self) -> tuple[Category, ...]:
        """Categories that residents can browse (special intents excluded)."""
        return tuple(c for c in self.categories if any(e not in SPECIAL_INTENTS for e in c.entry_ids))


@dataclass(frozen=True)
class ImportReport:
    categories: int
    entries: int
    paraphrases: int
    glossary_terms: int


def _read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or []


@dataclass(frozen=True)
class MatchingData:
    """File-based matcher inputs: the normalisation lexicon and out-of-scope examples."""

    lexicon: Lexicon
    negatives: dict[str, tuple[str, ...]]
    model_cache: Path | None = None  # where trained classifiers are kept (None: in this process only)

    def negative_texts(self) -> list[str]:
        """Every out-of-scope example, whatever its group."""
        return [text for texts in self.negatives.values() for text in texts]

    def negatives_in(self, language: str) -> dict[str, tuple[str, ...]]:
        """The out-of-scope groups in one language (English groups are named `en_…`)."""
        english = {name: texts for name, texts in self.negatives.items() if name.startswith(ENGLISH_GROUP)}
        return english if language == ENGLISH else {n: t for n, t in self.negatives.items() if n not in english}


def load_matching_data(directory: Path, model_cache: Path | None = None) -> MatchingData:
    """The lexicon and the out-of-scope examples shipped in `knowledge/`."""
    negatives_path = directory / NEGATIVES_FILE
    groups = _read_yaml(negatives_path).get("groups", {}) if negatives_path.exists() else {}
    negatives = {str(name): tuple(str(text) for text in texts) for name, texts in groups.items()}
    return MatchingData(Lexicon.load(directory / LEXICON_FILE), negatives, model_cache)


def build_matcher(
    intents: list[IntentTexts], data: MatchingData, english: list[IntentTexts] | None = None
) -> BilingualMatcher:
    """The Vietnamese matcher over the intents (with the shipped lexicon and negative examples) and,
    where entries have English texts, an English one beside it."""
    cache = data.model_cache
    vietnamese = Matcher(intents, data.lexicon, negatives=data.negatives_in(VIETNAMESE), learned=True, cache=cache)
    english_intents = [intent for intent in english or [] if intent.texts]
    if not english_intents:
        return BilingualMatcher(vietnamese)
    negatives = data.negatives_in(ENGLISH)
    return BilingualMatcher(
        vietnamese, Matcher(english_intents, Lexicon(), negatives=negatives, learned=True, cache=cache)
    )


def intent_texts(intent_id: str, question: str, paraphrases: list[str], answer: str) -> IntentTexts:
    """Matcher input for one entry: the question and paraphrases, with the answer as context."""
    texts = (question.strip(), *(p.strip() for p in paraphrases))
    return IntentTexts(intent_id, tuple(t for t in texts if t), answer.strip())


def intents_from_files(directory: Path, language: str = VIETNAMESE) -> list[IntentTexts]:
    """Published entries of `faq.yaml` as matcher input in one language, without a database (tools, tests)."""
    suffix = "_en" if language == ENGLISH else ""
    return [
        intent_texts(
            item["id"],
            item.get(f"question{suffix}", ""),
            item.get(f"paraphrases{suffix}", []),
            item.get(f"answer{suffix}", ""),
        )
        for item in _read_yaml(directory / FAQ_FILE)
        if item.get("status", PUBLISHED) == PUBLISHED
    ]


def matcher_from_files(directory: Path, model_cache: Path | None = None) -> BilingualMatcher:
    """The matcher over the published entries of the files as they are now, in both languages."""
    data = load_matching_data(directory, model_cache)
    return build_matcher(intents_from_files(directory), data, intents_from_files(directory, ENGLISH))


async def import_knowledge(session: AsyncSession, directory: Path) -> ImportReport:
    """Upsert categories, entries, seed paraphrases and glossary terms from the files.

    Paraphrases taught by volunteers are kept; seed paraphrases no longer in the files are removed.
    """
    categories = _read_yaml(directory / CATEGORIES_FILE)
    for item in categories:
        category = await session.get(FaqCategory, item["id"]) or FaqCategory(id=item["id"])
        category.title = item["title"]
        category.title_en = item.get("title_en", "")
        category.position = int(item.get("order", 0))
        session.add(category)
    await session.flush()

    entries = _read_yaml(directory / FAQ_FILE)
    paraphrase_count = 0
    for position, item in enumerate(entries):
        entry = await session.get(FaqEntry, item["id"], options=[selectinload(FaqEntry.paraphrases)])
        if entry is None:
            entry = FaqEntry(id=item["id"], paraphrases=[])
            session.add(entry)
        entry.category_id = item["category"]
        entry.question = item["question"].strip()
        entry.answer = item["answer"].strip()
        entry.question_en = item.get("question_en", "").strip()
        entry.answer_en = item.get("answer_en", "").strip()
        entry.source = item.get("source", "")
        entry.reviewed_on = _as_date(item.get("reviewed"))
        entry.status = item.get("status", PUBLISHED)
        entry.position = position
        wanted = {
            text: language
            for language, key in ((VIETNAMESE, "paraphrases"), (ENGLISH, "paraphrases_en"))
            for text in (p.strip() for p in item.get(key, []))
            if text
        }
        existing = {p.text: p for p in entry.paraphrases}
        for paraphrase in list(entry.paraphrases):
            if paraphrase.origin == SEED and paraphrase.text not in wanted:
                entry.paraphrases.remove(paraphrase)
        for text, language in wanted.items():
            if text in existing:
                existing[text].lang = language
            else:
                entry.paraphrases.append(FaqParaphrase(text=text, lang=language, origin=SEED, status=ACTIVE))
        paraphrase_count += len(wanted)
    await session.flush()

    terms = _read_yaml(directory / GLOSSARY_FILE)
    for item in terms:
        lang = item.get("lang", "vi")
        term = (
            await session.scalar(
                select(GlossaryTerm).where(GlossaryTerm.term == item["term"], GlossaryTerm.lang == lang)
            )
        ) or GlossaryTerm(term=item["term"], lang=lang)
        term.aliases = list(item.get("aliases", []))
        term.explanation = item["explanation"].strip()
        term.explanation_en = str(item.get("explanation_en", "")).strip()
        term.source = item.get("source", "")
        term.verified = bool(item.get("verified", True))
        term.reviewed_on = _as_date(item.get("reviewed"))
        session.add(term)
    await mark_changed(session, utcnow())
    return ImportReport(len(categories), len(entries), paraphrase_count, len(terms))


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


async def export_knowledge(session: AsyncSession, directory: Path) -> ImportReport:
    """Write the database's categories, entries (with active paraphrases) and glossary to files."""
    categories = (await session.scalars(select(FaqCategory).order_by(FaqCategory.position))).all()
    entries = (
        await session.scalars(
            select(FaqEntry).options(selectinload(FaqEntry.paraphrases)).order_by(FaqEntry.position, FaqEntry.id)
        )
    ).all()
    terms = (await session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.id))).all()
    category_rows = [
        {"id": c.id, "title": c.title, **({"title_en": c.title_en} if c.title_en else {}), "order": c.position}
        for c in categories
    ]
    faq: list[dict[str, Any]] = [
        {
            "id": e.id,
            "category": e.category_id,
            "question": e.question,
            "answer": e.answer + "\n",
            "source": e.source,
            "reviewed": e.reviewed_on,
            "status": e.status,
            "paraphrases": _active_texts(e, VIETNAMESE),
            **_english_fields(e),
        }
        for e in entries
    ]
    glossary = [
        {
            "term": t.term,
            "aliases": list(t.aliases),
            "explanation": t.explanation,
            "explanation_en": t.explanation_en,
            "lang": t.lang,
            "source": t.source,
            "verified": t.verified,
            "reviewed": t.reviewed_on,
        }
        for t in terms
    ]
    _write_files(directory, {CATEGORIES_FILE: category_rows, FAQ_FILE: faq, GLOSSARY_FILE: glossary})
    paraphrases = sum(len(f["paraphrases"]) + len(f.get("paraphrases_en", [])) for f in faq)
    return ImportReport(len(categories), len(entries), paraphrases, len(terms))


def _active_texts(entry: FaqEntry, language: str) -> list[str]:
    return [p.text for p in entry.paraphrases if p.status == ACTIVE and p.lang == language]


def _english_fields(entry: FaqEntry) -> dict[str, Any]:
    """The English question, answer and paraphrases of an exported entry, when it has them."""
    if not (entry.question_en or entry.answer_en):
        return {}
    return {
        "question_en": entry.question_en,
        "answer_en": entry.answer_en + "\n",
        "paraphrases_en": _active_texts(entry, ENGLISH),
    }


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line strings as readable `|` blocks."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def _write_files(directory: Path, files: dict[str, object]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        text = yaml.dump(data, Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False, width=100)
        (directory / name).write_text(text, encoding="utf-8")


async def knowledge_is_empty(session: AsyncSession) -> bool:
    """True before the first import."""
    return not await session.scalar(select(func.count()).select_from(FaqEntry))


async def load_knowledge(session: AsyncSession, data: MatchingData) -> KnowledgeBase:
    """Published entries with their active paraphrases, and a matcher built over them."""
    rows = (
        await session.scalars(
            select(FaqEntry)
            .where(FaqEntry.status == PUBLISHED)
            .options(selectinload(FaqEntry.paraphrases))
            .order_by(FaqEntry.position, FaqEntry.id)
        )
    ).all()
    category_rows = (await session.scalars(select(FaqCategory).order_by(FaqCategory.position))).all()
    entries = {e.id: Entry(e.id, e.category_id, e.question, e.answer, e.source, e.reviewed_on) for e in rows}
    english = {
        e.id: Entry(e.id, e.category_id, e.question_en, e.answer_en, e.source, e.reviewed_on)
        for e in rows
        if e.question_en and e.answer_en
    }
    intents = [intent_texts(e.id, e.question, _active_texts(e, VIETNAMESE), e.answer) for e in rows]
    english_intents = [intent_texts(e.id, e.question_en, _active_texts(e, ENGLISH), e.answer_en) for e in rows]
    categories = tuple(
        Category(c.id, c.title, tuple(e.id for e in rows if e.category_id == c.id), c.title_en) for c in category_rows
    )
    glossary = await load_glossary(session)
    voices = {(v.entry_id, v.lang): v.audio for v in await session.scalars(select(FaqVoiceAnswer))}
    # Training can take seconds: in a thread, so a running bot keeps answering with its current FAQ meanwhile.
    matcher = await asyncio.to_thread(build_matcher, intents, data, english_intents)
    return KnowledgeBase(entries, categories, tuple(intents), matcher, glossary, english, data, voices)


def preview_matcher(knowledge: KnowledgeBase, edited: IntentTexts) -> Matcher:
    """A Vietnamese matcher as it would be with one entry edited (or added): the lexical rule alone,
    built in about a second, where the published one also trains its classifier."""
    data = knowledge.matching or MatchingData(Lexicon(), {})
    intents = [i for i in knowledge.intents if i.id != edited.id] + [edited]
    return Matcher(intents, data.lexicon, negatives=data.negatives_in(VIETNAMESE))
