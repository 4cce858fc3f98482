"""Personal numbers and secret codes are masked before anything is stored."""

from __future__ import annotations

import pytest

from core.privacy import CODE, ID_NUMBER, OLD_ID_NUMBER, PHONE, clean_for_storage, mask


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


def test_a_year_is_masked_when_the_text_speaks_of_codes() -> None:
    assert "4829" not in mask("nhập mã 4829 mà báo sai").text


def test_secret_flag_is_for_ids_and_codes_not_phone_numbers() -> None:
    assert mask("mã otp 123456").has_secret
    assert mask("cccd 044095001234").has_secret
    assert not mask("số tôi 0912345678").has_secret


def test_storage_form_is_masked_printable_and_bounded() -> None:
    stored = clean_for_storage("otp 123456\x00\x07" + "a" * 5000)
    assert "123456" not in stored
    assert "\x00" not in stored and "\x07" not in stored
    assert len(stored) <= 2000
