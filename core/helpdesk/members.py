"""Commune members (volunteer, officer, admin): one-time invite codes and role checks."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.helpdesk.tickets import CLAIMED, CLOSED, NEW
from core.language.i18n import N_, TranslatableError
from core.messages import Address
from models import Commune, Invite, Member, Ticket, TicketEvent, WebAccount
from models.base import as_utc

ROLES = ("volunteer", "officer", "admin")
ROLE_NAMES = {"volunteer": N_("tình nguyện viên"), "officer": N_("cán bộ"), "admin": N_("quản trị")}
WEB = "web"  # the identity of a dashboard account's membership: it acts in the web inbox, is never messaged
INVITE_VALIDITY = timedelta(days=7)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a phone


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def create_invite(
    session: AsyncSession, commune: str, role: str, now: datetime, valid_for: timedelta = INVITE_VALIDITY
) -> str:
    """A new one-time code for joining `commune` as `role`, valid for `valid_for`; only its hash is stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if await session.get(Commune, commune) is None:
        raise ValueError(f"no commune {commune!r}; add it first with 'communes add'")
    code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    session.add(Invite(code_hash=_hash(code), commune=commune, role=role, created_at=now, expires_at=now + valid_for))
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


async def commune_members(session: AsyncSession, commune: str) -> list[Member]:
    """Everyone who answers for the commune, on any channel or the dashboard, oldest first."""
    query = select(Member).where(Member.commune == commune).order_by(Member.created_at, Member.id)
    return list(await session.scalars(query))


async def member_of(session: AsyncSession, commune: str, member_id: int) -> Member | None:
    member = await session.get(Member, member_id)
    return member if member is not None and member.commune == commune else None


class MemberError(TranslatableError):
    """A change to a member that is not allowed (the message says why)."""


def _chat_member(member: Member) -> None:
    if member.channel == WEB:
        raise MemberError(
            N_("Thành viên này là một tài khoản trang quản trị: vai trò của họ theo tài khoản đăng nhập.")
        )


async def change_role(session: AsyncSession, member: Member, role: str) -> None:
    """Give a chat member another role in their commune (a dashboard membership follows its account)."""
    _chat_member(member)
    if role not in ROLES:
        roles = ", ".join(ROLE_NAMES[r] for r in ROLES)
        raise MemberError(N_("Vai trò phải là một trong: {roles}."), roles=roles)
    member.role = role
    await session.flush()


async def remove_member(session: AsyncSession, member: Member) -> list[Ticket]:
    """Take someone off the commune's team: the open tickets they held go back to the team (returned,
    so their cards can be refreshed), and the history keeps what they wrote without their name."""
    _chat_member(member)
    held = list(await session.scalars(select(Ticket).where(Ticket.assignee_id == member.id, Ticket.status != CLOSED)))
    for ticket in held:
        ticket.status = NEW if ticket.status == CLAIMED else ticket.status
    await session.execute(update(Ticket).where(Ticket.assignee_id == member.id).values(assignee_id=None))
    await session.execute(update(TicketEvent).where(TicketEvent.member_id == member.id).values(member_id=None))
    await session.execute(update(Invite).where(Invite.used_by == member.id).values(used_by=None))
    await session.execute(update(WebAccount).where(WebAccount.member_id == member.id).values(member_id=None))
    await session.delete(member)
    await session.flush()
    return held


async def pending_invites(session: AsyncSession, commune: str, now: datetime) -> list[Invite]:
    """The commune's codes nobody has used yet and that have not expired."""
    query = select(Invite).where(Invite.commune == commune, Invite.used_at.is_(None), Invite.expires_at > now)
    return list(await session.scalars(query.order_by(Invite.created_at)))


async def revoke_invite(session: AsyncSession, commune: str, invite_id: int, now: datetime) -> Invite | None:
    """Make a pending code of the commune unusable from now on; None when there is no such pending code."""
    invite = await session.get(Invite, invite_id)
    if invite is None or invite.commune != commune or invite.used_at is not None or as_utc(invite.expires_at) <= now:
        return None
    invite.expires_at = now
    await session.flush()
    return invite
