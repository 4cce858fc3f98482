"""What a channel's sender promises the outbox: deliver one message, or say why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.messages import Outbound


class RetryLater(Exception):
    """A temporary failure (429, 5xx, timeout): try again after `seconds`.

    `throttled` marks a rate limit (the platform asked us to wait; not a failure of the message);
    `parts_sent` says how many parts of a multi-part message did go out, so a retry resumes after them.
    """

    def __init__(self, reason: str, seconds: float = 0.0, *, throttled: bool = False, parts_sent: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seconds = seconds
        self.throttled = throttled
        self.parts_sent = parts_sent


class Undeliverable(Exception):
    """A final failure (blocked, outside the reply window, bad chat): never retried; shown to volunteers."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Capabilities:
    """What a channel's chats can show: its name for people, buttons, edits of sent messages, forum topics,
    which media kinds it can carry as files (a file id is only valid on the channel it came from), and the
    text length."""

    label: str
    buttons: bool = True
    edit: bool = False
    topics: bool = False
    media: frozenset[str] = frozenset()
    max_length: int = 4096


class Sender(Protocol):
    """One channel's way of sending a neutral reply to a chat (a resident or a team's group)."""

    capabilities: Capabilities

    async def deliver(
        self, chat_id: str, message: Outbound, *, thread_id: int | None = None, skip_parts: int = 0
    ) -> str | None:
        """Send `message` from part `skip_parts` on; return the platform's id of the first part sent.

        Raises RetryLater (with the parts that went out) for temporary failures, Undeliverable for final ones.
        """
        ...

    async def edit(self, chat_id: str, message_id: str, message: Outbound) -> None:
        """Replace a sent message's text and buttons (only called when `capabilities.edit`)."""
        ...

    async def open_topic(self, chat_id: str, title: str) -> int | None:
        """A new forum topic in a group chat, or None where it has none (called when `capabilities.topics`)."""
        ...
