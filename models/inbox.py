"""Platform events accepted from a channel, kept until they have been handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class InboxEvent(Base):
    """One webhook post or polled update, committed before the platform is told it arrived.

    `body` holds the raw platform event only until it is handled; then it is cleared and the row
    stays as the record that (channel, key) was seen, so a redelivery is recognised.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "key", name="uq_inbox_channel_key"),
        Index("ix_inbox_due", "status", "lease_until", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    chat_key: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(32), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(default=None)
