"""Channel-neutral messages: what adapters turn platform events into, and what they send back."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

TEXT = "text"
COMMAND = "command"
BUTTON = "button"
MEDIA = "media"


@dataclass(frozen=True)
class Button:
    """A choice the resident can tap (or type its number where a platform has no buttons)."""

    label: str
    data: str


@dataclass(frozen=True)
class Media:
    """A file: its kind (voice, photo, sticker...) and either the platform's file id (a file someone sent)
    or `stored`, a key of our media store (a recording we keep and can send on any channel)."""

    kind: str
    file_id: str = ""
    stored: str = ""


@dataclass(frozen=True)
class Inbound:
    """One thing a user did: typed text, a command, a button press or a media message.

    `chat_id` is set for messages in a group; `reply_to` is the platform id of the message replied
    to; `can_toast` says a short notice can be shown on the pressed button instead of sent;
    `inbox_id` is the stored event it came from, settled in the same unit of work as the answer.
    """

    channel: str
    user_id: str
    kind: str
    text: str = ""
    payload: str = ""
    media: tuple[Media, ...] = ()
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    platform_msg_id: str | None = None
    chat_id: str = ""
    thread_id: int | None = None
    reply_to: str | None = None
    sender_name: str = ""
    can_toast: bool = False
    inbox_id: int | None = None

    @property
    def in_group(self) -> bool:
        """Sent in a group chat (the volunteers' group), not in a private chat with the bot."""
        return bool(self.chat_id) and self.chat_id != self.user_id


@dataclass(frozen=True)
class Outbound:
    """One reply: text, rows of buttons, optional media and the message it answers.

    `first_number` is what a platform without buttons numbers the first choice: the choices of all
    replies to one message are numbered on, so typing "3" means the same button everywhere.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    media: tuple[Media, ...] = ()
    reply_to: str | None = None
    intent: str | None = None
    confidence: float | None = None
    action: str | None = None
    first_number: int = 1

    def choices(self) -> list[Button]:
        """The buttons in reading order."""
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True)
class Address:
    """Where a message goes: a chat on a channel; `group` marks a team's group chat (group send limits apply)."""

    channel: str
    chat_id: str
    group: bool = False


# What an outgoing message is, for the outbox: a plain message, the anchor of a thread (a ticket's card,
# opening a forum topic where the chat has them), or an edit of the thread's anchor in place.
REPLY = "reply"
NOTICE = "notice"
RELAY = "relay"
ANCHOR = "anchor"
EDIT = "edit"
# A reply's action when it is a short notice for the person who pressed a button (shown on the button
# where the platform can, instead of being sent).
TOAST = "toast"


@dataclass(frozen=True)
class Outgoing:
    """A message an action caused, addressed; `thread` groups it with its anchor ("ticket:12"), and an
    anchor may ask for a forum `topic` titled so."""

    to: Address
    message: Outbound
    purpose: str = REPLY
    thread: str | None = None
    topic: str | None = None


def split_text(text: str, limit: int) -> list[str]:
    """Chunks under a platform's length limit, cut at paragraph boundaries (then lines, then hard)."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    chunks.append(rest)
    return [chunk for chunk in chunks if chunk.strip()]


def number_choices(replies: list[Outbound]) -> list[Outbound]:
    """Number the choices of several replies on from one to the next (see `Outbound.first_number`)."""
    numbered: list[Outbound] = []
    next_number = 1
    for reply in replies:
        numbered.append(replace(reply, first_number=next_number) if next_number != 1 else reply)
        next_number += len(reply.choices())
    return numbered
