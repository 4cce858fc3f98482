"""Masking on a labelled table of realistic resident messages (tests/pii_cases.tsv), and its properties.

Each table row is `text<TAB>expect`: `keep` (nothing may be masked) or the comma-separated values that
must disappear from the masked text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.privacy import clean_for_storage, mask

CASES_FILE = Path(__file__).with_name("pii_cases.tsv")
KEEP = "keep"
MIN_ROWS = 200
MAX_GROWTH = 3  # the shortest masked value (a 4-digit code) becomes "[mã bí mật]", 11 characters


@dataclass(frozen=True)
class Case:
    """One labelled row: its text, the values that must disappear (none for a keep row), its line."""

    text: str
    secrets: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Score:
    """Must-mask values removed and keep rows left untouched."""

    removed: int
    secrets: int
    untouched: int
    keeps: int

    @property
    def recall(self) -> float:
        """Share of must-mask values that are gone from the masked text."""
        return self.removed / self.secrets

    @property
    def precision(self) -> float:
        """Share of keep rows whose text comes back unchanged."""
        return self.untouched / self.keeps


def read_cases(path: Path = CASES_FILE) -> list[Case]:
    """The table's rows, header skipped."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number == 1 or not line.strip():
            continue
        text, expect = line.split("\t")
        secrets = () if expect == KEEP else tuple(v for v in expect.split(",") if v)
        cases.append(Case(text, secrets, number))
    return cases


def score(mask_text: Callable[[str], str], cases: list[Case]) -> Score:
    """Recall and precision of a masking function on the table."""
    masked = [(case, mask_text(case.text)) for case in cases]
    return Score(
        removed=sum(secret not in out for case, out in masked for secret in case.secrets),
        secrets=sum(len(case.secrets) for case in cases),
        untouched=sum(out == case.text for case, out in masked if not case.secrets),
        keeps=sum(not case.secrets for case in cases),
    )


CASES = read_cases()


def _row_id(case: Case) -> str:
    return f"line{case.line}:{case.text[:40]}"


@pytest.mark.parametrize("case", [c for c in CASES if c.secrets], ids=_row_id)
def test_personal_data_disappears(case: Case) -> None:
    result = mask(case.text)
    leaked = [secret for secret in case.secrets if secret in result.text]
    assert not leaked, result.text
    assert result.found


@pytest.mark.parametrize("case", [c for c in CASES if not c.secrets], ids=_row_id)
def test_ordinary_text_is_kept_and_raises_no_warning(case: Case) -> None:
    result = mask(case.text)
    assert result.text == case.text
    assert not result.found
    assert not result.has_secret


def test_table_is_large_and_balanced() -> None:
    assert len(CASES) >= MIN_ROWS
    assert len({c.text for c in CASES}) == len(CASES)
    share = sum(bool(c.secrets) for c in CASES) / len(CASES)
    assert 0.4 <= share <= 0.6, share


def test_recall_and_precision_on_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    result = score(lambda text: mask(text).text, CASES)
    with capsys.disabled():
        print(
            f"\npii table: recall {result.recall:.1%} ({result.removed}/{result.secrets} values masked), "
            f"precision {result.precision:.1%} ({result.untouched}/{result.keeps} keep rows untouched)"
        )
    assert result.recall == 1.0
    assert result.precision == 1.0


_LETTERS = "abcdeghiklmnopqrstuvxyđăâêôơưáàảãạếềểễệốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵ AĐBCƯ"
_SURROUNDING = st.text(alphabet=_LETTERS + ",.?!:", max_size=30)
_TRICKY = st.sampled_from(
    [
        "²",
        "١٢٣",
        "０９１２",
        "０９１２３４５６７８",
        "mã",
        "otp",
        "mk là",
        " ",
        "0912345678",
        "năm 2024",
        "[mã bí mật]",
        "[số điện thoại]",
        "\u0303",
        "\u0301",
        "+",
        "(",
        "/",
        "-",
        ".",
        "2024",
        "482913",
        "không chín",
        "đ",
        "\x00",
        "\n",
    ]
)
_ANY_TEXT = st.one_of(
    st.text(max_size=200), st.lists(st.one_of(_TRICKY, st.text(max_size=5)), max_size=30).map("".join)
)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


@st.composite
def _phones(draw: st.DrawFn) -> str:
    """A Vietnamese mobile number in one of the ways residents write it."""
    rest = draw(st.sampled_from("35789")) + draw(_digits(8))
    local = "0" + rest
    return draw(
        st.sampled_from(
            [
                local,
                f"{local[:4]} {local[4:7]} {local[7:]}",
                f"{local[:4]}.{local[4:7]}.{local[7:]}",
                f"{local[:4]}-{local[4:7]}-{local[7:]}",
                f"({local[:3]}) {local[3:6]} {local[6:]}",
                f"+84{rest}",
                f"+84 {rest[:2]} {rest[2:5]} {rest[5:]}",
                f"84{rest}",
            ]
        )
    )


@st.composite
def _ids(draw: st.DrawFn) -> str:
    """A 12-digit CCCD number (province code 001-096 first), plain, spaced or dotted."""
    number = f"0{draw(st.integers(1, 96)):02d}{draw(_digits(9))}"
    groups = [number[i : i + 3] for i in range(0, 12, 3)]
    return draw(st.sampled_from([number, " ".join(groups), ".".join(groups), number[:6] + " " + number[6:]]))


@st.composite
def _kept(draw: st.DrawFn) -> str:
    """Numbers that are never personal: years after "năm", dates, decrees, money, service lines, versions."""
    year = draw(st.integers(1900, 2099))
    day, month = draw(st.integers(1, 28)), draw(st.integers(1, 12))
    return draw(
        st.sampled_from(
            [
                f"năm {year}",
                f"{day:02d}/{month:02d}/{year}",
                f"{day}-{month}-{year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{draw(st.integers(1, 200))}/{year}/NĐ-CP",
                f"{draw(st.integers(1, 99))}/{year}/TT-BCA",
                f"{draw(st.integers(1, 999))}.000 đồng",
                f"{draw(st.integers(1, 999))}.{draw(_digits(3))}.000 VND",
                f"1900 {draw(_digits(4))}",
                f"1800 {draw(_digits(4))}",
                f"phiên bản {draw(st.integers(1, 9))}.{draw(st.integers(0, 20))}.{draw(st.integers(0, 20))}",
                f"{draw(st.integers(1, 120))} tuổi",
            ]
        )
    )


@settings(max_examples=200, deadline=None)
@given(_ANY_TEXT)
def test_mask_never_raises_is_idempotent_and_bounded(text: str) -> None:
    once = mask(text).text
    assert mask(once).text == once
    assert len(once) <= MAX_GROWTH * len(text)
    assert len(clean_for_storage(text)) <= 2000


@settings(max_examples=200, deadline=None)
@given(_SURROUNDING, st.one_of(_phones(), _ids()), _SURROUNDING)
def test_a_phone_or_id_number_anywhere_is_removed(before: str, number: str, after: str) -> None:
    result = mask(f"{before} {number} {after}")
    assert not any(ch.isdigit() for ch in result.text), result.text
    assert result.found


@settings(max_examples=200, deadline=None)
@given(_SURROUNDING, _kept(), _SURROUNDING)
def test_years_dates_decrees_and_money_survive(before: str, kept: str, after: str) -> None:
    assert kept in mask(f"{before} {kept} {after}").text
