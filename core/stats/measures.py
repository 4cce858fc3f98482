"""Each number about residents' messages, defined once as SQL over the message log.

- messages: every message a resident sent the bot in a private chat (typed text, commands, button
  presses, files); team chats are never in the log.
- residents: distinct residents who sent at least one of those messages.
- questions: the typed text messages among them (what a resident asked in their own words).
- answered: questions the bot answered directly from the FAQ (containment = answered / questions).
- clarified: questions answered with a choice of likely questions (the bot was unsure).
- escalated: questions where the bot handed over to a person or offered one (asked for a person,
  or not understood).
- unanswered: questions the bot could not answer well: clarified, not understood, or marked 👎.
- feedback_up / feedback_down: questions the resident marked 👍 / 👎.

The numbers are read from the log's daily roll-ups (models/stats.py, kept by triggers of migration
0013), which give the same numbers as the definitions over the log below; `LOG` reads the log itself
(the recomputation the roll-ups are tested against).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.helpdesk.message_log import INBOUND
from core.stats.period import Scope, local_day_column
from models import IntentStatsDaily, MessageLog, MessageStatsDaily, ResidentDay

TEXT = "text"
NAMES = (
    "messages",
    "residents",
    "questions",
    "answered",
    "clarified",
    "escalated",
    "unanswered",
    "feedback_up",
    "feedback_down",
)


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def is_question() -> ColumnElement[bool]:
    return MessageLog.kind == TEXT


def is_unanswered() -> ColumnElement[bool]:
    """A question clarified, not understood (handed over with no intent), or marked 👎."""
    not_understood = and_(MessageLog.action == "escalate", MessageLog.intent.is_(None))
    return and_(is_question(), or_(MessageLog.action == "clarify", not_understood, MessageLog.feedback == "down"))


def columns() -> list[ColumnElement[Any]]:
    """The measures, in the order of NAMES."""
    question = is_question()
    return [
        func.count().label("messages"),
        func.count(func.distinct(MessageLog.user_id)).label("residents"),
        _count_where(question).label("questions"),
        _count_where(and_(question, MessageLog.action == "answer")).label("answered"),
        _count_where(and_(question, MessageLog.action == "clarify")).label("clarified"),
        _count_where(and_(question, MessageLog.action == "escalate")).label("escalated"),
        _count_where(is_unanswered()).label("unanswered"),
        _count_where(MessageLog.feedback == "up").label("feedback_up"),
        _count_where(MessageLog.feedback == "down").label("feedback_down"),
    ]


def in_scope(query: Select[Any], scope: Scope) -> Select[Any]:
    """Residents' messages within the scope's days, communes, channel and language."""
    query = query.where(
        MessageLog.direction == INBOUND,
        MessageLog.created_at >= scope.since,
        MessageLog.created_at < scope.until,
    )
    if scope.communes is not None:
        query = query.where(MessageLog.commune.in_(scope.communes))
    if scope.channel is not None:
        query = query.where(MessageLog.channel == scope.channel)
    if scope.language is not None:
        query = query.where(MessageLog.language == scope.language)
    return query


DAY, COMMUNE, VILLAGE = "day", "commune", "village"  # what the measures can be grouped by
NONE = ""  # a missing commune or village, as groups show it (and the roll-ups store it, a language too)
Groups = list[tuple[tuple[Any, ...], dict[str, int]]]


class Source(Protocol):
    """Where the measures are read from: the log, or its daily roll-ups (the same numbers)."""

    async def grouped(self, session: AsyncSession, scope: Scope, by: Sequence[str]) -> Groups: ...

    def answered_by_intent(self, scope: Scope) -> Select[Any]: ...


class Log:
    """The definitions themselves, over the message log's rows."""

    async def grouped(self, session: AsyncSession, scope: Scope, by: Sequence[str]) -> Groups:
        keys = [self._key(session, name) for name in by]
        query = in_scope(select(*keys, *columns()), scope).group_by(*keys).order_by(*keys)
        return [_split(tuple(row), len(keys)) for row in await session.execute(query)]

    def _key(self, session: AsyncSession, name: str) -> ColumnElement[Any]:
        if name == DAY:
            return local_day_column(session, MessageLog.created_at)
        return func.coalesce(MessageLog.commune if name == COMMUNE else MessageLog.village, NONE)

    def answered_by_intent(self, scope: Scope) -> Select[Any]:
        query = in_scope(select(MessageLog.intent, func.count().label("count")), scope)
        return query.where(is_question(), MessageLog.action == "answer", MessageLog.intent.is_not(None))


