"""Hard words: a Vietnamese term with its plain explanation, the entries volunteers record for it in
residents' own languages (text and/or voice, shown only once verified), and how often terms are asked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

PROPOSED = "proposed"
VERIFIED = "verified"
REJECTED = "rejected"
STATUSES = (PROPOSED, VERIFIED, REJECTED)


class GlossaryTerm(Base):
    """A term and its plain explanation in a base language (Vietnamese; `explanation_en` in English)."""

    __tablename__ = "glossary_terms"
    __table_args__ = (UniqueConstraint("term", "lang", name="uq_glossary_terms_term_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(128))
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    picture: Mapped[str | None] = mapped_column(String(160), default=None)  # a media-store key
    source: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[bool] = mapped_column(default=True)
    reviewed_on: Mapped[date | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    entries: Mapped[list[GlossaryEntry]] = relationship(
        back_populates="term", cascade="all, delete-orphan", order_by="GlossaryEntry.id"
    )


class GlossaryEntry(Base):
    """A term in a resident's language (`bru`, `pac`, `tth`, `scb`…): text and/or a recording (a
    media-store key), who contributed it and who verified or rejected it; residents see it only verified."""

    __tablename__ = "glossary_entries"
    __table_args__ = (Index("ix_glossary_entries_lang_status", "lang", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("glossary_terms.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text, default="")
    audio: Mapped[str | None] = mapped_column(String(160), default=None)
    contributor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    contributor_name: Mapped[str] = mapped_column(String(128), default="")
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    verifier_name: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[str] = mapped_column(String(16), default=PROPOSED)
    origin: Mapped[str] = mapped_column(String(16), default="chat")  # chat, csv or web
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)

    term: Mapped[GlossaryTerm] = relationship(back_populates="entries")


class GlossaryLookup(Base):
    """Lookups a day per language: of a term (`term` set) or of a word no term matched (`asked`, masked)."""

    __tablename__ = "glossary_lookups"
    __table_args__ = (UniqueConstraint("day", "lang", "term", "asked", name="uq_glossary_lookups_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    lang: Mapped[str] = mapped_column(String(8))
    term: Mapped[str] = mapped_column(String(128), default="")
    asked: Mapped[str] = mapped_column(String(64), default="")
    count: Mapped[int] = mapped_column(default=0)


class FaqVoiceAnswer(Base):
    """A recorded voice answer of an FAQ entry in one language, sent with the text to residents who
    chose to listen."""

    __tablename__ = "faq_voice_answers"
    __table_args__ = (UniqueConstraint("entry_id", "lang", name="uq_faq_voice_answers_entry_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    audio: Mapped[str] = mapped_column(String(160))
    added_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
