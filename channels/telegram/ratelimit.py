"""Bot API rate limiting that never makes one resident wait for another's 429 or network error."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)
OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20


class PerChatRateLimiter(BaseRateLimiter[None]):
    """An overall limit (30/s) and a per-group limit (20/min); 429s and network errors are retried
    by waiting only in the request that failed, so other chats keep being served."""

    def __init__(self, max_retries: int = 3, backoff_seconds: float = 0.5) -> None:
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self._overall = AsyncLimiter(OVERALL_PER_SECOND, 1)
        self._groups: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]] | None]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]] | None:
        chat_id = data.get("chat_id")
        for attempt in range(self.max_retries + 1):
            try:
                async with self._group(chat_id), self._overall:
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == self.max_retries:
                    raise
                wait = _seconds(error.retry_after) + 0.1
                log.info("%s to %s: Telegram asks to wait %.1f s", endpoint, chat_id, wait)
            except BadRequest:
                raise
            except NetworkError as error:
                if attempt == self.max_retries:
                    raise
                wait = self.backoff_seconds * 2**attempt
                log.info("%s to %s failed (%s); retrying in %.1f s", endpoint, chat_id, error, wait)
            await asyncio.sleep(wait)
        return None

    def _group(self, chat_id: object) -> AsyncLimiter | _NoLimit:
        is_group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        if not is_group:
            return _NO_LIMIT
        key = chat_id  # type: ignore[assignment]
        if key not in self._groups:
            self._groups[key] = AsyncLimiter(GROUP_PER_MINUTE, 60)
        return self._groups[key]


class _NoLimit:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


_NO_LIMIT = _NoLimit()


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
