"""Calibrates when the classifier's second opinion may change the lexical verdict, on held-apart data only.

    python benchmarks/calibrate_opinion.py

Data: the development sets (tests/data/dev.tsv, and public_dev.tsv: public questions from pages the
held-out public set does not use) read by the shipped matcher, and 5-fold cross-validation
over the knowledge base's own paraphrases (each fold read by a matcher and a classifier built without
it). The rule of `Matcher.match`: an FAQ answer needs the classifier to name the lexical first choice
at least `agree` surely (`sure` when its lexical score is under `floor` in a long message; or another offered intent
`prefer` surely), unless the lexical answer scores
at least `firm` and the classifier does not name another class `veto` surely. For every pair of
`agree` and `firm` it prints how many readings are right and wrong, per language.
tests/data/eval.tsv and public.tsv are held out and never read here.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.knowledge.faq import intents_from_files, load_matching_data
from core.language.bilingual import ENGLISH, VIETNAMESE
from core.language.evaluation import read_examples
from core.language.matcher import IntentTexts, Matcher, Thresholds
from core.privacy import mask
from core.settings import PROJECT_ROOT

FOLDS = 5
TUNING = ("dev.tsv", "public_dev.tsv")
AGREE = (0.2, 0.3, 0.35, 0.4, 0.45, 0.5)
FIRM = (0.12, 0.15, 0.18, 0.22, 1.01)
SHIPPED = Thresholds()
NONE = "none"


@dataclass(frozen=True)
class Reading:
    """What the lexical rule said and what the classifier said, for one labelled question."""

    gold: str
    action: str
    intent: str | None
    confidence: float
    offered: tuple[str, ...]
    refused: bool
    opinion: str
    probability: float
    words: int

    @property
    def first(self) -> str | None:
        """The lexical first choice among the offered intents."""
        return self.offered[0] if self.offered else None


def _read(matcher: Matcher, text: str, gold: str) -> Reading:
    tokens = matcher.normalizer.tokens(text)
    verdict = matcher.lexical_match(text, tokens)
    assert matcher.second_opinion is not None
    opinion = matcher.second_opinion.opinion(" ".join(tokens))
    return Reading(
        gold,
        verdict.action,
        verdict.intent,
        verdict.confidence,
        tuple(verdict.suggestions),
        verdict.out_of_scope,
        opinion.intent,
        opinion.probability,
        len(tokens),
    )


def _decide(r: Reading, agree: float, firm: float) -> str | None:
    """The intent answered under these thresholds (the rule of `Matcher.match`)."""
    if r.refused:
        return None
    if r.action != "answer" and r.intent is not None:  # a greeting, thanks, or a request for a person
        return r.intent
    first = r.intent if r.action == "answer" else r.first
    faint = r.confidence < SHIPPED.floor and r.words > SHIPPED.long_words
    agreed = r.probability >= (SHIPPED.sure if faint else agree)
    if first is not None and r.opinion == first and agreed:
        return first
    if r.action == "answer" and r.confidence >= firm and (r.opinion == first or r.probability < SHIPPED.veto):
        return first
    return r.opinion if r.opinion in r.offered[1:] and r.probability >= SHIPPED.prefer else None


def _cross_validated(intents: list[IntentTexts], language: str) -> list[Reading]:
    data = load_matching_data(PROJECT_ROOT / "knowledge")
    lexicon = data.lexicon if language == VIETNAMESE else type(data.lexicon)()
    readings: list[Reading] = []
    for fold in range(FOLDS):
        kept = [
            IntentTexts(i.id, tuple(t for n, t in enumerate(i.texts) if n == 0 or n % FOLDS != fold), i.context)
            for i in intents
        ]
        matcher = Matcher(kept, lexicon, negatives=data.negatives_in(language), learned=True)
        for intent in intents:
            for n, text in enumerate(intent.texts):
                if n and n % FOLDS == fold:
                    readings.append(_read(matcher, mask(text).text, intent.id))
    return readings


def _development(intents: list[IntentTexts], language: str) -> list[Reading]:
    data = load_matching_data(PROJECT_ROOT / "knowledge")
    lexicon = data.lexicon if language == VIETNAMESE else type(data.lexicon)()
    matcher = Matcher(intents, lexicon, negatives=data.negatives_in(language), learned=True)
    rows = [e for name in TUNING for e in read_examples(PROJECT_ROOT / "tests" / "data" / name)]
    wanted = [e for e in rows if (e.style == "english") == (language == ENGLISH)]
    return [_read(matcher, mask(e.text).text, e.intent) for e in wanted]


def _report(name: str, readings: list[Reading]) -> None:
    in_scope = [r for r in readings if r.gold != NONE]
    outside = [r for r in readings if r.gold == NONE]
    print(f"\n{name}: {len(in_scope)} in scope, {len(outside)} out of scope")
    print(f"{'agree':>6}{'firm':>6}{'right':>8}{'wrong':>8}{'oos ok':>8}")
    for agree, firm in itertools.product(AGREE, FIRM):
        answers = [_decide(r, agree, firm) for r in in_scope]
        right = sum(a == r.gold for a, r in zip(answers, in_scope, strict=True))
        wrong = sum(a is not None and a != r.gold for a, r in zip(answers, in_scope, strict=True))
        refused = sum(_decide(r, agree, firm) is None for r in outside)
        print(
            f"{agree:>6}{firm:>6}{right / len(in_scope):>8.1%}{wrong / len(in_scope):>8.1%}"
            f"{refused / max(1, len(outside)):>8.1%}"
        )


def main() -> None:
    folder = PROJECT_ROOT / "knowledge"
    for language in (VIETNAMESE, ENGLISH):
        intents = [i for i in intents_from_files(folder, language) if i.texts]
        _report(f"{language}, paraphrases cross-validated", _cross_validated(intents, language))
        _report(f"{language}, development sets", _development(intents, language))


if __name__ == "__main__":
    main()
