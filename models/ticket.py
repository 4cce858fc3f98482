"""Requests for a person: tickets and what was said on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Ticket(Base):
    """One resident's request for a person, from opening to rating."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_commune_status", "commune", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    commune: Mapped[str | None] = mapped_column(ForeignKey("communes.slug"), default=None)
    village: Mapped[str | None] = mapped_column(String(128), default=None)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    status: Mapped[str] = mapped_column(String(16), default="new")
    reason: Mapped[str] = mapped_column(String(32), default="asked")
    summary: Mapped[str] = mapped_column(Text, default="")
    bot_intent: Mapped[str | None] = mapped_column(String(64), default=None)
    bot_answer: Mapped[str | None] = mapped_column(String(64), default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    with_officers: Mapped[bool] = mapped_column(default=False)
    detached: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    rating: Mapped[int | None] = mapped_column(default=None)
    # The team it was posted to (the commune's team address when it was opened), or none: it waits in the queue.
    team_channel: Mapped[str | None] = mapped_column(String(16), default=None)
    team_chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    delivery_problem: Mapped[str | None] = mapped_column(Text, default=None)


class TicketEvent(Base):
    """One line of a ticket's conversation (masked) or of its history."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    text_masked: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
