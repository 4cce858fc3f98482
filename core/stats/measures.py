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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.helpdesk.message_log import INBOUND
from core.stats.period import Scope
from models import MessageLog

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


async def totals(session: AsyncSession, scope: Scope) -> dict[str, int]:
    row = (await session.execute(in_scope(select(*columns()), scope))).one()
    return {name: int(value) for name, value in zip(NAMES, row, strict=True)}


async def grouped(
    session: AsyncSession, scope: Scope, keys: Sequence[ColumnElement[Any]]
) -> list[tuple[tuple[Any, ...], dict[str, int]]]:
    """The measures per group of `keys` (e.g. the local day and the commune)."""
    query = in_scope(select(*keys, *columns()), scope).group_by(*keys).order_by(*keys)
    out = []
    for row in await session.execute(query):
        values = tuple(row)
        out.append((values[: len(keys)], {n: int(v) for n, v in zip(NAMES, values[len(keys) :], strict=True)}))
    return out


async def top_intents(session: AsyncSession, scope: Scope, limit: int = 10) -> list[tuple[str, int]]:
    """The FAQ entries the bot answered questions with most often."""
    count = func.count().label("count")
    query = in_scope(select(MessageLog.intent, count), scope).where(
        is_question(), MessageLog.action == "answer", MessageLog.intent.is_not(None)
    )
    query = query.group_by(MessageLog.intent).order_by(count.desc(), MessageLog.intent).limit(limit)
    return [(str(intent), int(n)) for intent, n in await session.execute(query)]


async def channels_seen(session: AsyncSession) -> list[str]:
    """The channels residents have written on (for a filter's choices)."""
    query = select(MessageLog.channel).where(MessageLog.direction == INBOUND).distinct().order_by(MessageLog.channel)
    return [str(channel) for channel in await session.scalars(query)]
