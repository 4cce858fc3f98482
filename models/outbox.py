"""Messages waiting to be sent, sent, or given up on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class OutboxMessage(Base):
    """One outbound message to a chat; a worker sends it after the unit of work that made it commits."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "lease_until", "not_before"),
        Index("ix_outbox_chat_platform", "chat_id", "platform_msg_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16), default="reply")
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    to_group: Mapped[bool] = mapped_column(default=False)
    # A conversation thread in the chat ("ticket:12"): its anchor message, posts under it, edits of it.
    thread: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(32), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    platform_msg_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboxThread(Base):
    """Where a thread lives in one chat: its anchor message (a ticket's card) and forum topic, once posted."""

    __tablename__ = "outbox_threads"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "thread", name="uq_outbox_threads_chat_thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    thread: Mapped[str] = mapped_column(String(64))
    anchor_message_id: Mapped[str | None] = mapped_column(String(64), default=None)
    topic_id: Mapped[int | None] = mapped_column(default=None)
