"""The questions the bot could not answer well, grouped by similarity, most asked first, so an admin
teaches the bot what residents ask most.

Which questions: exactly those `measures.is_unanswered()` counts (clarified, not understood, or
marked 👎) among the residents' messages of the scope (`measures.in_scope`), the most recent
`MAX_QUESTIONS` of them.

How they are grouped (no database; numpy for the comparisons):

1. Each question is normalised as the matcher reads words: lowercased, split into words, Vietnamese
   marks stripped and đ turned into d (`core.language.normalize.words` and `fold`). Questions with
   the same normalised text are one *form*, and a form is never split between groups.
2. A form is described by the set of character trigrams of its words, each word padded with a
   space (" ma", "may", "ay " for "máy"). Word order does not matter, and a typo or a missing word
   changes only a few trigrams.
3. Forms are taken most asked first (then shortest, then alphabetically, so the result does not
   depend on the order of the rows). Each joins the group whose first form, its *seed*, is most
   similar to it when their Jaccard similarity |A ∩ B| / |A ∪ B| is at least `THRESHOLD` (0.6);
   otherwise it seeds a new group. Comparing with seeds only, never with every member, keeps a group
   from drifting through chains of small changes. At 0.6 the spellings of one question (with or
   without marks, a typo or two, an added "ạ" or "vneid") stay together, and questions that share
   only a polite frame ("cho em hỏi cách ...") fall apart. Among the FAQ's own paraphrases, 0.6 keeps
   four in five pairs it joins within one entry (0.5: under two in three). Two questions differing
   in one short word of a long shared frame can still be joined: the admin sees every member.
4. A form is compared with every seed at once: the seeds' trigrams are kept as a bit matrix, so the
   overlaps with all seeds are one sum. 5,000 varied questions group in well under a second (off
   the event loop: `unanswered_groups` runs it in a thread).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.language.normalize import fold, words
from core.stats.measures import in_scope, is_unanswered
from core.stats.period import Scope
from models import MessageLog

THRESHOLD = 0.6  # the Jaccard similarity that joins a seed's group (see the module docstring)
MAX_QUESTIONS = 5000  # the most recent unanswered questions of the scope that are grouped
MAX_MEMBERS = 10  # distinct texts kept per group, most asked first
MAX_WORDS = 40  # a long letter is compared by its first words (its form is still its whole text)
_EPSILON = 1e-9

CLARIFIED = "clarified"
NOT_UNDERSTOOD = "not_understood"
THUMBS_DOWN = "thumbs_down"


@dataclass(frozen=True)
class Question:
    """One unanswered question as the message log has it (text masked)."""

    text: str
    created_at: datetime
    commune: str | None = None
    intent: str | None = None
    action: str | None = None
    feedback: str | None = None


@dataclass(frozen=True)
class Group:
    """Questions that say the same thing.

    `text` is the member asked most often (the shortest, then the first alphabetically, on a tie);
    `members` the distinct texts, most asked first, at most `MAX_MEMBERS` of the `distinct` ones;
    `reasons` how many were clarified, not understood, marked 👎 (one question may be both clarified
    and marked 👎); `intents` what the bot guessed, when it guessed."""

    text: str
    count: int
    members: tuple[tuple[str, int], ...]
    distinct: int
    latest: datetime
    communes: tuple[str, ...]
    reasons: dict[str, int] = field(default_factory=dict)
    intents: tuple[tuple[str, int], ...] = ()


def normalised(text: str, folded: dict[str, str] | None = None) -> str:
    """The text as the grouping compares it: lowercase words without marks, single spaces (`folded`
    caches each word's folding; questions share most of their words)."""
    cache = {} if folded is None else folded
    out = []
    for word in words(text):
        plain = cache.get(word)
        if plain is None:
            plain = cache[word] = fold(word)
        out.append(plain)
    return " ".join(out)


def _word_trigrams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(padded[i : i + 3] for i in range(len(padded) - 2))


def trigrams(form: str, known: dict[str, tuple[str, ...]] | None = None) -> frozenset[str]:
    """The character trigrams of each word of a normalised text, each word padded with a space (the
    first `MAX_WORDS` words; `known` caches each word's trigrams)."""
    cache = {} if known is None else known
    out: set[str] = set()
    for word in form.split()[:MAX_WORDS]:
        found = cache.get(word)
        if found is None:
            found = cache[word] = _word_trigrams(word)
        out.update(found)
    return frozenset(out)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two trigram sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _reasons(question: Question) -> list[str]:
    out = []
    if question.action == "clarify":
        out.append(CLARIFIED)
    if question.action == "escalate" and question.intent is None:
        out.append(NOT_UNDERSTOOD)
    if question.feedback == "down":
        out.append(THUMBS_DOWN)
    return out


def _display(text: str) -> str:
    return " ".join(text.split())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _cluster(forms: Sequence[str]) -> list[list[str]]:
    """Forms (already in processing order) grouped around seeds, as the module docstring says.

    A matrix has one row per trigram and one column per seed (a byte each), so a form's overlap with
    every seed is the sum of its trigrams' rows. A trigram of a single form can overlap nothing: it
    counts in the form's size only, which keeps the matrix small (a few MB for thousands of questions)."""
    known: dict[str, tuple[str, ...]] = {}
    features = [trigrams(form, known) for form in forms]
    shared = sorted(t for t, n in Counter(t for mine in features for t in mine).items() if n > 1)
    vocabulary = {t: i for i, t in enumerate(shared)}
    rows = [np.array(sorted(vocabulary[t] for t in mine if t in vocabulary), dtype=np.intp) for mine in features]
    seeded = np.zeros((len(vocabulary), 64), dtype=np.uint8)
    seed_sizes = np.zeros(64, dtype=np.float64)
    groups: list[list[str]] = []
    for form, mine, size in zip(forms, rows, map(len, features), strict=True):
        seeds = len(groups)
        if seeds and len(mine):
            overlap = np.add.reduce(seeded[mine, :seeds], axis=0, dtype=np.uint16)
            score = overlap / (size + seed_sizes[:seeds] - overlap)
            best = int(np.argmax(score))  # the first seed on a tie
            if score[best] >= THRESHOLD - _EPSILON:
                groups[best].append(form)
                continue
        if seeds == seeded.shape[1]:
            seeded = np.concatenate([seeded, np.zeros_like(seeded)], axis=1)
            seed_sizes = np.concatenate([seed_sizes, np.zeros_like(seed_sizes)])
        seeded[mine, seeds] = 1
        seed_sizes[seeds] = size
        groups.append([form])
    return groups


def group_questions(questions: Iterable[Question], limit: int | None = None) -> list[Group]:
    """Group questions by similarity (see the module docstring); the groups most asked first, then the
    most recently asked, at most `limit` of them. The result depends only on the questions, not on
    their order."""
    by_form: dict[str, list[Question]] = {}
    folded: dict[str, str] = {}
    for question in questions:
        by_form.setdefault(normalised(question.text, folded), []).append(question)
    sizes = Counter({form: len(members) for form, members in by_form.items()})
    forms = sorted(by_form, key=lambda form: (-sizes[form], len(form), form))
    groups = [_group([q for form in cluster for q in by_form[form]]) for cluster in _cluster(forms)]
    groups.sort(key=lambda g: (-g.count, -g.latest.timestamp(), g.text))
    return groups if limit is None else groups[:limit]


def _group(members: list[Question]) -> Group:
    texts = Counter(_display(q.text) for q in members)
    ranked = sorted(texts.items(), key=lambda item: (-item[1], len(item[0]), item[0]))
    reasons = Counter(reason for q in members for reason in _reasons(q))
    intents = Counter(q.intent for q in members if q.intent)
    return Group(
        text=ranked[0][0],
        count=len(members),
        members=tuple(ranked[:MAX_MEMBERS]),
        distinct=len(ranked),
        latest=max(_aware(q.created_at) for q in members),
        communes=tuple(sorted({q.commune for q in members if q.commune})),
        reasons=dict(sorted(reasons.items())),
        intents=tuple(sorted(intents.items(), key=lambda item: (-item[1], item[0]))[:3]),
    )


async def unanswered_questions(session: AsyncSession, scope: Scope, most: int = MAX_QUESTIONS) -> list[Question]:
    """The scope's unanswered questions, most recent first, at most `most` of them."""
    query = in_scope(
        select(
            MessageLog.text_masked,
            MessageLog.created_at,
            MessageLog.commune,
            MessageLog.intent,
            MessageLog.action,
            MessageLog.feedback,
        ),
        scope,
    ).where(is_unanswered())
    query = query.order_by(MessageLog.created_at.desc(), MessageLog.id.desc()).limit(most)
    return [Question(*row) for row in await session.execute(query)]


async def unanswered_groups(session: AsyncSession, scope: Scope, limit: int = 100) -> list[Group]:
    """The scope's unanswered questions grouped by similarity, the `limit` most asked groups first."""
    return await asyncio.to_thread(group_questions, await unanswered_questions(session, scope), limit)
