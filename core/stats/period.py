"""What a statistic is computed over: local (Vietnam) days, communes, channel, language."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, literal_column
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.language.i18n import N_, TranslatableError

LOCAL_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh, no daylight saving
MAX_DAYS = 3 * 366


class PeriodError(TranslatableError):
    """A period that cannot be computed (the message says why; `text(_)` in the reader's language)."""


@dataclass(frozen=True)
class Scope:
    """Local days `start`..`end` (both included); `communes` None means every commune (and none)."""

    start: date
    end: date
    communes: tuple[str, ...] | None = None
    channel: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(N_("Ngày kết thúc trước ngày bắt đầu."))
        if (self.end - self.start).days >= MAX_DAYS:
            raise PeriodError(N_("Khoảng thời gian dài quá {days} ngày."), days=MAX_DAYS)

    @property
    def since(self) -> datetime:
        """The first UTC moment of the period."""
        return datetime.combine(self.start, time(), UTC) - LOCAL_OFFSET

    @property
    def until(self) -> datetime:
        """The first UTC moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC) - LOCAL_OFFSET

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def only(self, commune: str) -> Scope:
        return replace(self, communes=(commune,))


def local_day(moment: datetime) -> date:
    """The Vietnamese calendar day of a UTC moment."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware + LOCAL_OFFSET).date()


def local_day_column(
    session: AsyncSession, column: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> ColumnElement[Any]:
    """SQL for the Vietnamese calendar day of a stored UTC moment, in the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(literal_column("'Asia/Ho_Chi_Minh'"), column), Date)
    return func.date(column, literal_column("'+7 hours'"))


def as_date(value: date | str) -> date:
    """A day from SQL: PostgreSQL gives a date, SQLite its ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
