"""Dashboard accounts: creation, login with throttling per account and per address, and what each
role may see. Every role check of the dashboard goes through `can_see_commune` and `require_role`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from core.access.tokens import digest
from models import Commune, LoginFailure, WebAccount

ADMIN = "admin"
VOLUNTEER = "volunteer"
OFFICER = "officer"
ROLES = (ADMIN, OFFICER, VOLUNTEER)

THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES_ALLOWED = 5  # per account name in the window
ADDRESS_FAILURES_ALLOWED = 20  # per address in the window (several people may share a commune office's address)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    """An account that cannot be created as asked (the message says why, for the person typing)."""


@dataclass(frozen=True)
class LoginResult:
    """The account when the login succeeded; otherwise why not: "wrong" or "throttled"."""

    account: WebAccount | None
    refusal: str | None = None


def normalise_username(name: str) -> str:
    return name.strip().lower()


async def create_account(
    session: AsyncSession, username: str, password: str, role: str, commune: str | None
) -> WebAccount:
    """A new account; volunteers and officers belong to one commune, an admin sees every commune."""
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise AccountError("Tên đăng nhập: 2–64 ký tự, chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới.")
    if role not in ROLES:
        raise AccountError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    if role != ADMIN and commune is None:
        raise AccountError("Tình nguyện viên và cán bộ cần --commune (mã xã).")
    if commune is not None and await session.get(Commune, commune) is None:
        raise AccountError(f"Không có xã mã '{commune}'. Xem: python bot.py communes list")
    if await account_named(session, name) is not None:
        raise AccountError(f"Đã có tài khoản '{name}'.")
    account = WebAccount(username=name, password_hash=hash_password(password), role=role, commune=commune)
    session.add(account)
    await session.flush()
    return account


async def account_named(session: AsyncSession, username: str) -> WebAccount | None:
    return await session.scalar(select(WebAccount).where(WebAccount.username == normalise_username(username)))


def _keys(username: str, address: str) -> tuple[str, str]:
    return "a:" + digest(normalise_username(username)), "n:" + digest(address)


async def _failures(session: AsyncSession, key: str, now: datetime) -> int:
    query = select(func.count()).where(LoginFailure.key == key, LoginFailure.failed_at > now - THROTTLE_WINDOW)
    return int(await session.scalar(query) or 0)


async def authenticate(session: AsyncSession, username: str, password: str, address: str, now: datetime) -> LoginResult:
    """Check a login; too many recent failures for the name or the address refuse it before the
    password is even checked. Failures are recorded under hashes of the name and the address."""
    account_key, address_key = _keys(username, address)
    if (
        await _failures(session, account_key, now) >= ACCOUNT_FAILURES_ALLOWED
        or await _failures(session, address_key, now) >= ADDRESS_FAILURES_ALLOWED
    ):
        return LoginResult(None, "throttled")
    account = await account_named(session, username)
    valid = verify_password(account.password_hash if account else dummy_hash(), password)
    if account is None or not valid or account.disabled:
        session.add_all([LoginFailure(key=account_key, failed_at=now), LoginFailure(key=address_key, failed_at=now)])
        await session.flush()
        return LoginResult(None, "wrong")
    await session.execute(delete(LoginFailure).where(LoginFailure.key == account_key))
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_login_at = now
    return LoginResult(account)


async def forget_old_failures(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - THROTTLE_WINDOW))


def sees_every_commune(account: WebAccount) -> bool:
    return account.role == ADMIN


def can_see_commune(account: WebAccount, commune: str | None) -> bool:
    """Admins see every commune (and tickets of none); volunteers and officers only their own."""
    return sees_every_commune(account) or (commune is not None and commune == account.commune)


def visible_communes(account: WebAccount, communes: list[str]) -> list[str]:
    return [slug for slug in communes if can_see_commune(account, slug)]


def has_role(account: WebAccount, *roles: str) -> bool:
    return account.role in roles
