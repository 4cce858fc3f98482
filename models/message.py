"""Inbound and outbound message log (text masked before it gets here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class MessageLog(Base):
    __tablename__ = "message_log"
    __table_args__ = (
        UniqueConstraint("channel", "platform_msg_id", name="uq_message_log_channel_platform_msg"),
        Index("ix_message_log_created_at", "created_at"),
        Index("ix_message_log_intent", "intent"),
        Index("ix_message_log_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), default=None)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))
    # Where and who, at the time: "private" or "sms" rows are residents' questions; statistics read only those.
    chat_kind: Mapped[str] = mapped_column(String(8), default="private")
    commune: Mapped[str | None] = mapped_column(String(64), default=None)
    village: Mapped[str | None] = mapped_column(String(128), default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text_masked: Mapped[str] = mapped_column(Text, default="")
    platform_msg_id: Mapped[str | None] = mapped_column(String(64), default=None)
    intent: Mapped[str | None] = mapped_column(String(64), default=None)
    confidence: Mapped[float | None] = mapped_column(default=None)
    action: Mapped[str | None] = mapped_column(String(16), default=None)
    handling_ms: Mapped[float | None] = mapped_column(default=None)
    feedback: Mapped[str | None] = mapped_column(String(8), default=None)
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
