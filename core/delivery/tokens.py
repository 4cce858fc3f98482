"""A channel's token pair in the database: read, seed, lease the refresh and replace it atomically.

Zalo's refresh token works once. Whoever refreshes first takes a time-limited lease on the row's
current `version`; the new pair is then stored only over that same version (compare-and-set), so two
processes never both spend one refresh token and a caller that lost the race reads the new pair.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from models import ChannelToken


async def get_token(session: AsyncSession, channel: str) -> ChannelToken | None:
    """The stored pair of a channel, if any."""
    return await session.get(ChannelToken, channel)


async def seed_token(session: AsyncSession, channel: str, access_token: str, refresh_token: str) -> ChannelToken:
    """Store the first pair unless the channel has one already (race-safe); returns what is stored."""
    existing = await get_token(session, channel)
    if existing is not None:
        return existing
    try:
        async with session.begin_nested():
            row = ChannelToken(channel=channel, access_token=access_token, refresh_token=refresh_token)
            session.add(row)
    except IntegrityError:
        return (await session.scalars(select(ChannelToken).where(ChannelToken.channel == channel))).one()
    return row


async def take_refresh_lease(
    session: AsyncSession, channel: str, version: int, now: datetime, lease: timedelta
) -> bool:
    """Claim the refresh of pair `version` until `now + lease`; False when it is outdated or claimed."""
    free = or_(ChannelToken.refreshing_until.is_(None), ChannelToken.refreshing_until < now)
    return await _changed_one(session, _of(channel, version).where(free).values(refreshing_until=now + lease))


async def replace_tokens(
    session: AsyncSession,
    channel: str,
    version: int,
    *,
    access_token: str,
    refresh_token: str,
    expires_at: datetime | None,
    now: datetime,
) -> bool:
    """Store a new pair over pair `version`, bump the version and end the lease; False if it moved on."""
    values = {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_at": expires_at,
        "version": version + 1,
        "refreshing_until": None,
        "updated_at": now,
    }
    return await _changed_one(session, _of(channel, version).values(**values))


async def release_refresh_lease(session: AsyncSession, channel: str, version: int) -> None:
    """Give up a lease after a failed refresh so another caller may try."""
    await session.execute(_of(channel, version).values(refreshing_until=None))


def _of(channel: str, version: int) -> Update:
    return update(ChannelToken).where(ChannelToken.channel == channel, ChannelToken.version == version)


async def _changed_one(session: AsyncSession, statement: Update) -> bool:
    result = cast(CursorResult[Any], await session.execute(statement.execution_options(synchronize_session=False)))
    return result.rowcount == 1
