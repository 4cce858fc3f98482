"""Volunteers, officers and admins of a commune, and the one-time codes they join with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Member(Base):
    """A person who answers residents for one commune, in one role."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("commune", "channel", "external_id", name="uq_members_commune_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune: Mapped[str] = mapped_column(ForeignKey("communes.slug"))
    role: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(Base):
    """A one-time join code; only its hash is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    commune: Mapped[str] = mapped_column(ForeignKey("communes.slug"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
