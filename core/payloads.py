"""Button payloads: `prefix:part:part`, packed and unpacked in one place.

Telegram carries at most 64 bytes of callback data, so every payload is checked here; a part may not
contain the separator. Each dialog owns one prefix, and a registry refuses two dialogs sharing one.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_BYTES = 64
SEPARATOR = ":"


class PayloadError(ValueError):
    """A payload that could not be carried (too long, or a part containing the separator)."""


def pack(prefix: str, *parts: str | int) -> str:
    """`prefix` and `parts` as one payload; raises PayloadError when it would not fit."""
    texts = [str(part) for part in parts]
    if any(SEPARATOR in text for text in texts) or SEPARATOR in prefix:
        raise PayloadError(f"a payload part contains {SEPARATOR!r}: {texts}")
    data = SEPARATOR.join([prefix, *texts])
    if len(data.encode()) > MAX_BYTES:
        raise PayloadError(f"payload over {MAX_BYTES} bytes: {data[:20]}…")
    return data


def fits(prefix: str, *parts: str | int) -> bool:
    """Whether `pack` would accept these parts."""
    try:
        pack(prefix, *parts)
    except PayloadError:
        return False
    return True


def unpack(data: str) -> tuple[str, list[str]]:
    """The prefix and parts of a payload (untrusted: anything may come back from a button)."""
    prefix, *parts = data.split(SEPARATOR)
    return prefix, parts


def check_prefixes(prefixes: Iterable[str]) -> None:
    """Refuse duplicate or malformed prefixes (each dialog needs its own)."""
    seen: set[str] = set()
    for prefix in prefixes:
        if not prefix or SEPARATOR in prefix:
            raise PayloadError(f"bad payload prefix {prefix!r}")
        if prefix in seen:
            raise PayloadError(f"payload prefix {prefix!r} is declared twice")
        seen.add(prefix)
