"""Communes: the list residents choose from, and setup from the command line."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.language.normalize import fold
from core.messages import Address
from models import Commune


async def list_communes(session: AsyncSession) -> list[Commune]:
    """Every commune, the default first, then by name."""
    rows = await session.scalars(select(Commune).order_by(Commune.is_default.desc(), Commune.name))
    return list(rows)


async def save_commune(
    session: AsyncSession, slug: str, name: str, team: Address | None = None, is_default: bool = False
) -> Commune:
    """Create or update a commune (with its team's chat, when given); marking one default unmarks the others."""
    commune = await session.get(Commune, slug) or Commune(slug=slug)
    commune.name = name
    if team is not None:
        commune.team_channel, commune.team_chat_id = team.channel, team.chat_id
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
