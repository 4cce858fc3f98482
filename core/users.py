"""Identities: one user per (channel, external id)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.base import utcnow


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
    user.last_seen_at = utcnow()
    return user
