"""What a message asks: the matcher's verdict on the whole message, and a second question when it holds two.

Residents write "the card is lost, and I got no activation code either": the message's answer comes with
the other problem offered as a button. Each clause is read alone, and only clauses answered confidently
on their own count. (Answering the first clause instead was measured on the dev set: it turned right
answers to long questions, whose first sentences tell a story, into wrong ones.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

from core.language.matcher import SPECIAL_INTENTS, MatchResult

MIN_CLAUSE_WORDS = 3
_CLAUSE_BREAKS = re.compile(
    r"[.?!;\n]+\s*|,\s*|\s+(?:với lại|ngoài ra|thêm nữa|còn nữa|voi lai|ngoai ra|them nua|con nua)\s+",
    re.IGNORECASE,
)


class Matches(Protocol):
    def match(self, text: str) -> MatchResult: ...


@dataclass(frozen=True)
class Reading:
    """The verdict to act on, and the FAQ intent of a second question in the same message (or None)."""

    result: MatchResult
    other: str | None = None


def clauses(text: str) -> list[str]:
    """The message's sentences and comma-separated clauses of at least `MIN_CLAUSE_WORDS` words."""
    return [part.strip() for part in _CLAUSE_BREAKS.split(text) if len(part.split()) >= MIN_CLAUSE_WORDS]


def _answers(result: MatchResult) -> bool:
    return result.action == "answer" and result.intent is not None and result.intent not in SPECIAL_INTENTS


def read(matcher: Matches, text: str, whole: MatchResult | None = None) -> Reading:
    """The whole message's verdict, with a second FAQ question one of its clauses asks; when the whole is
    unsure but two clauses each ask a different question, a choice of those questions. `whole` is the
    message's verdict when the caller has it already."""
    whole = whole or matcher.match(text)
    parts = clauses(text)
    if len(parts) < 2 or whole.out_of_scope or whole.intent in SPECIAL_INTENTS:
        return Reading(whole)
    found: list[MatchResult] = []
    for part in parts:
        result = matcher.match(part)
        if _answers(result) and all(result.intent != f.intent for f in found):
            found.append(result)
    intents = [f.intent for f in found if f.intent is not None]
    if _answers(whole):
        others = [i for i in intents if i != whole.intent]
        return Reading(whole, other=others[0] if others else None)
    if len(found) >= 2:  # two problems, neither sure for the whole message: both offered as choices
        offered = list(dict.fromkeys([*intents, *whole.suggestions]))[:3]
        return Reading(replace(whole, action="clarify", intent=None, suggestions=offered))
    return Reading(whole)
