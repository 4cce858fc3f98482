"""One-time links that let a team member who joined in a chat make (or reset) their dashboard login.

A link token is stateless and nothing of it is stored: `<member id>.<expiry>.<mac>`, where the MAC
(HMAC-SHA256 under the process's link key) covers the member id, the expiry and the member's current
link state (role, commune, and the linked account's id and password hash, or none). Making the login
or setting a new password changes that state, so a token works once; it also stops working when it
expires or the membership changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import audit
from core.access.accounts import ADMIN, OFFICER, create_account
from core.access.passwords import hash_password
from core.access.sessions import end_sessions_of
from core.access.tokens import same
from models import Member, WebAccount

LINK_VALIDITY = timedelta(minutes=15)
_ROLE_ORDER = {"admin": 0, "officer": 1, "volunteer": 2}
_TOKEN = re.compile(r"^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")
_PURPOSE = "caunoi-web-link-v1"


class LinkError(ValueError):
    """A link that cannot be used (unknown, forged, expired or already used)."""


@dataclass(frozen=True)
class Link:
    """The membership a valid link is for, and the dashboard account already linked to it (if any)."""

    member: Member
    account: WebAccount | None


async def member_to_link(session: AsyncSession, channel: str, external_id: str) -> Member | None:
    """The chat membership whose login this person manages: the one already linked to an account,
    else the highest role (admin, officer, volunteer), earliest joined. None for a non-member."""
    found = list(
        await session.scalars(
            select(Member).where(Member.channel == channel, Member.external_id == external_id).order_by(Member.id)
        )
    )
    linked = set(
        await session.scalars(select(WebAccount.member_id).where(WebAccount.member_id.in_([m.id for m in found])))
    )
    return min(found, key=lambda m: (m.id not in linked, _ROLE_ORDER.get(m.role, len(_ROLE_ORDER))), default=None)


async def linked_account(session: AsyncSession, member_id: int) -> WebAccount | None:
    """The dashboard account linked to this membership."""
    query = select(WebAccount).where(WebAccount.member_id == member_id).order_by(WebAccount.id).limit(1)
    return await session.scalar(query)


def issue_token(key: bytes, member: Member, account: WebAccount | None, now: datetime) -> str:
    """A token for this membership in its current link state, valid for LINK_VALIDITY."""
    if not key:
        raise ValueError("a link key is needed to sign links")
    expires = int((now + LINK_VALIDITY).timestamp())
    return f"{member.id}.{expires}.{_mac(key, member, account, expires)}"


def _mac(key: bytes, member: Member, account: WebAccount | None, expires: int) -> str:
    linked = f"{account.id}:{account.password_hash}" if account is not None else "-"
    message = "\x1f".join((_PURPOSE, str(member.id), str(expires), member.role, member.commune, linked))
    mac = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


async def open_link(session: AsyncSession, key: bytes, token: str, now: datetime, *, lock: bool = False) -> Link | None:
    """The link a token stands for, or None when it is malformed, forged, expired or used, or its
    account is disabled. `lock` holds the membership's row so two uses of one token run one after another."""
    parsed = _TOKEN.match(token)
    if parsed is None or not key:
        return None
    member_id, expires, mac = int(parsed.group(1)), int(parsed.group(2)), parsed.group(3)
    if expires <= now.timestamp():
        return None
    query = select(Member).where(Member.id == member_id)
    member = await session.scalar(query.with_for_update() if lock else query)
    if member is None:
        return None
    account = await linked_account(session, member.id)
    if not same(mac, _mac(key, member, account, expires)) or (account is not None and account.disabled):
        return None
    return Link(member, account)


def dashboard_role(member_role: str) -> str:
    """The dashboard role a chat membership's own link may give: its role, but never the dashboard's admin,
    who sees and edits every commune and the shared FAQ (a commune's chat admin becomes an officer of
    that commune there; dashboard admins are made on the server with `bot.py admin create-user`)."""
    return OFFICER if member_role == ADMIN else member_role


async def use_link(
    session: AsyncSession, key: bytes, token: str, username: str, password: str, now: datetime
) -> WebAccount:
    """Make the member's dashboard account (their role and commune, linked to the membership) or, when
    they have one, set its new password and log it out everywhere; recorded in the audit log. Raises
    LinkError for an unusable link, AccountError or WeakPassword for a refused name or password."""
    link = await open_link(session, key, token, now, lock=True)
    if link is None:
        raise LinkError("Liên kết đã hết hạn hoặc đã được dùng.")
    member = link.member
    if link.account is None:
        account = await create_account(session, username, password, dashboard_role(member.role), member.commune)
        account.member_id = member.id
        action = "account.link"
    else:
        account = link.account
        account.password_hash = hash_password(password)
        await end_sessions_of(session, account.id)
        action = "account.password"
    await session.flush()
    details = {"username": account.username, "role": account.role, "commune": account.commune, "member": member.id}
    await audit.record(session, f"{member.channel}:{member.external_id}", action, account.username, now, after=details)
    return account
