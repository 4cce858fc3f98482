"""The statistics' daily roll-ups (kept by migration 0013's triggers) equal a recomputation from the
message log, after inserts, updates of every counted column, deletes and a resident's erasure, on
SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.stats import measures
from core.stats.exports import daily_rows
from core.stats.measures import LOG, ROLLUP
from core.stats.overview import overview
from core.stats.period import Scope, local_day
from handlers.context import BotContext
from models import IntentStatsDaily, MessageLog, MessageStatsDaily, ResidentDay, User

START = datetime(2026, 10, 30, 15, tzinfo=UTC)  # 22:00 local: rows fall either side of local midnights
COMMUNES = ("xa-a", "xa-b", None)
VILLAGES = ("Bản Một", "Bản Hai", "", None)
LANGUAGES = ("vi", "en", None)
KINDS = ("text", "text", "text", "button", "command", "media")
ACTIONS = ("answer", "answer", "clarify", "escalate", "smalltalk", None)
INTENTS = ("forgot_password", "activate_account", "human", None)
FEEDBACK = (None, None, "up", "down")
SCOPES = (
    Scope(date(2026, 10, 30), date(2026, 11, 6)),
    Scope(date(2026, 11, 1), date(2026, 11, 2)),
    Scope(date(2026, 10, 31), date(2026, 11, 4)).only("xa-a"),
    Scope(date(2026, 10, 30), date(2026, 11, 6), communes=("xa-a", "xa-b")),
    Scope(date(2026, 10, 30), date(2026, 11, 6), channel="zalo"),
    Scope(date(2026, 10, 30), date(2026, 11, 6), language="en"),
    Scope(date(2026, 11, 3), date(2026, 11, 3), communes=("xa-b",), channel="telegram", language="vi"),
)


def _values(rng: random.Random) -> dict[str, object]:
    return {
        "commune": rng.choice(COMMUNES),
        "village": rng.choice(VILLAGES),
        "language": rng.choice(LANGUAGES),
        "kind": rng.choice(KINDS),
        "action": rng.choice(ACTIONS),
        "intent": rng.choice(INTENTS),
        "feedback": rng.choice(FEEDBACK),
    }


async def _log(sessions: async_sessionmaker[AsyncSession], rng: random.Random) -> list[int]:
    """Residents (and one row of no resident) writing over a week, some bot replies in between."""
    async with sessions() as session, session.begin():
        users = [User(channel="telegram" if n % 3 else "zalo", external_id=f"r{n}") for n in range(8)]
        session.add_all(users)
        await session.flush()
        rows = []
        for n in range(300):
            user = rng.choice([*users, None])
            rows.append(
                MessageLog(
                    user_id=None if user is None else user.id,
                    channel="sms" if user is None else user.channel,
                    direction="out" if rng.random() < 0.2 else "in",
                    created_at=START + timedelta(minutes=37 * n + rng.randrange(30)),
                    **_values(rng),
                )
            )
        session.add_all(rows)
        return [user.id for user in users]


async def _change(sessions: async_sessionmaker[AsyncSession], rng: random.Random, residents: list[int]) -> None:
    """What the bot and the residents do to logged rows afterwards, and a few things it never does."""
    async with sessions() as session, session.begin():
        ids = list(await session.scalars(select(MessageLog.id).order_by(MessageLog.id)))
        for row_id in rng.sample(ids, 120):
            row = await session.get(MessageLog, row_id)
            assert row is not None
            column = rng.choice(("feedback", "action", "intent", "kind", "commune", "village", "language", "all"))
            values = _values(rng)
            for name, value in values.items():
                if column in (name, "all"):
                    setattr(row, name, value)
            if column == "all":
                row.created_at += timedelta(hours=rng.choice((-30, -5, 5, 30)))
                row.direction = rng.choice(("in", "out"))
                row.user_id = rng.choice(residents)
        await session.flush()
        await session.execute(update(MessageLog).where(MessageLog.id.in_(ids[::17])).values(feedback="down"))
        await session.execute(delete(MessageLog).where(MessageLog.id.in_(ids[5::23])))
        await session.execute(delete(User).where(User.id == residents[0]))  # erased: rows go by cascade


Recomputed = tuple[dict[tuple[object, ...], dict[str, int]], set[tuple[object, ...]], Counter[tuple[object, ...]]]


def _recomputed(rows: list[MessageLog]) -> Recomputed:
    """The roll-ups' rows computed in Python from the log's rows, as models/stats.py describes them."""
    messages: dict[tuple[object, ...], Counter[str]] = defaultdict(Counter)
    residents: set[tuple[object, ...]] = set()
    intents: Counter[tuple[object, ...]] = Counter()
    for r in rows:
        if r.direction != "in":
            continue
        day, commune, village, language = local_day(r.created_at), r.commune or "", r.village or "", r.language or ""
        if r.user_id is not None:
            residents.add((day, r.user_id, commune, village, r.channel, language))
        question = r.kind == "text"
        not_understood = r.action == "escalate" and r.intent is None
        counts = messages[(day, commune, village, r.channel, language)]
        counts["messages"] += 1
        counts["questions"] += question
        counts["answered"] += question and r.action == "answer"
        counts["clarified"] += question and r.action == "clarify"
        counts["escalated"] += question and r.action == "escalate"
        counts["unanswered"] += question and (r.action == "clarify" or not_understood or r.feedback == "down")
        counts["feedback_up"] += r.feedback == "up"
        counts["feedback_down"] += r.feedback == "down"
        if question and r.action == "answer" and r.intent is not None:
            intents[(day, commune, r.channel, language, r.intent)] += 1
    names = [n for n in measures.NAMES if n != "residents"]
    return {key: {n: counts[n] for n in names} for key, counts in messages.items()}, residents, intents


async def _assert_rollups_equal_the_log(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        expected_messages, expected_residents, expected_intents = _recomputed(
            list(await session.scalars(select(MessageLog)))
        )
        names = [n for n in measures.NAMES if n != "residents"]
        stored_messages = {
            (r.day, r.commune, r.village, r.channel, r.language): {n: getattr(r, n) for n in names}
            for r in await session.scalars(select(MessageStatsDaily))
        }
        stored_residents = {
            (r.day, r.user_id, r.commune, r.village, r.channel, r.language)
            for r in await session.scalars(select(ResidentDay))
        }
        stored_intents = {
            (r.day, r.commune, r.channel, r.language, r.intent): r.answered
            for r in await session.scalars(select(IntentStatsDaily))
        }
        assert stored_messages == expected_messages
        assert stored_residents == expected_residents
        assert stored_intents == dict(expected_intents)
        for scope in SCOPES:
            from_rollups = (await overview(session, scope)).as_json()
            assert from_rollups == (await overview(session, scope, LOG)).as_json(), scope
            assert await daily_rows(session, scope) == await daily_rows(session, scope, LOG), scope
        logged = select(MessageLog.channel).where(MessageLog.direction == "in").distinct().order_by(MessageLog.channel)
        assert await measures.channels_seen(session) == list(await session.scalars(logged))


async def test_rollups_equal_a_recomputation_from_the_log(bot: BotContext) -> None:
    rng = random.Random(13)
    residents = await _log(bot.sessions, rng)
    await _assert_rollups_equal_the_log(bot.sessions)
    async with bot.sessions() as session:
        assert (await overview(session, SCOPES[0], ROLLUP)).messages["messages"] > 100
    await _change(bot.sessions, rng, residents)
    await _assert_rollups_equal_the_log(bot.sessions)
