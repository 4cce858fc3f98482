"""Grid search of the matcher's weights and thresholds, never on the held-out evaluation set.

    python benchmarks/tune_matcher.py [--failures]

Tuning data: the development set (tests/data/dev.tsv), the same questions with synthetic typing
slips (a generic keyboard noise model, since real typos are rare in the written sets), plus
5-fold cross-validation over the
knowledge base's own paraphrases (each fold's paraphrases are matched against a matcher built
without them). tests/data/eval.tsv is held out to report honest numbers and is never read here.
"""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.knowledge.faq import intents_from_files, load_matching_data
from core.language.evaluation import Example, read_examples
from core.language.matcher import IntentTexts, Matcher, Thresholds, Weights, is_out_of_scope
from core.privacy import mask
from core.settings import PROJECT_ROOT

WRONG_COST = 3.0
# Stage 2 keeps a safety margin inside the targets (wrong <= 2%, out-of-scope rejected >= 95%).
MAX_WRONG = 0.01
MIN_REJECTED = 0.96
FOLDS = 5
EVERY_VIEW = Weights(*[1.0] * 4)
VIEW_NAMES = ["word_doc", "char_doc", "word_pool", "char_pool"]
WEIGHT_STEP = 0.1


_KEYBOARD_NEIGHBOURS = dict(
    zip(
        "qwertyuiopasdfghjklzxcvbnm",
        [
            "wa",
            "qes",
            "wrd",
            "etf",
            "ryg",
            "tuh",
            "yij",
            "uok",
            "ipl",
            "ok",
            "qsz",
            "awdx",
            "sefc",
            "drgv",
            "fthb",
            "gyjn",
            "hukm",
            "jil",
            "kop",
            "asx",
            "zsdc",
            "xdfv",
            "cfgb",
            "vghn",
            "bhjm",
            "njk",
        ],
        strict=True,
    )
)


def _slip(word: str, rng: random.Random) -> str:
    """One typing slip: a dropped, doubled, swapped or neighbouring letter."""
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "double", "swap", "neighbour"))
    if kind == "drop" and len(word) > 2:
        return word[:i] + word[i + 1 :]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "neighbour" and word[i] in _KEYBOARD_NEIGHBOURS:
        return word[:i] + rng.choice(_KEYBOARD_NEIGHBOURS[word[i]]) + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def typo_variants(examples: list[Example], seed: int = 20261129) -> list[Example]:
    """Each in-scope example with one or two slips in its longer words (a generic noise model)."""
    rng = random.Random(seed)
    noisy = []
    for example in examples:
        words = example.text.split()
        candidates = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
        if not example.in_scope or not candidates:
            continue
        for i in rng.sample(candidates, k=min(len(candidates), rng.choice((1, 2)))):
            words[i] = _slip(words[i], rng)
        noisy.append(Example(" ".join(words), example.intent, "synthetic_typos"))
    return noisy


