"""Browser sessions (idle and absolute expiry) and API tokens; only digests are stored."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.tokens import digest, new_token
from models import ApiToken, WebAccount, WebSession
from models.base import as_utc

SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)


async def start_session(session: AsyncSession, account: WebAccount, now: datetime) -> str:
    """A new session for `account`; returns the cookie value (shown once, stored as a digest)."""
    token = new_token()
    session.add(
        WebSession(
            token_hash=digest(token),
            account_id=account.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return token


async def account_of_session(session: AsyncSession, token: str, now: datetime) -> WebAccount | None:
    """The account behind a session cookie, when the session is neither expired nor idle too long."""
    row = await session.scalar(select(WebSession).where(WebSession.token_hash == digest(token)))
    if row is None or as_utc(row.expires_at) <= now or as_utc(row.last_seen_at) <= now - SESSION_IDLE:
        return None
    account = await session.get(WebAccount, row.account_id)
    if account is None or account.disabled:
        return None
    row.last_seen_at = now
    return account


async def end_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


async def end_sessions_of(session: AsyncSession, account_id: int) -> None:
    """Log an account out everywhere (after a password change or when it is disabled)."""
    await session.execute(delete(WebSession).where(WebSession.account_id == account_id))


async def create_api_token(session: AsyncSession, account: WebAccount, name: str, now: datetime) -> str:
    token = new_token()
    session.add(ApiToken(token_hash=digest(token), account_id=account.id, name=name, created_at=now))
    await session.flush()
    return token


async def account_of_api_token(session: AsyncSession, token: str, now: datetime) -> WebAccount | None:
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    account = await session.get(WebAccount, row.account_id)
    if account is None or account.disabled:
        return None
    row.last_used_at = now
    return account
