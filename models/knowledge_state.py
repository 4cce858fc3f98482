"""The knowledge base's version (every running process reloads when it moves) and FAQ entries' history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class KnowledgeVersion(Base):
    """One row: a counter every published change to the FAQ, its paraphrases or the glossary moves."""

    __tablename__ = "knowledge_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqRevision(Base):
    """An FAQ entry as it was saved, by whom and when (entries keep their history even once removed)."""

    __tablename__ = "faq_revisions"
    __table_args__ = (Index("ix_faq_revisions_entry_id_id", "entry_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(128))
    category_id: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    question_en: Mapped[str] = mapped_column(Text, default="")
    answer_en: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    reviewed_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16))
    paraphrases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
