"""What a channel's sender promises the outbox: deliver one message, or say why not."""

from __future__ import annotations

from typing import Protocol

from core.messages import Outbound


class RetryLater(Exception):
    """A temporary failure (429, 5xx, timeout): try again after `seconds`."""

    def __init__(self, reason: str, seconds: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seconds = seconds


class Undeliverable(Exception):
    """A final failure (blocked, outside the reply window, bad chat): never retried; shown to volunteers."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Sender(Protocol):
    """One channel's way of sending a neutral reply to a chat (a resident or a volunteers' group)."""

    async def deliver(self, chat_id: str, message: Outbound, *, thread_id: int | None = None) -> str | None:
        """Send `message`; return the platform's message id when it has one.

        Raises RetryLater for temporary failures and Undeliverable for final ones.
        """
        ...
