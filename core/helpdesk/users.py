"""Identities: one user per (channel, external id)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.language.i18n import DEFAULT_LANGUAGE
from models import User
from models.base import as_utc, utcnow

# last_seen_at is for "active residents" statistics; minute precision spares a write per message.
LAST_SEEN_PRECISION = timedelta(minutes=5)


async def get_or_create_user(session: AsyncSession, channel: str, external_id: str) -> User:
    """The user behind this identity, created on first contact (race-safe)."""
    query = select(User).where(User.channel == channel, User.external_id == external_id)
    user = await session.scalar(query)
    if user is None:
        try:
            async with session.begin_nested():
                user = User(channel=channel, external_id=external_id)
                session.add(user)
        except IntegrityError:
            user = (await session.scalars(query)).one()
    now = utcnow()
    if user.last_seen_at is None or as_utc(user.last_seen_at) < now - LAST_SEEN_PRECISION:
        user.last_seen_at = now
    return user


async def language_of(session: AsyncSession, channel: str, external_id: str) -> str:
    """The language a person chose in their private chat with the bot (Vietnamese for one it has not
    met, such as a team member who has only written in the team chat)."""
    query = select(User.language).where(User.channel == channel, User.external_id == external_id)
    return await session.scalar(query) or DEFAULT_LANGUAGE
