"""Tolerant glossary lookup on the shipped glossary: every term is found by its name, without
diacritics, with a typo and by the start of its words; nonsense finds nothing; the terms of a text
come in the order they appear."""

from __future__ import annotations

from functools import cache

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from core.knowledge.glossary import Glossary, Term, folded_forms
from core.language.normalize import fold
from tests.fixtures import KNOWLEDGE_DIR


@cache
def shipped() -> Glossary:
    """The glossary as `kb import` loads it from knowledge/glossary.yaml."""
    rows = yaml.safe_load((KNOWLEDGE_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    return Glossary(
        Term(number, row["term"], row["explanation"], folded_forms(row["term"], row.get("aliases", [])))
        for number, row in enumerate(rows, start=1)
    )


@pytest.fixture
def glossary() -> Glossary:
    return shipped()


def test_the_shipped_glossary_has_the_key_terms(glossary: Glossary) -> None:
    assert len(glossary.terms) >= 60
    for word in (
        "OTP",
        "NFC",
        "mã kích hoạt",
        "SIM chính chủ",
        "người giám hộ",
        "hủy liên kết",
        "công an xã",
        "vân tay",
    ):
        assert glossary.lookup(word), word


def test_every_term_is_found_by_name_and_without_diacritics_first(glossary: Glossary) -> None:
    for term in glossary.terms:
        assert glossary.lookup(term.term)[0] == term
        assert glossary.lookup(fold(term.term).upper())[0] == term


def _one_typo(word: str, at: int) -> str:
    """The word with one letter left out (the commonest typo on a phone keyboard)."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    cut = letters[at % len(letters)]
    return word[:cut] + word[cut + 1 :]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_term_with_a_typo_is_still_found(data: st.DataObject) -> None:
    glossary = shipped()
    long_terms = [t for t in glossary.terms if len(fold(t.term)) >= 8]
    term: Term = data.draw(st.sampled_from(long_terms))
    typed = _one_typo(fold(term.term), data.draw(st.integers(min_value=0, max_value=50)))
    assert term in glossary.lookup(typed), typed


def test_partial_words_and_the_start_of_words(glossary: Glossary) -> None:
    assert glossary.lookup("kich hoa")[0].term in {t.term for t in glossary.lookup("kích hoạt")}
    assert any(t.term == "SIM chính chủ" for t in glossary.lookup("chinh chu"))


@pytest.mark.parametrize("nonsense", ["", "   ", "qqqqzzzz", "1234567", "x"])
def test_nonsense_finds_nothing(glossary: Glossary, nonsense: str) -> None:
    assert glossary.lookup(nonsense) == []


def test_the_terms_of_a_text_come_in_reading_order(glossary: Glossary) -> None:
    found = glossary.terms_in("Mở ứng dụng VNeID, nhập mã kích hoạt rồi đặt passcode.")
    names = [t.term for t in found]
    assert names.index("VNeID") < names.index("mã kích hoạt")
