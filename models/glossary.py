"""Hard words and their plain explanations (minority-language entries only when verified)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class GlossaryTerm(Base):
    __tablename__ = "glossary_terms"
    __table_args__ = (UniqueConstraint("term", "lang", name="uq_glossary_terms_term_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(128))
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[bool] = mapped_column(default=True)
    reviewed_on: Mapped[date | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
