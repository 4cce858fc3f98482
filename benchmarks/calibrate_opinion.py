"""Calibrates when the classifier's second opinion may change the lexical verdict, on held-apart data only.

    python benchmarks/calibrate_opinion.py

Data: the development sets (tests/data/dev.tsv, and public_dev.tsv: public questions from pages the
held-out public set does not use) read by the shipped matcher, and 5-fold cross-validation
over the knowledge base's own paraphrases (each fold read by a matcher and a classifier built without
it). For every pair of thresholds (`agree`: a clarification becomes an answer when the classifier names
its first choice at least this surely; `veto`: an answer becomes a clarification when the classifier
names another class this surely; in a message of more than `long_words` words any disagreement does) it
prints how many readings are right and wrong, per language. tests/data/eval.tsv and public.tsv are held
out and never read here.
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
from core.language.matcher import SPECIAL_INTENTS, IntentTexts, Matcher, Thresholds
from core.privacy import mask
from core.settings import PROJECT_ROOT

FOLDS = 5
TUNING = ("dev.tsv", "public_dev.tsv")
AGREE = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
VETO = (0.4, 0.5, 0.6, 0.7, 0.8, 1.01)
LONG_WORDS = Thresholds().long_words
NONE = "none"


@dataclass(frozen=True)
class Reading:
    """What the lexical rule said and what the classifier said, for one labelled question."""

    gold: str
    action: str
    intent: str | None
    first: str | None
    refused: bool
    opinion: str
    probability: float
    words: int


def _read(matcher: Matcher, text: str, gold: str) -> Reading:
    tokens = matcher.normalizer.tokens(text)
    verdict = matcher.lexical_match(text, tokens)
    assert matcher.second_opinion is not None
    opinion = matcher.second_opinion.opinion(" ".join(tokens))
    first = verdict.suggestions[0] if verdict.suggestions else None
    refused = verdict.out_of_scope
    words = len(text.split())
    return Reading(gold, verdict.action, verdict.intent, first, refused, opinion.intent, opinion.probability, words)


def _decide(r: Reading, agree: float, veto: float) -> str | None:
    """The intent answered under these thresholds (the rule of `Matcher.match`)."""
    if r.refused:
        return None
    if r.action == "answer" and r.intent not in SPECIAL_INTENTS:
        disagrees = r.opinion != r.intent
        return None if disagrees and (r.probability >= veto or r.words > LONG_WORDS) else r.intent
    if r.intent is not None:  # a greeting, thanks, or a request for a person
        return r.intent
    return r.first if r.first == r.opinion and r.probability >= agree else None


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
    print(f"{'agree':>6}{'veto':>6}{'right':>8}{'wrong':>8}{'oos ok':>8}")
    for agree, veto in itertools.product(AGREE, VETO):
        answers = [_decide(r, agree, veto) for r in in_scope]
        right = sum(a == r.gold for a, r in zip(answers, in_scope, strict=True))
        wrong = sum(a is not None and a != r.gold for a, r in zip(answers, in_scope, strict=True))
        refused = sum(_decide(r, agree, veto) is None for r in outside)
        print(
            f"{agree:>6}{veto:>6}{right / len(in_scope):>8.1%}{wrong / len(in_scope):>8.1%}"
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
