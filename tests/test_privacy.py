"""Personal numbers and secret codes are masked before anything is stored."""

from __future__ import annotations

import pytest
import yaml

from core.privacy import CODE, ID_NUMBER, NUMBER, OLD_ID_NUMBER, PHONE, clean_for_storage, mask
from tests.fixtures import KNOWLEDGE_DIR


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("số căn cước của tôi là 044095001234", ID_NUMBER, "044095001234"),
        ("cccd 044 095 001 234 nha", ID_NUMBER, "044 095 001 234"),
        ("cmnd cũ 194512345", OLD_ID_NUMBER, "194512345"),
        ("sdt 0912345678 không nhận được", PHONE, "0912345678"),
        ("số 0912.345.678", PHONE, "0912.345.678"),
        ("gọi +84912345678 giúp", PHONE, "+84912345678"),
        ("mã OTP là 482913 đúng không", CODE, "482913"),
        ("ma kich hoat 5521", CODE, "5521"),
        ("mật khẩu: Abc@12345", CODE, "Abc@12345"),
        ("passcode 123456", CODE, "123456"),
    ],
)
def test_personal_data_is_masked(text: str, kind: str, secret: str) -> None:
    result = mask(text)
    assert secret not in result.text
    assert kind in result.found


def test_short_numbers_without_code_words_are_kept() -> None:
    result = mask("con tôi 10 tuổi, năm 2024 đi làm định danh mức 2")
    assert result.text == "con tôi 10 tuổi, năm 2024 đi làm định danh mức 2"
    assert not result.found


def test_a_code_right_after_a_code_word_is_masked() -> None:
    assert "4829" not in mask("nhập mã 4829 mà báo sai").text
    assert "2024" not in mask("mã otp là 2024 mà báo sai").text  # even when it looks like a year


@pytest.mark.parametrize(
    "text",
    [
        "mã OTP hết hạn từ năm 2024 rồi hả",
        "Theo Nghị định 59/2022/NĐ-CP, mã OTP được gửi về số điện thoại chính chủ",
        "nhập mã 6 số, gọi tổng đài 1900 0368 nếu không nhận được (hướng dẫn 12/2025)",
        "mà 2024 mới làm được hả",
        "má tui sinh 1960 có làm được không",
    ],
)
def test_years_dates_and_decrees_are_kept_even_near_code_words(text: str) -> None:
    result = mask(text)
    assert result.text == text
    assert not result.has_secret


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("sdt0912345678", PHONE, "0912345678"),
        ("(091) 234 5678", PHONE, "234 5678"),
        ("+84 91 234 5678", PHONE, "234 5678"),
        ("cccd012345678901", ID_NUMBER, "012345678901"),
        ("mật khẩu của em là Hoa@2024", CODE, "Hoa@2024"),
        ("mk la conmeo", CODE, "conmeo"),
        ("tin nhắn gửi về 482913", CODE, "482913"),
        ("không chín một hai ba bốn năm sáu bảy tám", PHONE, "bảy tám"),
        ("tai khoan 19036789012345", NUMBER, "19036789012345"),
    ],
)
def test_formats_that_used_to_slip_through(text: str, kind: str, secret: str) -> None:
    result = mask(text)
    assert secret not in result.text
    assert kind in result.found


def _bot_texts() -> list[str]:
    faq = yaml.safe_load((KNOWLEDGE_DIR / "faq.yaml").read_text(encoding="utf-8"))
    glossary = yaml.safe_load((KNOWLEDGE_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    texts = [e[key] for e in faq for key in ("question", "answer", "source") if e.get(key)]
    return texts + [t[key] for t in glossary for key in ("explanation", "source") if t.get(key)]


def test_the_bots_own_answers_and_sources_are_stored_unchanged() -> None:
    changed = [text for text in _bot_texts() if mask(text).text != text or mask(text).found]
    assert not changed, changed[:3]


def test_secret_flag_is_for_ids_and_codes_not_phone_numbers() -> None:
    assert mask("mã otp 123456").has_secret
    assert mask("cccd 044095001234").has_secret
    assert not mask("số tôi 0912345678").has_secret


def test_storage_form_is_masked_printable_and_bounded() -> None:
    stored = clean_for_storage("otp 123456\x00\x07" + "a" * 5000)
    assert "123456" not in stored
    assert "\x00" not in stored and "\x07" not in stored
    assert len(stored) <= 2000
