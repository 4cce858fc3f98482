"""The matcher's learned second opinion: trained once, kept as arrays, read back the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.knowledge.faq import intents_from_files, load_matching_data
from core.language import classifier
from core.language.classifier import Classifier, trained
from core.language.evaluation import evaluate, read_examples
from core.language.matcher import Matcher
from core.privacy import mask
from tests.fixtures import DATA_DIR, KNOWLEDGE_DIR

QUESTIONS = ["quên mật khẩu vneid", "lam dinh danh o dau", "giá lúa hôm nay", "thẻ căn cước bị gãy"]


@pytest.fixture(scope="module")
def examples() -> tuple[list[str], list[str]]:
    intents = intents_from_files(KNOWLEDGE_DIR)
    texts = [text for intent in intents for text in intent.texts]
    labels = [intent.id for intent in intents for _ in intent.texts]
    return texts, labels


def test_a_saved_model_reads_back_with_the_same_opinions(examples: tuple[list[str], list[str]], tmp_path: Path) -> None:
    model = Classifier.train(*examples)
    model.save(tmp_path / "model.npz")
    again = Classifier.load(tmp_path / "model.npz")
    for question in QUESTIONS:
        assert again.opinion(question) == pytest.approx(model.opinion(question))
    assert {model.opinion(q).intent for q in QUESTIONS} <= set(examples[1])


def test_a_model_is_trained_once_and_then_read_from_the_cache(
    examples: tuple[list[str], list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = trained(*examples, tmp_path)
    [saved] = list(tmp_path.glob("classifier-*.npz"))
    monkeypatch.setattr(classifier, "_TRAINED", {})  # a new process: nothing in memory
    monkeypatch.setattr(Classifier, "train", _no_training)
    second = trained(*examples, tmp_path)
    assert second is not first and second.opinion(QUESTIONS[0]) == pytest.approx(first.opinion(QUESTIONS[0]))
    assert list(tmp_path.glob("classifier-*.npz")) == [saved]


def test_a_damaged_cache_file_is_replaced_by_a_fresh_model(
    examples: tuple[list[str], list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained(*examples, tmp_path)
    [saved] = list(tmp_path.glob("classifier-*.npz"))
    saved.write_bytes(b"not a model")
    monkeypatch.setattr(classifier, "_TRAINED", {})
    model = trained(*examples, tmp_path)
    assert model.opinion(QUESTIONS[0]).intent in set(examples[1])
    assert Classifier.load(saved).classes == model.classes


def test_different_texts_make_a_different_model(examples: tuple[list[str], list[str]], tmp_path: Path) -> None:
    texts, labels = examples
    trained(texts, labels, tmp_path)
    trained([*texts, "một câu mới"], [*labels, labels[0]], tmp_path)
    assert len(list(tmp_path.glob("classifier-*.npz"))) == 2


def test_the_second_opinion_answers_more_of_the_dev_set_without_more_wrong_answers() -> None:
    """On the tuning set's Vietnamese questions, the learned opinion answers more of them right than the
    lexical rule alone, and no more of them wrong."""
    data = load_matching_data(KNOWLEDGE_DIR)
    intents = intents_from_files(KNOWLEDGE_DIR)
    examples = [e for e in read_examples(DATA_DIR / "dev.tsv") if e.style != "english"]
    reports = {}
    for learned in (False, True):
        matcher = Matcher(intents, data.lexicon, negatives=data.negatives_in("vi"), learned=learned)
        reports[learned] = evaluate(examples, [matcher.match(mask(e.text).text) for e in examples]).overall
    assert reports[True].correct > reports[False].correct
    assert reports[True].wrong <= reports[False].wrong


def _no_training(texts: list[str], labels: list[str]) -> Classifier:
    raise AssertionError("trained again although the cache holds the model")
