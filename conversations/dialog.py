"""The dialog registry's vocabulary: what a feature or dialog module declares, and the turn it handles.

A module declares its commands, the button-payload prefixes it owns, whether it wants the typed text
of the current turn, and its handlers; `handlers.registry` lists the modules in the order the router
asks them. Handlers return the replies to the person; messages to anyone else go in `turn.outgoing`.
Each dialog keeps its own state row (`conversations.state`), so dialogs never erase each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from core.helpdesk.workflow import Desk
from core.knowledge.faq import KnowledgeBase
from core.language.i18n import N_ as N_  # declared here for the dialog modules
from core.language.i18n import Translator
from core.language.matcher import HUMAN, MatchResult
from core.messages import Inbound, Outbound, Outgoing
from core.privacy import Masked, mask, without_masks
from models import User


@dataclass
class Turn:
    """One inbound event of a resident (or member) in a private chat, as the dialogs see it."""

    desk: Desk
    session: AsyncSession
    user: User
    inbound: Inbound
    _: Translator  # the user's language
    text: str = ""  # the typed text, cleaned and bounded (empty for buttons and commands)
    argument: str = ""  # a command's argument
    payload: str = ""  # the button pressed (or named by a typed number)
    menu: tuple[tuple[str, str], ...] = ()  # (command, description) of the registry's menu, for /help
    question_id: int | None = None  # the message-log row of this question, for 👍/👎
    outgoing: list[Outgoing] = field(default_factory=list)

    @cached_property
    def masked(self) -> Masked:
        return mask(self.text)

    @cached_property
    def match(self) -> MatchResult:
        """The matcher's reading of the typed text (computed once, when a dialog or the FAQ asks)."""
        return self.desk.knowledge.matcher.match(without_masks(self.masked.text))

    @property
    def knowledge(self) -> KnowledgeBase:
        """The knowledge base in the resident's language."""
        return self.desk.knowledge.in_language(self.user.language)

    @property
    def is_question(self) -> bool:
        """The text reads like a question the bot can answer, or a request for a person."""
        return self.match.action == "answer" or self.match.intent == HUMAN


Handler = Callable[[Turn], Awaitable[list[Outbound]]]
ButtonHandler = Callable[[Turn, str, list[str]], Awaitable[list[Outbound] | None]]
TextTest = Callable[[Turn], Awaitable[bool]]
TextHandler = Callable[[Turn], Awaitable[list[Outbound] | None]]


@dataclass(frozen=True)
class Command:
    """A slash command: its name, what `/help` and the platform's command menu say (marked with `N_`),
    and its handler."""

    name: str
    description: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    in_menu: bool = True
    menu_rank: int = 50  # lower comes first in the menu


@dataclass(frozen=True)
class Dialog:
    """A feature or dialog module's declaration.

    `on_button` gets the payload's prefix and the parts after it and returns None when the press is not valid
    now; `wants_text` says whether this turn's typed text is for the dialog (asked in registry order),
    and `on_text` may still decline with None."""

    name: str
    commands: tuple[Command, ...] = ()
    prefixes: tuple[str, ...] = ()
    on_button: ButtonHandler | None = None
    wants_text: TextTest | None = None
    on_text: TextHandler | None = None
    on_media: TextHandler | None = None  # a voice note, photo or file; None declines it (asked in registry order)
