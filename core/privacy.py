"""Masking of personal numbers and secret codes before anything is stored, logged or relayed.

The text is read through a view with one character per grapheme, in two spellings: lowercase NFC
(`low`, keeps "mã" apart from "mà") and folded (`flat`, so "sđt", "SDT" and a decomposed "mã" look alike).
Three readers propose spans to mask:

* digit chains ("0912 345 678", "(091) 234 5678", "+84 91 234 5678", "cccd012345678901"): neighbouring
  groups joined by one kind of separator are tried together; 12 digits is an ID, 0 + 9-10 digits or
  (+)84 + 9 digits a phone, 9 digits an old CMND, a lone run of 7+ digits a number;
* a code word ("mã", "otp", "mật khẩu", "mk", "pass", "tin nhắn gửi về" ...) followed, through a few
  filler words ("của em là", ":"), by a 4-8 digit code or a password ("Hoa@2024"; letters only after
  "mật khẩu là");
* six or more spelled digits in a row ("không chín một hai ba bốn ...").

Years, dates, decree numbers (69/2024/NĐ-CP), money, versions, ticket numbers, ages, counts and 1900/1800
service numbers are kept: none has a personal length, a code needs a code word right before it, and numbers
joined by "/", ".", "-" or "," never make a code. Decision: a year-like number right after a code word
("mã 2024", "otp 2024") is masked as a code; a leaked OTP costs more than a hidden year, and residents
write years after "năm", never after "mã".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.language.i18n import N_, Translate
from core.language.normalize import fold, is_syllable

ID_NUMBER = "id_number"
OLD_ID_NUMBER = "old_id_number"
PHONE = "phone"
CODE = "code"
NUMBER = "number"

_MASKS = {  # stored as they are (Vietnamese); `masks_in_language` words them for another reader
    ID_NUMBER: N_("[số định danh]"),
    OLD_ID_NUMBER: N_("[số CMND]"),
    PHONE: N_("[số điện thoại]"),
    CODE: N_("[mã bí mật]"),
    NUMBER: N_("[dãy số]"),
}
SECRET_KINDS = frozenset({ID_NUMBER, OLD_ID_NUMBER, CODE})
MAX_STORED_CHARS = 2000

_NEUTRAL = "\x00"  # stands for an earlier mask in the view: neither a word, a digit nor a filler
_PLACEHOLDER = re.compile("|".join(re.escape(m) for m in _MASKS.values()))
_CLUSTER = re.compile(r"(?s).[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]*")
_GROUP = re.compile(r"\d+")
_SEP = re.compile(r"\)?[ \t]{0,2}(?:[.,\-/][ \t]{0,2})?\(?")
_YEAR = re.compile(r"(?:19|20)\d\d")
_UNIT = re.compile(
    r"[ \t]?(?:đồng|dong|đ|d|vnđ|vnd|k|nghìn|nghin|ngàn|ngan|triệu|trieu|tr|tỷ|tỉ|usd|người|nguoi|lượt|luot|hộ)"
    r"(?![^\W\d_])"
)
_PASSWORD_CUES = r"mat\s*khau|mat\s*ma|mk|pass(?:word|code)?|pwd?"
_CUES = rf"{_PASSWORD_CUES}|otp|code|ma|kich\s*hoat|xac\s*(?:thuc|nhan)|tin\s*nhan|sms|gui\s*ve|nhan\s*(?:duoc|dc)"
_FILLER_WORDS = (
    r"la|cua|em|e|anh|a|chi|c|toi|tui|t|minh|mik|con|tao|bac|me|ma|bo|ba|o|mi|chau|ong|co|chu|cau|ad|ban|b"
    r"|moi|cu|vua|nay|ni|do|day|ne|otp|sms|pin|so|vneid|kich\s+hoat|xac\s+(?:thuc|nhan)|dang\s+(?:nhap|ky)"
    r"|nhap|vao|gui(?:\s+ve)?|ve|den|nhan(?:\s+(?:duoc|dc))?|duoc|dc|nhu\s+sau|han|no|dt|sdt|dien\s+thoai|may"
)
_FILL_PUNCT = r"\s:=\-,.'\"“”("
_FILL = rf"(?:[{_FILL_PUNCT}]++(?:(?:{_FILLER_WORDS})(?=[{_FILL_PUNCT}]|$))?){{0,8}}+"
_CUE_TAIL = re.compile(rf"\b(?P<cue>{_CUES})(?P<fill>{_FILL})$")
_SECRET = re.compile(rf"\b(?P<cue>{_CUES})(?=(?P<fill>{_FILL})(?P<value>[^\s{_NEUTRAL}]+))")
_ASSIGN = re.compile(r"\bla\b|[:=]")
_NOT_PASSWORDS = frozenset({"vneid", "passcode", "password", "otp", "sms", "bnhiu", "baonhieu", "ntn", "thenao"})
_PLAIN_PUNCT = set("-./,:#%()")
_WORD_OR_DIGITS = re.compile(r"[^\W\d_]+|\d+")
_DIGIT_WORDS = {
    **dict.fromkeys(("không", "khong"), "0"),
    **dict.fromkeys(("một", "mot", "mốt"), "1"),
    "hai": "2",
    "ba": "3",
    **dict.fromkeys(("bốn", "bon", "tư", "tu"), "4"),
    **dict.fromkeys(("năm", "nam", "lăm", "lam"), "5"),
    **dict.fromkeys(("sáu", "sau"), "6"),
    **dict.fromkeys(("bảy", "bẩy", "bay"), "7"),
    **dict.fromkeys(("tám", "tam"), "8"),
    **dict.fromkeys(("chín", "chin"), "9"),
}
_SPELLED_RUN = 6
_CODE_DIGITS = range(4, 9)
_MAX_PASSES = 8
_EDGE = " \t\n.,!?:"

_Span = tuple[int, int, str]


@dataclass(frozen=True)
class Masked:
    """Masked text and the kinds of personal data that were found."""

    text: str
    found: frozenset[str]

    @property
    def has_secret(self) -> bool:
        """True when the resident sent an ID number or a code: they deserve a kind warning."""
        return bool(self.found & SECRET_KINDS)


@dataclass(frozen=True)
class _View:
    """The text one grapheme per character: `low` (NFC lowercase), `flat` (folded), original `starts`."""

    low: str
    flat: str
    starts: list[int]


def _view(text: str) -> _View:
    protected = [False] * (len(text) + 1)
    for m in _PLACEHOLDER.finditer(text):
        protected[m.start() : m.end()] = [True] * (m.end() - m.start())
    low: list[str] = []
    flat: list[str] = []
    starts: list[int] = []
    for m in _CLUSTER.finditer(text):
        starts.append(m.start())
        if protected[m.start()]:
            low.append(_NEUTRAL)
            flat.append(_NEUTRAL)
            continue
        c = unicodedata.normalize("NFC", m.group()).lower()
        c = c if len(c) == 1 else m.group()[0].lower()[:1]
        f = fold(c)
        low.append(c)
        flat.append(f if len(f) == 1 else c)
    starts.append(len(text))
    return _View("".join(low), "".join(flat), starts)


def _digits(raw: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) for ch in raw)


def _personal(digits: str, plus: bool) -> str | None:
    """The kind of a personal number with these digits, or None (1900/1800 service lines are not personal)."""
    n = len(digits)
    if digits.startswith(("1900", "1800")) and n in (8, 10):
        return None
    if (plus and 8 <= n <= 15) or (digits.startswith("84") and n == 11):
        return PHONE
    if n == 12:
        return ID_NUMBER
    if digits.startswith("0") and n in (10, 11):
        return PHONE
    return OLD_ID_NUMBER if n == 9 else None


def _cue_before(view: _View, end: int) -> re.Match[str] | None:
    """The code word (and fillers) that ends exactly at `end`, if any."""
    pos = max(0, end - 80)
    while (m := _CUE_TAIL.search(view.flat, pos, end)) is not None:
        if _real_cue(view, m):
            return m
        pos = m.start() + 1
    return None


def _real_cue(view: _View, m: re.Match[str]) -> bool:
    """ "mã" is a code word, "mà" (but), "má"/"mạ" (mother) are not."""
    return m.group("cue") != "ma" or view.low[m.start("cue") : m.end("cue")] in ("mã", "ma")


def _sep_key(sep: str) -> str | None:
    """What joins two digit groups: " ", ".", "-", "/", ","; "*" around brackets; None for a list ("1, 2")."""
    if "(" in sep or ")" in sep:
        return "*"
    core = sep.strip(" \t")
    if not core:
        return " "
    return None if core == "," and core != sep else core


def _chains(flat: str) -> list[list[tuple[int, int, str | None]]]:
    """Digit groups (start, end, key of the separator before) chained by short separators."""
    chains: list[list[tuple[int, int, str | None]]] = []
    for m in _GROUP.finditer(flat):
        last = chains[-1][-1] if chains else None
        if last is not None and _SEP.fullmatch(flat, last[1], m.start()):
            chains[-1].append((m.start(), m.end(), _sep_key(flat[last[1] : m.start()])))
        else:
            chains.append([(m.start(), m.end(), None)])
    return chains


def _chain_spans(view: _View, chain: list[tuple[int, int, str | None]]) -> list[_Span]:
    flat = view.flat
    digits = [_digits(flat[s:e]) for s, e, _ in chain]
    whole = "".join(digits)
    start, end = chain[0][0], chain[-1][1]
    plus = flat[start - 1 : start] == "+"
    if whole.startswith(("1900", "1800")) and len(whole) in (8, 10):
        return []
    if whole[0] != "0" and _personal(whole, plus) != PHONE and _UNIT.match(view.low, end):
        return []  # money or a count: "1.500.000 đồng", "50k", "1.678 người"
    spans: list[_Span] = []
    used = [False] * len(chain)
    i = 0
    while i < len(chain):
        lead = flat[chain[i][0] - 1 : chain[i][0]] == "+"
        best: tuple[int, str] | None = None
        key: str | None = None
        run = ""
        for j in range(i, len(chain)):
            if j > i:
                sep = chain[j][2]
                if sep is None or (sep != "*" and key is not None and sep != key):
                    break
                key = key if sep == "*" else sep
            run += digits[j]
            if len(run) > 15:
                break
            kind = _personal(run, lead)
            if kind and not (j > i and all(_YEAR.fullmatch(d) for d in digits[i : j + 1])):
                best = (j, kind)
        if best is None:
            i += 1
            continue
        bracket = flat[chain[i][0] - 1 : chain[i][0]] == "(" and best[0] > i and chain[i + 1][2] == "*"
        spans.append((chain[i][0] - lead - bracket, chain[best[0]][1], best[1]))
        used[i : best[0] + 1] = [True] * (best[0] + 1 - i)
        i = best[0] + 1
    if not used[0] and (len(chain) == 1 or chain[1][2] == " ") and _cue_before(view, start):
        j, run = 0, digits[0]
        split = len(digits[0]) <= 3  # "482 913", "4 8 2 9 1 3"; but "mã 4829 2 lần" keeps the 2
        while j + 1 < len(chain) and chain[j + 1][2] == " " and not used[j + 1] and (split or len(digits[j + 1]) >= 2):
            if len(run + digits[j + 1]) > max(_CODE_DIGITS):
                break
            j, run = j + 1, run + digits[j + 1]
        if len(run) in _CODE_DIGITS:
            spans.append((start, chain[j][1], CODE))
            used[: j + 1] = [True] * (j + 1)
    alone = not flat[:start].strip(_EDGE) and not flat[end:].strip(_EDGE)
    if len(chain) == 1 and len(whole) == 6 and alone:
        spans.append((start, end, CODE))  # a message that is only a 6-digit number: an OTP pasted on its own
    spans += [(s, e, NUMBER) for (s, e, _), d, u in zip(chain, digits, used, strict=True) if not u and len(d) >= 7]
    return spans


def _secret_spans(view: _View) -> list[_Span]:
    """Passwords and codes with letters in them, right after a code word."""
    spans: list[_Span] = []
    for m in _SECRET.finditer(view.flat):
        fill, value, start = m.group("fill"), m.group("value"), m.start("value")
        if not _real_cue(view, m) or not (fill or value[0].isdigit()):
            continue
        stripped = value.lstrip("\"'“(")
        start += len(value) - len(stripped)
        value = stripped.rstrip(".,;!?)\"'”…")
        if _is_password(value, re.fullmatch(_PASSWORD_CUES, m.group("cue")) is not None, bool(_ASSIGN.search(fill))):
            spans.append((start, start + len(value), CODE))
    return spans


def _is_password(value: str, password_cue: bool, assigned: bool) -> bool:
    has_digit = any(ch.isdigit() for ch in value)
    has_alpha = any(ch.isalpha() for ch in value)
    has_symbol = any(not ch.isalnum() and ch not in _PLAIN_PUNCT for ch in value)
    if len(value) < 4 or re.search(r"\d[/.,]\d", value) or not (has_alpha or has_symbol):
        return False  # too short, a date, a decree or an amount; pure digits are read as a chain
    if has_digit or (password_cue and has_symbol):
        return True
    return password_cue and assigned and value.isalpha() and not is_syllable(value) and value not in _NOT_PASSWORDS


def _spelled_spans(view: _View) -> list[_Span]:
    """Runs of digits spelled as words ("không chín một hai ba bốn năm sáu bảy tám")."""
    spans: list[_Span] = []
    run: list[tuple[int, int, str]] = []
    for m in [*_WORD_OR_DIGITS.finditer(view.flat), None]:
        digit = None
        if m is not None:
            token = m.group()
            digit = token if len(token) == 1 and token.isdigit() else _DIGIT_WORDS.get(view.low[m.start() : m.end()])
        if m is not None and digit is not None and (not run or not view.flat[run[-1][1] : m.start()].strip(" \t,.-")):
            run.append((m.start(), m.end(), digit))
            continue
        if run and any(len(view.flat[s:e]) > 1 for s, e, _ in run):
            digits = "".join(d for _, _, d in run)
            cue = _cue_before(view, run[0][0])
            kind = _personal(digits, False) or (CODE if cue else NUMBER)
            if len(digits) >= _SPELLED_RUN or (cue and len(digits) in _CODE_DIGITS):
                spans.append((run[0][0], run[-1][1], kind))
        run = [(m.start(), m.end(), digit)] if m is not None and digit is not None else []
    return spans


def _mask_once(text: str, found: set[str]) -> str:
    view = _view(text)
    spans = _secret_spans(view) + _spelled_spans(view)
    for chain in _chains(view.flat):
        spans += _chain_spans(view, chain)
    out: list[str] = []
    done = 0
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < done:
            continue
        out += [text[view.starts[done] : view.starts[start]], _MASKS[kind]]
        found.add(kind)
        done = end
    out.append(text[view.starts[done] :])
    return "".join(out)


def mask(text: str) -> Masked:
    """Replace ID numbers, phone numbers, OTPs, codes and passwords (repeated until nothing more is found)."""
    found: set[str] = set()
    for _ in range(_MAX_PASSES):
        masked = _mask_once(text, found)
        if masked == text:
            break
        text = masked
    return Masked(text, frozenset(found))


def without_masks(text: str) -> str:
    """The text with masking's own placeholders blanked out (they are our words, not the resident's)."""
    return _PLACEHOLDER.sub(" ", text)


def masks_in_language(text: str, _: Translate) -> str:
    """A masked text as a reader of another language sees it: the placeholders in their words."""
    return _PLACEHOLDER.sub(lambda placeholder: _(placeholder.group()), text)


def clean_for_storage(text: str) -> str:
    """Masked, without control characters, and truncated to a storable size."""
    printable = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    masked = mask(printable).text
    if len(masked) > MAX_STORED_CHARS:
        return masked[: MAX_STORED_CHARS - 1] + "…"
    return masked
