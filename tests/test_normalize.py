"""Normalisation: folding, teencode, Central dialect, Telex leftovers, repeated letters, ages."""

from __future__ import annotations

import pytest

from core.knowledge.faq import load_matching_data
from core.language.normalize import CONCEPT_PREFIX, Normalizer, fold, has_marks
from tests.fixtures import KNOWLEDGE_DIR


class WordsOnly:
    """The normaliser's words without the synonym-group concept tokens (tested separately)."""

    def __init__(self, normalizer: WordsOnly) -> None:
        self._normalizer = normalizer

    def tokens(self, text: str) -> list[str]:
        return [t for t in self._normalizer.tokens(text) if not t.startswith(CONCEPT_PREFIX)]

    def text(self, text: str) -> str:
        return " ".join(self.tokens(text))


@pytest.fixture(scope="module")
def full() -> Normalizer:
    lexicon = load_matching_data(KNOWLEDGE_DIR).lexicon
    vocabulary = {"dinh", "danh", "kich", "hoat", "duoc", "dien", "thoai", "muc", "tai", "khoan", "khong"}
    return Normalizer(lexicon, vocabulary | lexicon.vocabulary())


@pytest.fixture(scope="module")
def normalizer(full: Normalizer) -> WordsOnly:
    return WordsOnly(full)


def test_fold_strips_marks_and_d_stroke() -> None:
    assert fold("Đăng KÝ Định Danh Điện Tử") == "dang ky dinh danh dien tu"
    assert fold("nhận được mã") == "nhan duoc ma"
    assert has_marks("mức 2") and not has_marks("muc 2")


def test_decomposed_and_composed_input_fold_alike(normalizer: WordsOnly) -> None:
    import unicodedata

    text = "Định danh điện tử"
    assert normalizer.tokens(unicodedata.normalize("NFD", text)) == normalizer.tokens(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ko nhan dc ma", "khong nhan duoc ma"),
        ("hok co sdt", "khong co so dien thoai"),
        ("quen mk", "quen mat khau minh"),
        ("đk tk", "dang ky dieu kien tai khoan"),
        ("dt bi mat", "dien thoai dinh danh doi tuong bi mat"),
        ("cccd", "can cuoc cong dan"),
        ("VNeID", "vneid"),
    ],
)
def test_abbreviations_expand_to_every_candidate(normalizer: WordsOnly, raw: str, expected: str) -> None:
    assert normalizer.text(raw) == expected


def test_dialect_words_with_marks_are_rewritten(normalizer: WordsOnly) -> None:
    assert normalizer.text("làm định danh ở mô") == "lam dinh danh o dau"
    assert normalizer.text("răng tui nỏ nhận được") == "sao toi khong nhan duoc"
    assert normalizer.text("mần chi rứa") == "lam gi the"
    assert normalizer.text("bao lăm tiền") == "bao nhieu tien"


def test_unmarked_dialect_words_keep_both_readings(normalizer: WordsOnly) -> None:
    assert normalizer.text("lam o mo") == "lam o dau"
    assert normalizer.text("rang khong duoc") == "rang sao khong duoc"


def test_marked_words_that_fold_like_dialect_stay_themselves(normalizer: WordsOnly) -> None:
    assert normalizer.text("mở ứng dụng") == "mo ung dung"
    assert normalizer.text("sim chính chủ") == "sim chinh chu"


def test_telex_leftovers_and_repeats_are_repaired(normalizer: WordsOnly) -> None:
    assert normalizer.text("ddinhj danh") == "dinh danh"
    assert normalizer.text("kichs hoatj") == "kich hoat"
    assert normalizer.text("điiiiện thoạiii") == "dien thoai"


def test_one_typing_slip_is_repaired_against_the_vocabulary(normalizer: WordsOnly) -> None:
    assert normalizer.text("dinh dnah") == "dinh danh"
    assert normalizer.text("khoong") == "khong"


def test_a_typo_the_training_texts_hold_rarely_is_read_as_its_common_word() -> None:
    """A paraphrase typed with a slip puts "khog" or "gif" in the vocabulary; seen a few times beside
    a common "khong" or "gi", it is still read as that word, and a final "g" as "ng"."""
    lexicon = load_matching_data(KNOWLEDGE_DIR).lexicon
    counts = {"khong": 800, "khog": 3, "gi": 120, "gif": 1, "dung": 250, "tk": 90, "tkf": 2, "rare": 1, "rareg": 1}
    normalizer = WordsOnly(Normalizer(lexicon, counts))
    assert normalizer.text("khog") == "khong"
    assert normalizer.text("gif") == "gi"
    assert normalizer.text("dug") == "dung"
    assert normalizer.text("tkf") == "tkf"  # "tk" is not a syllable: no slip of it
    assert normalizer.text("rareg") == "rareg"  # a rare word beside another rare one stays


def test_unknown_words_are_kept(normalizer: WordsOnly) -> None:
    assert normalizer.text("samsung galaxy") == "samsung galaxy"


def test_long_digit_runs_are_dropped_and_ages_classified(normalizer: WordsOnly) -> None:
    assert "012345678901" not in normalizer.tokens("so 012345678901")
    assert normalizer.tokens("con 10 tuoi")[-1] == "tuoitreem"
    assert normalizer.tokens("con 11t")[-2:] == ["tuoi", "tuoitreem"]
    assert normalizer.tokens("muoi bon tuoi")[-1] == "tuoitu14"
    assert normalizer.tokens("duoi 14 tuoi")[-1] == "tuoitreem"
    assert normalizer.tokens("18 tuổi")[-1] == "tuoitu14"


def test_synonyms_share_a_concept_token(full: Normalizer) -> None:
    def concepts(text: str) -> set[str]:
        return {t for t in full.tokens(text) if t.startswith(CONCEPT_PREFIX)}

    assert concepts("có tốn tiền không") & concepts("lệ phí bao nhiêu") == {"~money"}
    assert "~child" in concepts("con tui học lớp 3") & concepts("tre em duoi 14 tuoi")
    assert "~broken_lost" in concepts("máy hư rồi") & concepts("đánh rơi mất điện thoại")
    assert not concepts("xin chào")
