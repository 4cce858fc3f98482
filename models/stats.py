"""Daily roll-ups of the message log for the statistics, kept by database triggers (migration 0013).

Every inbound message_log row counts once in `message_stats_daily`, under its local (Vietnam) day,
commune, village, channel and language at the time; its resident is listed once per such day and
place in `resident_days` (for the distinct residents of any period); every inbound typed question
the bot answered from the FAQ counts once in `intent_stats_daily`. The triggers add a row's part on
insert, move it on update and take it away on delete, so the roll-ups always equal a recomputation
from the log (core/stats reads them; tests/test_stats_rollup.py checks the equality). A missing
commune, village or language is stored as "" (keys cannot be NULL); a row of no resident counts in
the measures but lists nobody.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

WITHOUT_ROWID = {"sqlite_with_rowid": False}  # SQLite keeps the rows in key order (no second copy of the key)


class MessageStatsDaily(Base):
    __tablename__ = "message_stats_daily"
    __table_args__ = (WITHOUT_ROWID,)

    day: Mapped[date] = mapped_column(primary_key=True)
    commune: Mapped[str] = mapped_column(String(64), primary_key=True)
    village: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    messages: Mapped[int]
    questions: Mapped[int]
    answered: Mapped[int]
    clarified: Mapped[int]
    escalated: Mapped[int]
    unanswered: Mapped[int]
    feedback_up: Mapped[int]
    feedback_down: Mapped[int]


class ResidentDay(Base):
    __tablename__ = "resident_days"
    __table_args__ = (WITHOUT_ROWID,)

    day: Mapped[date] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    commune: Mapped[str] = mapped_column(String(64), primary_key=True)
    village: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)


class IntentStatsDaily(Base):
    __tablename__ = "intent_stats_daily"
    __table_args__ = (WITHOUT_ROWID,)

    day: Mapped[date] = mapped_column(primary_key=True)
    commune: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    intent: Mapped[str] = mapped_column(String(64), primary_key=True)
    answered: Mapped[int]
