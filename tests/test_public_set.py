"""The public-questions set (`tests/data/public.tsv`): real questions people asked in public, each with
its source. It is held out: used only for the final report in the README, never for tuning, so this
file checks its shape and that it stays out of the training data, not the matcher's score on it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.knowledge.faq import intents_from_files, load_matching_data
from core.language.evaluation import OUT_OF_SCOPE, read_examples
from core.language.normalize import Normalizer, fold
from tests.fixtures import DATA_DIR, KNOWLEDGE_DIR

PUBLIC = DATA_DIR / "public.tsv"
TUNING = DATA_DIR / "public_dev.tsv"  # the same kind of questions, from other pages, for tuning
STYLES = {"standard", "no_diacritics", "teencode", "dialect", "typos", "simple"}


def _rows(path: Path = PUBLIC) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("path", [PUBLIC, TUNING], ids=lambda p: p.name)
def test_every_public_question_has_a_source_a_label_and_a_style(path: Path) -> None:
    rows = _rows(path)
    assert rows and list(rows[0]) == ["text", "intent", "style", "source"]
    assert all(row["source"].startswith(("http://", "https://")) for row in rows)
    assert all(row["style"] in STYLES and row["intent"] and row["text"].strip() for row in rows)
    assert len({" ".join(fold(row["text"]).split()) for row in rows}) == len(rows), "duplicate questions"
    assert len(read_examples(path)) == len(rows)  # the eval command reads it as it is


def test_the_held_out_questions_share_no_page_with_the_tuning_questions() -> None:
    assert len(_rows()) >= 150
    assert not {row["source"] for row in _rows()} & {row["source"] for row in _rows(TUNING)}


def test_no_public_question_is_in_the_training_data() -> None:
    normalizer = Normalizer(load_matching_data(KNOWLEDGE_DIR).lexicon)

    training = {normalizer.text(t) for intent in intents_from_files(KNOWLEDGE_DIR) for t in intent.texts}
    leaked = [row["text"] for row in _rows() if normalizer.text(row["text"]) in training]
    assert not leaked, f"{len(leaked)} public questions were copied into the knowledge base"


def test_the_public_set_has_questions_in_and_out_of_scope() -> None:
    examples = read_examples(PUBLIC)
    assert sum(e.intent == OUT_OF_SCOPE for e in examples) >= 10
    assert sum(e.intent != OUT_OF_SCOPE for e in examples) >= 50
