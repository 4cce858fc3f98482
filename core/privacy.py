"""Masking of personal numbers and secret codes before anything is stored, logged or relayed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.normalize import fold

ID_NUMBER = "id_number"
OLD_ID_NUMBER = "old_id_number"
PHONE = "phone"
CODE = "code"
NUMBER = "number"

_MASKS = {
    ID_NUMBER: "[số định danh]",
    OLD_ID_NUMBER: "[số CMND]",
    PHONE: "[số điện thoại]",
    CODE: "[mã bí mật]",
    NUMBER: "[dãy số]",
}
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\d(?:[ .\-]?\d){2,}(?!\w)")
_CODE_WORDS = re.compile(r"\b(ma|otp|code|passcode|pass|password|mat khau|mk|pin|kich hoat|xac thuc|xac nhan)\b")
_SECRET_AFTER_WORD = re.compile(
    r"(?i)\b(mật khẩu|mat khau|mk|pass(?:word|code)?|otp|mã|pin)(\s*(?:là|la|:|=)\s*)(\S{4,})"
)
SECRET_KINDS = frozenset({ID_NUMBER, OLD_ID_NUMBER, CODE})
MAX_STORED_CHARS = 2000


@dataclass(frozen=True)
class Masked:
    """Masked text and the kinds of personal data that were found."""

    text: str
    found: frozenset[str]

    @property
    def has_secret(self) -> bool:
        """True when the resident sent an ID number or a code: they deserve a kind warning."""
        return bool(self.found & SECRET_KINDS)


def _classify(raw: str, speaks_of_codes: bool) -> str | None:
    digits = re.sub(r"\D", "", raw)
    count = len(digits)
    if raw.startswith("+84") or (digits.startswith("84") and count == 11):
        return PHONE
    if count == 12:
        return ID_NUMBER
    if digits.startswith("0") and count in (10, 11):
        return PHONE
    if count == 9:
        return OLD_ID_NUMBER
    if 4 <= count <= 8 and speaks_of_codes:
        return CODE
    if count >= 7:
        return NUMBER
    return None


def mask(text: str) -> Masked:
    """Replace ID numbers, phone numbers and (when the text speaks of codes) OTPs and passwords."""
    speaks_of_codes = bool(_CODE_WORDS.search(fold(text)))
    found: set[str] = set()

    def _secret(match: re.Match[str]) -> str:
        value = match.group(3)
        if not any(ch.isdigit() for ch in value) and not re.search(r"[^\w]", value):
            return match.group(0)
        found.add(CODE)
        return f"{match.group(1)}{match.group(2)}{_MASKS[CODE]}"

    def _number(match: re.Match[str]) -> str:
        kind = _classify(match.group(0), speaks_of_codes)
        if kind is None:
            return match.group(0)
        found.add(kind)
        return _MASKS[kind]

    masked = _SECRET_AFTER_WORD.sub(_secret, text)
    masked = _DIGIT_RUN.sub(_number, masked)
    return Masked(masked, frozenset(found))


def clean_for_storage(text: str) -> str:
    """Masked, without control characters, and truncated to a storable size."""
    printable = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    masked = mask(printable).text
    if len(masked) > MAX_STORED_CHARS:
        return masked[: MAX_STORED_CHARS - 1] + "…"
    return masked
