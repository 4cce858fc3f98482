"""People who talk to the bot, one row per (channel, external id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    listen: Mapped[bool] = mapped_column(default=False, server_default=false())  # send recorded voice answers
    commune: Mapped[str | None] = mapped_column(ForeignKey("communes.slug", ondelete="SET NULL"), default=None)
    # What the resident typed for a commune we do not serve (masked), kept apart from `commune`.
    place_typed: Mapped[str | None] = mapped_column(String(64), default=None)
    village: Mapped[str | None] = mapped_column(String(128), default=None)
    role: Mapped[str] = mapped_column(String(16), default="resident")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
