"""Scoring the matcher on a labelled question set (text, intent, style)."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.language.matcher import MatchResult

OUT_OF_SCOPE = "none"
COLUMNS = ("text", "intent", "style")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    style: str

    @property
    def in_scope(self) -> bool:
        return self.intent != OUT_OF_SCOPE


class ExamplesError(ValueError):
    """A labelled question file that cannot be read: missing, not UTF-8, without the header, or a bad row."""


def read_examples(path: Path) -> list[Example]:
    """Rows of a UTF-8 TSV file with the header `text<TAB>intent<TAB>style`; ExamplesError when malformed."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            if not set(COLUMNS) <= set(reader.fieldnames or ()):
                raise ExamplesError(f"{path}: the first line must be the header text<TAB>intent<TAB>style")
            examples = [_example(path, reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ExamplesError(f"{path}: cannot read ({error})") from error
    if not examples:
        raise ExamplesError(f"{path}: no rows after the header")
    return examples


def _example(path: Path, line: int, row: dict[Any, Any]) -> Example:
    """One data row: a value for every header column, and a non-empty text, intent and style."""
    if None in row or None in row.values() or not all(row[column].strip() for column in COLUMNS):
        raise ExamplesError(
            f"{path} line {line}: expected one tab-separated value per header column, "
            "with text, intent and style not empty"
        )
    return Example(row["text"], row["intent"].strip(), row["style"].strip())


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


def missed_targets(report: Report, min_right: float | None, max_wrong: float | None) -> list[str]:
    """The targets (percentages, 0-100) the report misses: in-scope top-1 below min_right, wrong answers above
    max_wrong; a target that is None is not checked."""
    o = report.overall
    missed = []
    if min_right is not None and o.correct * 100 < min_right * o.in_scope:
        missed.append(f"in-scope top-1 {o.top1:.1%} is below --min-right {min_right:g}%")
    if max_wrong is not None and o.wrong * 100 > max_wrong * o.in_scope:
        missed.append(f"wrong answers {o.wrong_rate:.1%} are above --max-wrong {max_wrong:g}%")
    return missed