class Rollup:
    """The daily roll-ups: summed measures per day and place, and each day's residents per place."""

    async def grouped(self, session: AsyncSession, scope: Scope, by: Sequence[str]) -> Groups:
        summed = [name for name in NAMES if name != "residents"]
        keys = [getattr(MessageStatsDaily, name) for name in by]
        sums = [func.coalesce(func.sum(getattr(MessageStatsDaily, name)), 0) for name in summed]
        query = _rollup_scope(select(*keys, *sums), MessageStatsDaily, scope).group_by(*keys)
        groups = {
            tuple(row[: len(by)]): dict(zip(summed, row[len(by) :], strict=True))
            for row in await session.execute(query)
        }
        residents = dict(await _residents(session, scope, by))
        out = []
        for key in sorted(groups):
            values = {**groups[key], "residents": residents.get(key, 0)}
            out.append((key, {name: int(values[name]) for name in NAMES}))
        return out

    def answered_by_intent(self, scope: Scope) -> Select[Any]:
        count = func.sum(IntentStatsDaily.answered)
        query = _rollup_scope(select(IntentStatsDaily.intent, count.label("count")), IntentStatsDaily, scope)
        return query.having(count > 0)


async def _residents(session: AsyncSession, scope: Scope, by: Sequence[str]) -> list[tuple[tuple[Any, ...], int]]:
    """Distinct residents per group. Per day, COUNT(DISTINCT) reads the key's order (day, resident);
    otherwise each (group, resident) is listed once and counted, which hashes instead of sorting."""
    listed = [getattr(ResidentDay, name) for name in by]
    if DAY in by:
        query = select(*listed, func.count(func.distinct(ResidentDay.user_id))).group_by(*listed)
        rows = await session.execute(_rollup_scope(query, ResidentDay, scope))
    else:
        pairs = _rollup_scope(select(*listed, ResidentDay.user_id).distinct(), ResidentDay, scope).subquery()
        group = [pairs.c[name] for name in by]
        rows = await session.execute(select(*group, func.count()).select_from(pairs).group_by(*group))
    return [(tuple(row[:-1]), int(row[-1])) for row in rows]


LOG: Source = Log()
ROLLUP: Source = Rollup()


def _split(row: tuple[Any, ...], keys: int) -> tuple[tuple[Any, ...], dict[str, int]]:
    return row[:keys], {name: int(value) for name, value in zip(NAMES, row[keys:], strict=True)}


def _rollup_scope(
    query: Select[Any], table: type[MessageStatsDaily] | type[ResidentDay] | type[IntentStatsDaily], scope: Scope
) -> Select[Any]:
    query = query.where(table.day >= scope.start, table.day <= scope.end)
    if scope.communes is not None:  # a row without a commune is in no commune's scope
        query = query.where(table.commune.in_([c for c in scope.communes if c != NONE]))
    if scope.channel is not None:
        query = query.where(table.channel == scope.channel)
    if scope.language is not None:  # nor is a row without a language in a language's
        query = query.where(table.language == scope.language if scope.language != NONE else false())
    return query


async def totals(session: AsyncSession, scope: Scope, source: Source = ROLLUP) -> dict[str, int]:
    found = await source.grouped(session, scope, [])
    return found[0][1] if found else dict.fromkeys(NAMES, 0)


async def grouped(session: AsyncSession, scope: Scope, by: Sequence[str], source: Source = ROLLUP) -> Groups:
    """The measures per group (e.g. [DAY, COMMUNE]: per local day and commune), in the order of the keys."""
    return await source.grouped(session, scope, by)


async def top_intents(
    session: AsyncSession, scope: Scope, limit: int = 10, source: Source = ROLLUP
) -> list[tuple[str, int]]:
    """The FAQ entries the bot answered questions with most often."""
    query = source.answered_by_intent(scope)
    intent, count = query.selected_columns
    query = query.group_by(intent).order_by(count.desc(), intent).limit(limit)
    return [(str(name), int(n)) for name, n in await session.execute(query)]


async def channels_seen(session: AsyncSession) -> list[str]:
    """The channels residents have written on (for a filter's choices): every inbound row is in the roll-up."""
    query = select(MessageStatsDaily.channel).distinct().order_by(MessageStatsDaily.channel)
    return [str(channel) for channel in await session.scalars(query)]
