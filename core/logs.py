"""Logging that keeps secrets and personal numbers out of every line, at every level."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from core.privacy import mask

# A Telegram bot token (in Bot API URLs) and other long credentials in URLs or headers.
_TOKEN = re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{8,}")
_URL_SECRET = re.compile(r"(?i)((?:access_token|refresh_token|secret_key|secret|token)=)[^&\s\"']+")
_LINK_TOKEN = re.compile(r"(/link/)[^\s\"'?#]+")  # a member's one-time dashboard link (core.access.links)
REDACTED = "[redacted]"
QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "telegram.ext", "aiohttp.access")
SHORTEST_SECRET = 6


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes known secret values, token shapes and personal numbers."""

    def __init__(self, fmt: str, secrets: Iterable[str | None] = ()) -> None:
        super().__init__(fmt)
        self._secrets = sorted({s for s in secrets if s and len(s) >= SHORTEST_SECRET}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, line: str) -> str:
        """The line without secrets: configured values, bot tokens, URL credentials, masked numbers."""
        for secret in self._secrets:
            line = line.replace(secret, REDACTED)
        line = _TOKEN.sub(REDACTED, line)
        line = _URL_SECRET.sub(lambda match: match.group(1) + REDACTED, line)
        line = _LINK_TOKEN.sub(lambda match: match.group(1) + REDACTED, line)
        return mask(line).text


def configure_logging(level: str, secrets: Iterable[str | None]) -> None:
    """Root logging to stderr through the redacting formatter; chatty HTTP clients only warn."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    logging.getLogger("alembic").setLevel(logging.WARNING)
