"""Commune members (volunteer, officer, admin): one-time invite codes and role checks."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Address
from models import Commune, Invite, Member

ROLES = ("volunteer", "officer", "admin")
WEB = "web"  # the identity of a dashboard account's membership: it acts in the web inbox, is never messaged
INVITE_VALIDITY = timedelta(days=7)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a phone


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def create_invite(session: AsyncSession, commune: str, role: str, now: datetime) -> str:
    """A new one-time code for joining `commune` as `role`; only its hash is stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if await session.get(Commune, commune) is None:
        raise ValueError(f"no commune {commune!r}; add it first with 'communes add'")
    code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    session.add(
        Invite(code_hash=_hash(code), commune=commune, role=role, created_at=now, expires_at=now + INVITE_VALIDITY)
    )
    await session.flush()
    return code


async def redeem_invite(
    session: AsyncSession, code: str, channel: str, external_id: str, name: str, now: datetime
) -> Member | None:
    """Join with a code: once, before it expires. None for an unknown, used or expired code."""
    used = await session.execute(
        update(Invite)
        .where(Invite.code_hash == _hash(code), Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now)
        .returning(Invite.id, Invite.commune, Invite.role)
    )
    row = used.first()
    if row is None:
        return None
    invite_id, commune, role = row
    member = await membership(session, commune, channel, external_id)
    if member is None:
        member = Member(commune=commune, role=role, channel=channel, external_id=external_id, name=name)
        session.add(member)
    else:
        member.role = role
        member.name = name or member.name
    await session.flush()
    await session.execute(update(Invite).where(Invite.id == invite_id).values(used_by=member.id))
    return member


async def membership(session: AsyncSession, commune: str, channel: str, external_id: str) -> Member | None:
    """This person's membership of one commune, if any."""
    query = select(Member).where(
        Member.commune == commune, Member.channel == channel, Member.external_id == external_id
    )
    return await session.scalar(query)


async def memberships(session: AsyncSession, channel: str, external_id: str) -> list[Member]:
    """Every commune this person answers for."""
    query = select(Member).where(Member.channel == channel, Member.external_id == external_id)
    return list(await session.scalars(query.order_by(Member.id)))


async def members_with_role(session: AsyncSession, commune: str, roles: tuple[str, ...]) -> list[Member]:
    """The commune's members in some roles that can be messaged in private (e.g. officers to hand a
    ticket to); dashboard memberships see their notices in the web inbox instead."""
    query = select(Member).where(Member.commune == commune, Member.role.in_(roles), Member.channel != WEB)
    return list(await session.scalars(query.order_by(Member.id)))


async def commune_of_team(session: AsyncSession, chat: Address) -> Commune | None:
    """The commune whose team chat this is."""
    query = select(Commune).where(Commune.team_channel == chat.channel, Commune.team_chat_id == chat.chat_id)
    return await session.scalar(query.limit(1))
