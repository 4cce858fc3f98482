"""Typed choices: a resident may answer the buttons on screen by typing "1", "2" or "3", or by typing
a button's label ("có rồi", "toi can lam gi"), tolerantly: without marks, case, emoji or
punctuation, and with a slip in a long label.

The choices belong to the latest reply that offered them and are kept in their own dialog row, so
they work on every channel without touching any other dialog's state. Only ASCII digits count as
numbers: "²" or "١" is text.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.state import dialog_state, end_dialog, start_dialog
from core.language.normalize import fold
from core.messages import Button

DIALOG_NAME = "options"
LONG_LABEL = 8
_CHOICE = re.compile(r"^\s*(?:s[oố]\s*)?([0-9]{1,2})\s*[.)]?\s*$", re.IGNORECASE)


async def remember_options(session: AsyncSession, user_id: int, buttons: list[Button]) -> None:
    """Keep the choices the latest replies offered (none: forget the earlier ones)."""
    state = await dialog_state(session, user_id, DIALOG_NAME)
    data = {"choices": [button.data for button in buttons], "labels": [button.label for button in buttons]}
    if not buttons:
        await end_dialog(session, state)
    elif state is None:
        start_dialog(session, user_id, DIALOG_NAME, "choose", data)
    else:
        state.data = data


def typed_number(text: str) -> int | None:
    """The number a message consists of ("2", "số 3", "1."), or None; one or two ASCII digits."""
    match = _CHOICE.match(text)
    return int(match.group(1)) if match is not None else None


def label_key(text: str) -> str:
    """A label or a typed text as compared: folded, letters and digits only, single spaces."""
    kept = "".join(ch if ch.isalnum() else " " for ch in fold(text))
    return " ".join(kept.split())


def matching_label(text: str, labels: list[str]) -> int | None:
    """The index of the one label the text names: the same words, or one slip in a label of 8+ letters."""
    typed = label_key(text)
    if not typed:
        return None
    keys = [label_key(label) for label in labels]
    exact = [i for i, key in enumerate(keys) if key == typed]
    if len(exact) == 1:
        return exact[0]
    close = [i for i, key in enumerate(keys) if len(key) >= LONG_LABEL and _one_slip(typed, key)]
    return close[0] if len(close) == 1 else None


async def resolve_choice(session: AsyncSession, user_id: int, text: str) -> str | None:
    """The button payload a typed number or label refers to, among the choices on screen."""
    state = await dialog_state(session, user_id, DIALOG_NAME)
    if state is None:
        return None
    choices: list[str] = state.data.get("choices", [])
    number = typed_number(text)
    if number is not None:
        return choices[number - 1] if 0 < number <= len(choices) else None
    labels: list[str] = state.data.get("labels", [])
    index = matching_label(text, labels) if len(labels) == len(choices) else None
    return choices[index] if index is not None else None


def _one_slip(typed: str, key: str) -> bool:
    """Exactly one letter added, dropped or changed."""
    if len(typed) == len(key):
        return sum(a != b for a, b in zip(typed, key, strict=True)) == 1
    shorter, longer = sorted((typed, key), key=len)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
