"""Dialog state: one row per (user, dialog), read at most once per unit of work.

Each dialog reads and writes only its own row, so starting one never erases another.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from models import DialogState

_LOADED = "caunoi.dialog_loaded"


def _loaded(session: AsyncSession) -> dict[tuple[int, str], DialogState | None]:
    return session.info.setdefault(_LOADED, {})


async def dialog_state(session: AsyncSession, user_id: int, dialog: str) -> DialogState | None:
    """The user's state in one dialog, loaded once per session (also when there is none)."""
    loaded = _loaded(session)
    key = (user_id, dialog)
    if key not in loaded:
        loaded[key] = await session.get(DialogState, key)
    state = loaded[key]
    if state is None or state in session.deleted or inspect(state).was_deleted:
        return None
    return state


def start_dialog(session: AsyncSession, user_id: int, dialog: str, step: str, data: dict[str, Any]) -> DialogState:
    """Create the user's state in a dialog (there was none: end the old one first)."""
    state = DialogState(user_id=user_id, dialog=dialog, step=step, data=data)
    session.add(state)
    _loaded(session)[(user_id, dialog)] = state
    return state


async def end_dialog(session: AsyncSession, state: DialogState | None) -> None:
    """Forget a dialog's state (nothing to do when there is none)."""
    if state is not None:
        await session.delete(state)
        await session.flush()
