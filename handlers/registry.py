"""Every feature and dialog, in the order the router asks them for a typed text.

Adding a dialog is one module declaring a `Dialog` and one line here. The registry refuses two
dialogs claiming the same payload prefix or command, and gives Telegram's command menu and /help.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conversations import checklist, settings
from conversations.dialog import Command, Dialog
from core.payloads import check_prefixes
from handlers import answers, glossary, intake, recording, stats, team, web_login

DIALOGS: tuple[Dialog, ...] = (
    intake.DIALOG,  # an open ticket or the intake takes the text first
    settings.DIALOG,  # then a place name the settings dialog asked for
    checklist.DIALOG,
    team.DIALOG,
    stats.DIALOG,  # /stats for commune admins
    web_login.DIALOG,  # /dangnhap: a team member's one-time link to their dashboard login
    recording.DIALOG,  # /gloss: members record and verify glossary entries in residents' languages
    glossary.DIALOG,  # /tukho and the "Từ khó" menu
    answers.DIALOG,  # menus and FAQ buttons; unclaimed text is answered from the FAQ
)


@dataclass(frozen=True)
class Registry:
    """The dialogs, indexed by command and payload prefix."""

    dialogs: tuple[Dialog, ...]
    commands: dict[str, tuple[Dialog, Command]]
    prefixes: dict[str, Dialog]

    def menu(self) -> list[tuple[str, str]]:
        """(command, description) for the platform's command menu, in registry order."""
        listed = [c for d in self.dialogs for c in d.commands if c.in_menu]
        return [(c.name, c.description) for c in sorted(listed, key=lambda c: c.menu_rank)]


def build_registry(dialogs: Iterable[Dialog] = DIALOGS) -> Registry:
    """Index the dialogs; raises ValueError for a prefix or command declared twice."""
    ordered = tuple(dialogs)
    check_prefixes(prefix for dialog in ordered for prefix in dialog.prefixes)
    commands: dict[str, tuple[Dialog, Command]] = {}
    for dialog in ordered:
        for command in dialog.commands:
            for name in (command.name, *command.aliases):
                if name in commands:
                    raise ValueError(f"command /{name} is declared twice")
                commands[name] = (dialog, command)
    prefixes = {prefix: dialog for dialog in ordered for prefix in dialog.prefixes}
    return Registry(ordered, commands, prefixes)
