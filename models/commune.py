"""Communes the helpdesk serves; residents pick theirs, volunteers belong to one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Commune(Base):
    __tablename__ = "communes"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    is_default: Mapped[bool] = mapped_column(default=False)
    # The team's address: where the commune's tickets are posted (e.g. a Telegram group), if linked.
    team_channel: Mapped[str | None] = mapped_column(String(16), default=None)
    team_chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    remind_after_minutes: Mapped[int] = mapped_column(default=15)
    escalate_after_minutes: Mapped[int] = mapped_column(default=120)
    autoclose_after_hours: Mapped[int] = mapped_column(default=72)
    duty_start_hour: Mapped[int] = mapped_column(default=7)
    duty_end_hour: Mapped[int] = mapped_column(default=17)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
