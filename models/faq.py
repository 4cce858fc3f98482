"""FAQ content: categories, entries and the paraphrases the matcher learns from."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class FaqCategory(Base):
    __tablename__ = "faq_categories"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    title_en: Mapped[str] = mapped_column(String(128), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)


class FaqEntry(Base):
    __tablename__ = "faq_entries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category_id: Mapped[str] = mapped_column(ForeignKey("faq_categories.id"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    question_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    answer_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(Text, default="")
    reviewed_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="published")
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    paraphrases: Mapped[list[FaqParaphrase]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="FaqParaphrase.id"
    )


class FaqParaphrase(Base):
    __tablename__ = "faq_paraphrases"
    __table_args__ = (UniqueConstraint("entry_id", "text", name="uq_faq_paraphrases_entry_text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")
    status: Mapped[str] = mapped_column(String(16), default="active")
    origin: Mapped[str] = mapped_column(String(16), default="seed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[FaqEntry] = relationship(back_populates="paraphrases")
