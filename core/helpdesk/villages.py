"""A commune's villages as its admins keep them, and how many residents said they live in each
(residents type their village freely; names match without regard to case or marks)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.language.i18n import N_, TranslatableError
from core.language.normalize import fold
from models import User, Village

MAX_NAME = 128


class VillageError(TranslatableError):
    """A village name that cannot be saved (the message says why, for the person typing)."""


def _key(name: str) -> str:
    return " ".join(fold(name).split())


def _clean(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME:
        raise VillageError(N_("Tên thôn: cần từ 1 đến {limit} ký tự."), limit=MAX_NAME)
    return cleaned


async def _typed(session: AsyncSession, commune: str) -> dict[str, int]:
    """What the commune's residents typed as their village, with how many typed each."""
    query = (
        select(User.village, func.count())
        .where(User.commune == commune, User.village.is_not(None))
        .group_by(User.village)
    )
    return {str(village): int(count) for village, count in await session.execute(query)}


async def villages_of(session: AsyncSession, commune: str) -> list[Village]:
    query = select(Village).where(Village.commune == commune).order_by(Village.name)
    return list(await session.scalars(query))


async def residents_by_village(
    session: AsyncSession, commune: str
) -> tuple[list[tuple[Village, int]], list[tuple[str, int]]]:
    """Each listed village with its residents, and what residents typed that is not on the list."""
    villages = await villages_of(session, commune)
    counts: Counter[str] = Counter()
    typed_by_key: dict[str, list[str]] = {}
    for typed, count in (await _typed(session, commune)).items():
        counts[_key(typed)] += count
        typed_by_key.setdefault(_key(typed), []).append(typed)
    listed = {_key(v.name) for v in villages}
    unlisted = sorted(
        ((names[0], counts[key]) for key, names in typed_by_key.items() if key not in listed), key=lambda r: -r[1]
    )
    return [(v, counts[_key(v.name)]) for v in villages], unlisted


async def village_of(session: AsyncSession, commune: str, village_id: int) -> Village | None:
    village = await session.get(Village, village_id)
    return village if village is not None and village.commune == commune else None


async def _unique(session: AsyncSession, commune: str, name: str, keep_id: int | None = None) -> None:
    for other in await villages_of(session, commune):
        if other.id != keep_id and _key(other.name) == _key(name):
            raise VillageError(N_("Xã này đã có thôn '{village}'."), village=other.name)


async def add_village(session: AsyncSession, commune: str, name: str, now: datetime) -> Village:
    """A new village of the commune; VillageError when the name is empty, too long or already listed."""
    name = _clean(name)
    await _unique(session, commune, name)
    village = Village(commune=commune, name=name, created_at=now)
    session.add(village)
    await session.flush()
    return village


async def rename_village(session: AsyncSession, village: Village, name: str) -> int:
    """Rename a village; residents who gave its old name get the new one. How many residents moved."""
    name = _clean(name)
    await _unique(session, village.commune, name, keep_id=village.id)
    old = _key(village.name)
    variants = [typed for typed in await _typed(session, village.commune) if _key(typed) == old]
    moved = 0
    if variants:
        result = await session.execute(
            update(User).where(User.commune == village.commune, User.village.in_(variants)).values(village=name)
        )
        moved = int(result.rowcount or 0)  # type: ignore[attr-defined]
    village.name = name
    await session.flush()
    return moved


async def remove_village(session: AsyncSession, village: Village) -> None:
    """Take a village off the list; residents keep the village they typed."""
    await session.delete(village)
    await session.flush()
