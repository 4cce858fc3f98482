"""The one dialog-state row of a user, read at most once per unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from models import DialogState

_LOADED = "caunoi.dialog_loaded"


def _loaded(session: AsyncSession) -> dict[int, DialogState | None]:
    return session.info.setdefault(_LOADED, {})


async def dialog_state(session: AsyncSession, user_id: int) -> DialogState | None:
    """The user's dialog state, loaded once per session (also when there is none)."""
    loaded = _loaded(session)
    if user_id not in loaded:
        loaded[user_id] = await session.get(DialogState, user_id)
    state = loaded[user_id]
    if state is None or state in session.deleted or inspect(state).was_deleted:
        return None
    return state


def start_dialog(session: AsyncSession, user_id: int, dialog: str, step: str, data: dict[str, Any]) -> DialogState:
    """Create the user's dialog state (there was none)."""
    state = DialogState(user_id=user_id, dialog=dialog, step=step, data=data)
    session.add(state)
    _loaded(session)[user_id] = state
    return state
