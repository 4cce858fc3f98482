"""Numbered choices: a resident may answer a list of buttons by typing "1", "2" or "3"."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Button
from models import DialogState

DIALOG = "options"
_CHOICE = re.compile(r"^\s*(?:s[oố]\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


async def remember_options(session: AsyncSession, user_id: int, buttons: list[Button]) -> None:
    """Keep the last offered choices so a typed number can select one (any other dialog wins)."""
    state = await session.get(DialogState, user_id)
    if state is not None and state.dialog != DIALOG:
        return
    if not buttons:
        if state is not None:
            await session.delete(state)
        return
    data = {"choices": [button.data for button in buttons]}
    if state is None:
        session.add(DialogState(user_id=user_id, dialog=DIALOG, step="choose", data=data))
    else:
        state.data = data


async def resolve_choice(session: AsyncSession, user_id: int, text: str) -> str | None:
    """The button payload a typed number refers to, if the text is just a number in range."""
    match = _CHOICE.match(text)
    if match is None:
        return None
    state = await session.get(DialogState, user_id)
    if state is None or state.dialog != DIALOG:
        return None
    choices = state.data.get("choices", [])
    index = int(match.group(1)) - 1
    return choices[index] if 0 <= index < len(choices) else None
