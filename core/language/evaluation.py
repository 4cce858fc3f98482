"""Scoring the matcher on a labelled question set (text, intent, style)."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.language.matcher import MatchResult

OUT_OF_SCOPE = "none"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    style: str

    @property
    def in_scope(self) -> bool:
        return self.intent != OUT_OF_SCOPE


def read_examples(path: Path) -> list[Example]:
    """Rows of a TSV file with the header `text<TAB>intent<TAB>style`."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Example(row["text"], row["intent"].strip(), row["style"].strip()) for row in reader]


@dataclass
class Tally:
    """Counts for one slice of the set."""

    in_scope: int = 0
    correct: int = 0
    wrong: int = 0
    out_of_scope: int = 0
    rejected: int = 0

    def add(self, example: Example, result: MatchResult) -> None:
        if example.in_scope:
            self.in_scope += 1
            self.correct += result.intent == example.intent
            self.wrong += result.intent is not None and result.intent != example.intent
        else:
            self.out_of_scope += 1
            self.rejected += result.intent is None

    @property
    def top1(self) -> float:
        return self.correct / self.in_scope if self.in_scope else 1.0

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.in_scope if self.in_scope else 0.0

    @property
    def rejection(self) -> float:
        return self.rejected / self.out_of_scope if self.out_of_scope else 1.0

    @property
    def accuracy(self) -> float:
        """Share of all rows handled right: correct in-scope answers plus rejected out-of-scope ones."""
        total = self.in_scope + self.out_of_scope
        return (self.correct + self.rejected) / total if total else 1.0


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by_style: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    failures: list[tuple[Example, MatchResult]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary."""
        o = self.overall
        out = [
            f"in-scope top-1: {o.top1:.1%} ({o.correct}/{o.in_scope})",
            f"wrong answers: {o.wrong_rate:.1%} ({o.wrong}/{o.in_scope})",
            f"out-of-scope rejected: {o.rejection:.1%} ({o.rejected}/{o.out_of_scope})",
            "",
            f"{'style':<16}{'top-1':>8}{'wrong':>8}{'oos rej':>9}{'overall':>9}{'n':>6}",
        ]
        for style in sorted(self.by_style):
            t = self.by_style[style]
            out.append(
                f"{style:<16}{t.top1:>8.1%}{t.wrong_rate:>8.1%}{t.rejection:>9.1%}{t.accuracy:>9.1%}"
                f"{t.in_scope + t.out_of_scope:>6}"
            )
        return out


def evaluate(examples: Iterable[Example], results: Sequence[MatchResult]) -> Report:
    """Tally matcher results against their labelled examples."""
    report = Report()
    for example, result in zip(examples, results, strict=True):
        report.overall.add(example, result)
        report.by_style[example.style].add(example, result)
        failed = result.intent != example.intent if example.in_scope else result.intent is not None
        if failed:
            report.failures.append((example, result))
    return report
