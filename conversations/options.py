"""Numbered choices: a resident may answer a list of buttons by typing "1", "2" or "3".

The last offered choices live in the user's dialog state, whatever dialog is active, so typed
numbers work on every channel and inside every dialog. Only ASCII digits count: "²" or "١" is text.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.state import dialog_state, start_dialog
from core.messages import Button

DIALOG = "options"
_CHOICE = re.compile(r"^\s*(?:s[oố]\s*)?([0-9]{1,2})\s*[.)]?\s*$", re.IGNORECASE)


async def remember_options(session: AsyncSession, user_id: int, buttons: list[Button]) -> None:
    """Keep the last offered choices (an empty list forgets them)."""
    state = await dialog_state(session, user_id)
    choices = [button.data for button in buttons]
    if state is None:
        if choices:
            start_dialog(session, user_id, DIALOG, "choose", {"choices": choices})
        return
    if state.dialog == DIALOG and not choices:
        await session.delete(state)
        return
    state.data = {**state.data, "choices": choices}


def typed_number(text: str) -> int | None:
    """The number a message consists of ("2", "số 3", "1."), or None; one or two ASCII digits."""
    match = _CHOICE.match(text)
    return int(match.group(1)) if match is not None else None


async def resolve_choice(session: AsyncSession, user_id: int, text: str) -> str | None:
    """The button payload a typed number refers to, if the text is just a number in range."""
    number = typed_number(text)
    if number is None:
        return None
    state = await dialog_state(session, user_id)
    choices = state.data.get("choices", []) if state is not None else []
    index = number - 1
    return choices[index] if 0 <= index < len(choices) else None
