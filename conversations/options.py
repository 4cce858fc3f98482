"""Numbered choices: a resident may answer a list of buttons by typing "1", "2" or "3".

The choices belong to the latest reply that offered them and are kept in their own dialog row, so
typed numbers work on every channel without touching any other dialog's state. Only ASCII digits
count: "²" or "١" is text.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.state import dialog_state, end_dialog, start_dialog
from core.messages import Button

DIALOG_NAME = "options"
_CHOICE = re.compile(r"^\s*(?:s[oố]\s*)?([0-9]{1,2})\s*[.)]?\s*$", re.IGNORECASE)


async def remember_options(session: AsyncSession, user_id: int, buttons: list[Button]) -> None:
    """Keep the choices the latest replies offered (none: forget the earlier ones)."""
    state = await dialog_state(session, user_id, DIALOG_NAME)
    choices = [button.data for button in buttons]
    if not choices:
        await end_dialog(session, state)
    elif state is None:
        start_dialog(session, user_id, DIALOG_NAME, "choose", {"choices": choices})
    else:
        state.data = {"choices": choices}


def typed_number(text: str) -> int | None:
    """The number a message consists of ("2", "số 3", "1."), or None; one or two ASCII digits."""
    match = _CHOICE.match(text)
    return int(match.group(1)) if match is not None else None


async def resolve_choice(session: AsyncSession, user_id: int, text: str) -> str | None:
    """The button payload a typed number refers to, if the text is just a number in range."""
    number = typed_number(text)
    if number is None:
        return None
    state = await dialog_state(session, user_id, DIALOG_NAME)
    choices = state.data.get("choices", []) if state is not None else []
    index = number - 1
    return choices[index] if 0 <= index < len(choices) else None