def _views(matcher: Matcher, examples: list[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per example: the four view score rows, coverage, and the gold intent index (-1 out of scope)."""
    parts = [matcher.components(mask(e.text).text) for e in examples]
    ids = matcher.intent_ids
    gold = np.array([ids.index(e.intent) if e.in_scope else -1 for e in examples])
    return np.stack([p[0] for p in parts]), np.array([p[1] for p in parts]), gold


def _cross_validation(intents: list[IntentTexts], data, examples_out: list[Example]):
    """Views of every paraphrase, scored by a matcher trained without its fold."""
    views, coverage, gold = [], [], []
    for fold in range(FOLDS):
        train = [
            IntentTexts(i.id, (i.texts[0], *(t for n, t in enumerate(i.texts[1:]) if n % FOLDS != fold)), i.context)
            for i in intents
        ]
        held = [Example(t, i.id, "cv") for i in intents for n, t in enumerate(i.texts[1:]) if n % FOLDS == fold]
        held += [
            Example(t, "none", "cv") for g in data.negatives.values() for n, t in enumerate(g) if n % FOLDS == fold
        ]
        negatives = {name: [t for n, t in enumerate(g) if n % FOLDS != fold] for name, g in data.negatives.items()}
        matcher = Matcher(train, data.lexicon, weights=EVERY_VIEW, negatives=negatives)
        v, c, g = _views(matcher, held)
        views.append(v)
        coverage.append(c)
        gold.append(g)
        examples_out.extend(held)
    return np.concatenate(views), np.concatenate(coverage), np.concatenate(gold)


def _current(views, coverage, gold, examples, ids, show_failures: bool) -> None:
    """How the shipped defaults (Weights(), Thresholds()) do on the tuning data."""
    t = Thresholds()
    fused = np.einsum("v,evi->ei", Weights().vector(), views)
    fused = fused * (coverage**t.coverage_power)[:, None]
    order = np.argsort(-fused, axis=1)
    rows = np.arange(len(examples))
    top, second, best = fused[rows, order[:, 0]], fused[rows, order[:, 1]], order[:, 0]
    negative = np.array([is_out_of_scope(i) for i in ids])
    answered = (top >= t.answer) & (top >= second * (1 + t.margin)) & ~negative[best]
    in_scope = gold >= 0
    correct = answered & (best == gold)
    wrong = answered & (best != gold)
    print(
        f"shipped defaults: in-scope top-1 {correct[in_scope].mean():.1%}, wrong {wrong[in_scope].mean():.1%}, "
        f"out-of-scope rejected {(~answered[~in_scope]).mean():.1%}"
    )
    if show_failures:
        for i in np.flatnonzero((in_scope & ~correct) | (~in_scope & answered)):
            got = ids[best[i]] if answered[i] else "-"
            print(
                f"  [{examples[i].style}] {examples[i].text!r}: want {examples[i].intent}, best {ids[best[i]]} "
                f"{top[i]:.2f} (2nd {second[i]:.2f}), answered {got}"
            )


def _thresholds_on_dev(views, coverage, gold, negative, weights) -> None:
    """Stage 2: with the chosen views, calibrate the answer thresholds on real-style questions only.

    Picks the highest top-1 whose wrong-answer rate and out-of-scope rejection stay inside the
    targets with a safety margin (MAX_WRONG, MIN_REJECTED).
    """
    fused = np.einsum("v,evi->ei", weights, views)
    order = np.argsort(-fused, axis=1)
    rows = np.arange(len(gold))
    top, second, best = fused[rows, order[:, 0]], fused[rows, order[:, 1]], order[:, 0]
    in_scope = gold >= 0
    print(f"\nStage 2, dev only, views {weights.tolist()}: answer margin  top-1  wrong  oos-rejected")
    rows_out = []
    for answer, margin in itertools.product(np.arange(0.06, 0.21, 0.02), np.arange(0.0, 0.31, 0.025)):
        answered = (top >= answer) & (top >= second * (1 + margin)) & ~negative[best]
        top1 = (answered & (best == gold))[in_scope].mean()
        wrong = (answered & (best != gold))[in_scope].mean()
        rejected = (~answered)[~in_scope].mean()
        if wrong <= MAX_WRONG and rejected >= MIN_REJECTED:
            rows_out.append((top1, -wrong, answer, margin, rejected))
    for top1, wrong, answer, margin, rejected in sorted(rows_out, reverse=True)[:8]:
        print(f"{answer:6.2f} {margin:6.3f} {top1:6.1%} {-wrong:6.1%} {rejected:6.1%}")


def main() -> None:
    knowledge = PROJECT_ROOT / "knowledge"
    data = load_matching_data(knowledge)
    intents = intents_from_files(knowledge)
    matcher = Matcher(intents, data.lexicon, weights=EVERY_VIEW, negatives=data.negatives)
    examples = read_examples(PROJECT_ROOT / "tests" / "data" / "dev.tsv")
    examples += typo_variants(examples)
    dev_views, dev_coverage, dev_gold = _views(matcher, examples)
    cv_views, cv_coverage, cv_gold = _cross_validation(intents, data, examples)
    views = np.concatenate([dev_views, cv_views])
    coverage = np.concatenate([dev_coverage, cv_coverage])
    gold = np.concatenate([dev_gold, cv_gold])
    # Dev questions stand for real residents; cross-validation adds breadth. Each source counts half.
    weight = np.concatenate([np.full(len(dev_gold), len(cv_gold) / len(dev_gold)), np.ones(len(cv_gold))])
    negative = np.array([is_out_of_scope(i) for i in matcher.intent_ids])
    results = []
    units = round(1 / WEIGHT_STEP)
    for combo in itertools.product(range(units + 1), repeat=len(VIEW_NAMES) - 1):
        if sum(combo) > units:
            continue
        weights = np.array([*combo, units - sum(combo)]) * WEIGHT_STEP
        fused_raw = np.einsum("v,evi->ei", weights, views)
        for power in (0.0, 1.0):
            fused = fused_raw * (coverage**power)[:, None]
            order = np.argsort(-fused, axis=1)
            top = fused[np.arange(len(examples)), order[:, 0]]
            second = fused[np.arange(len(examples)), order[:, 1]]
            best = order[:, 0]
            answers = np.arange(0.06, 0.61, 0.02)
            margins = np.arange(0.0, 0.51, 0.05)
            grid = np.zeros((len(answers), len(margins), 3))
            for (a, answer), (m, margin) in itertools.product(enumerate(answers), enumerate(margins)):
                answered = (top >= answer) & (top >= second * (1 + margin)) & ~negative[best]
                correct = answered & (best == gold)
                wrong = answered & (best != gold)
                rejected = (gold == -1) & ~answered
                score = weight @ correct + weight @ rejected - WRONG_COST * (weight @ wrong)
                grid[a, m] = (score, correct.sum(), wrong.sum())
            padded = np.pad(grid[:, :, 0], 1, mode="edge")
            neighbours = [padded[i : i + len(answers), j : j + len(margins)] for i in range(3) for j in range(3)]
            smooth = np.mean(neighbours, axis=0)
            for a, m in itertools.product(range(len(answers)), range(len(margins))):
                results.append((smooth[a, m], *grid[a, m], *weights, power, answers[a], margins[m]))
    results.sort(key=lambda r: -r[0])
    _thresholds_on_dev(dev_views, dev_coverage, dev_gold, negative, np.array(results[0][4:8]))
    _current(views, coverage, gold, examples, matcher.intent_ids, "--failures" in sys.argv)
    n_in = int((gold >= 0).sum())
    print(f"{len(examples)} examples (dev + {FOLDS}-fold cross-validation), {n_in} in scope")
    print("Ranked by the score averaged over neighbouring thresholds (robust to the small set).")
    print("smooth score correct wrong  " + " ".join(VIEW_NAMES) + " cov_pow answer margin")
    for r in results[:15]:
        shown = " ".join(f"{value:{len(name)}.1f}" for name, value in zip(VIEW_NAMES, r[4:8], strict=True))
        print(f"{r[0]:6.1f} {r[1]:5.0f} {r[2]:7.0f} {r[3]:5.0f}  {shown} {r[8]:7.1f} {r[9]:6.2f} {r[10]:6.2f}")


if __name__ == "__main__":
    main()
