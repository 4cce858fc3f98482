"""The `X-ZEvent-Signature` check: mac = sha256_hex(app_id + raw body + timestamp + OA secret key).

It is a plain SHA-256 of the concatenation (not an HMAC), with `app_id` and `timestamp` read from the
JSON body. Timestamps are epoch milliseconds; stale or future ones are refused against replays.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

SIGNATURE_HEADER = "X-ZEvent-Signature"
DEFAULT_MAX_AGE = timedelta(minutes=5)
_PREFIX = "mac="


def expected_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The header value Zalo sends for this body: `mac=<sha256 hex>`."""
    digest = hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode())
    return _PREFIX + digest.hexdigest()


def signature_matches(header: str, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    """Constant-time comparison; the `mac=` prefix is optional and the hex case is ignored."""
    supplied = header.strip().lower()
    if not supplied.startswith(_PREFIX):
        supplied = _PREFIX + supplied
    expected = expected_signature(app_id, raw_body, timestamp, oa_secret_key)
    return hmac.compare_digest(supplied.encode(), expected.encode())


def event_time(timestamp: str) -> datetime:
    """The moment an epoch-milliseconds timestamp stands for; ValueError when it is not one."""
    try:
        return datetime.fromtimestamp(int(timestamp) / 1000, UTC)
    except (OverflowError, OSError) as error:
        raise ValueError(f"timestamp out of range: {timestamp!r}") from error


def is_fresh(timestamp: str, now: datetime, max_age: timedelta = DEFAULT_MAX_AGE) -> bool:
    """Whether the event time is within `max_age` of `now`, either way."""
    return abs(now - event_time(timestamp)) <= max_age
