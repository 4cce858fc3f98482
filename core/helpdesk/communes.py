"""Communes: the list residents choose from, and their setup (name, team address, timers), shared by
the command line and the dashboard."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.language.i18n import N_, TranslatableError
from core.language.normalize import fold
from core.messages import Address
from models import Commune

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
MAX_NAME = 128
MAX_CHAT_ID = 64


class CommuneError(TranslatableError):
    """A commune setting that cannot be saved (the message says why, for the person typing)."""


@dataclass(frozen=True)
class Timers:
    """When the team is reminded, when officers are called in, when a quiet ticket closes, duty hours."""

    remind_after_minutes: int = 15
    escalate_after_minutes: int = 120
    autoclose_after_hours: int = 72
    duty_start_hour: int = 7
    duty_end_hour: int = 17

    @classmethod
    def of(cls, commune: Commune) -> Timers:
        return cls(**{f.name: getattr(commune, f.name) for f in fields(cls)})


# Each timer's label for people and the values it may take.
TIMER_LIMITS: dict[str, tuple[str, int, int]] = {
    "remind_after_minutes": (N_("Nhắc tổ sau (phút)"), 1, 24 * 60),
    "escalate_after_minutes": (N_("Chuyển cán bộ sau (phút)"), 1, 7 * 24 * 60),
    "autoclose_after_hours": (N_("Tự đóng sau (giờ)"), 1, 30 * 24),
    "duty_start_hour": (N_("Giờ bắt đầu trực"), 0, 23),
    "duty_end_hour": (N_("Giờ kết thúc trực"), 1, 24),
}


def read_timers(values: Mapping[str, str]) -> Timers:
    """Timers from typed text (e.g. a form); CommuneError names the first value that is not allowed."""
    numbers: dict[str, int] = {}
    for name, (label, low, high) in TIMER_LIMITS.items():
        text = values.get(name, "").strip()
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            message = N_("{label}: cần một số nguyên từ {low} đến {high}.")
            raise CommuneError(message, label=label, low=low, high=high, msgids=("label",))
        numbers[name] = int(text)
    return check_timers(Timers(**numbers))


def check_timers(timers: Timers) -> Timers:
    """The timers when they make sense together; CommuneError otherwise."""
    if timers.escalate_after_minutes <= timers.remind_after_minutes:
        raise CommuneError(N_("Thời gian chuyển cán bộ phải dài hơn thời gian nhắc tổ."))
    if timers.duty_start_hour >= timers.duty_end_hour:
        raise CommuneError(N_("Giờ bắt đầu trực phải sớm hơn giờ kết thúc trực."))
    return timers


def team_address(channel: str, chat_id: str, channels: Collection[str]) -> Address | None:
    """The team's chat typed as a channel and a chat id (None when both are empty: the queue)."""
    channel, chat_id = channel.strip(), chat_id.strip()
    if not channel and not chat_id:
        return None
    if channel not in channels:
        raise CommuneError(N_("Địa chỉ tổ: chọn một kênh đang chạy trên máy chủ này."))
    if not chat_id.lstrip("-").isalnum() or not chat_id.isascii() or len(chat_id) > MAX_CHAT_ID:
        raise CommuneError(N_("Địa chỉ tổ: mã nhóm chat chỉ gồm chữ, số và dấu trừ ở đầu, ví dụ -100123."))
    return Address(channel, chat_id, group=True)


def describe(commune: Commune) -> dict[str, Any]:
    """A commune's settings as plain values (for the audit log)."""
    team = f"{commune.team_channel}:{commune.team_chat_id}" if commune.team_chat_id else None
    return {"name": commune.name, "default": bool(commune.is_default), "team": team, **asdict(Timers.of(commune))}


async def list_communes(session: AsyncSession) -> list[Commune]:
    """Every commune, the default first, then by name."""
    rows = await session.scalars(select(Commune).order_by(Commune.is_default.desc(), Commune.name))
    return list(rows)


async def _check(session: AsyncSession, slug: str, name: str, team: Address | None, *, new: bool) -> None:
    if not SLUG.fullmatch(slug):
        raise CommuneError(N_("Mã xã: 1–40 ký tự chữ thường không dấu, số hoặc gạch ngang, ví dụ thuong-trach."))
    if not name or len(name) > MAX_NAME:
        raise CommuneError(N_("Tên xã: cần từ 1 đến {limit} ký tự."), limit=MAX_NAME)
    if new and await session.get(Commune, slug) is not None:
        raise CommuneError(N_("Đã có xã mã '{slug}'."), slug=slug)
    if team is not None:
        other = await session.scalar(
            select(Commune.name).where(
                Commune.team_channel == team.channel, Commune.team_chat_id == team.chat_id, Commune.slug != slug
            )
        )
        if other is not None:
            raise CommuneError(N_("Nhóm chat này đã là địa chỉ tổ của xã {commune}."), commune=other)


async def save_commune(
    session: AsyncSession,
    slug: str,
    name: str,
    team: Address | None = None,
    is_default: bool = False,
    *,
    timers: Timers | None = None,
    unlink_team: bool = False,
    new: bool = False,
) -> Commune:
    """Create or update a commune, checked first (CommuneError says what is wrong). A team address
    replaces the old one (`unlink_team` sends its tickets to the queue instead), timers replace the
    old ones, and marking one default unmarks the others; what is not given stays as it is."""
    name = " ".join(name.split())
    await _check(session, slug, name, team, new=new)
    commune = await session.get(Commune, slug) or Commune(slug=slug)
    commune.name = name
    if team is not None:
        commune.team_channel, commune.team_chat_id = team.channel, team.chat_id
    elif unlink_team:
        commune.team_channel = commune.team_chat_id = None
    if timers is not None:
        for key, value in asdict(check_timers(timers)).items():
            setattr(commune, key, value)
    if is_default:
        await session.execute(update(Commune).values(is_default=False))
    commune.is_default = is_default or bool(commune.is_default)
    session.add(commune)
    await session.flush()
    return commune


async def find_commune(session: AsyncSession, text: str) -> Commune | None:
    """The commune whose name or slug matches a typed text, diacritics optional."""
    wanted = " ".join(fold(text).replace("xa ", "", 1).split()) if text else ""
    for commune in await list_communes(session):
        if wanted in {fold(commune.name), commune.slug.replace("-", " "), commune.slug}:
            return commune
    return None
