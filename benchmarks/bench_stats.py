"""Statistics speed on a year of generated data (not part of the test suite).

    python benchmarks/bench_stats.py [--messages 1000000] [--backend sqlite|postgresql|both] [--keep] [--reuse]
        [--runs 5] [--sqlite-path /tmp/caunoi_bench_stats.db]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

For each backend: a fresh database is migrated and filled with a seeded, repeatable year (365 local
days ending 2026-11-30) of a helpdesk in 5 communes of about 20 villages each: 15,000 residents,
`--messages` inbound messages (sessions of a few messages, weekday/weekend, seasonal campaigns, a
Tết dip, growth over the year; mostly typed text, some buttons, commands and files; answered,
clarified, handed over or small talk; a skewed choice among the FAQ's first 45 entries; some 👍/👎),
plus 0.2 outbound rows per inbound as noise, and 20,000 tickets (opened, answered, closed, rated).
SQLite rows go in through `insert(MessageLog)` executemany in batches; PostgreSQL's message log
through COPY (asyncpg), then VACUUM ANALYZE as autovacuum would; the statistics' roll-up triggers
(migration 0013) run on every row either way, so the generation time includes their cost. SQLite gets no ANALYZE (the
application never runs one).

Then, median of `--runs` after one warm-up, each in a session of its own: `overview()` for the month
(2026-11-01..30) and the year, all communes and one commune; `daily_rows()` for the year; the parts
of the year's overview one by one; and the real HTTP path (aiohttp test server, an admin logged in
through /login): `GET /api/stats` and the overview page `GET /` for the month and the year.

The SQLite file is `--sqlite-path`; the PostgreSQL database is `caunoi_bench`, created (and dropped
after) through the server that `--database-url` names; that database is only connected to, never
changed. `--keep` leaves both in place; `--reuse` measures a kept database again without generating
it (when it holds `--messages` inbound rows), after bringing its schema up to date (a newer migration
fills its roll-ups from the rows already there).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import math
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
import yaml
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.access.accounts import ADMIN, account_named, create_account
from core.database import create_engine, session_factory, upgrade_schema
from core.helpdesk.workflow import Desk
from core.settings import PROJECT_ROOT
from core.stats import measures
from core.stats.exports import daily_rows
from core.stats.overview import daily, overview, villages
from core.stats.period import LOCAL_OFFSET, Scope
from core.stats.tickets import ticket_numbers
from models import Commune, MessageLog, Ticket, User
from web.server import build_web_app

END_DAY = date(2026, 11, 30)
DAYS = 365
FIRST_DAY = END_DAY - timedelta(days=DAYS - 1)
MONTH_START = date(2026, 11, 1)
DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "caunoi_bench"
DEFAULT_SQLITE = Path("/tmp/caunoi_bench_stats.db")
SEED = 20261130
RESIDENTS = 15_000
TICKETS = 20_000
OUTBOUND_PER_INBOUND = 0.2
BATCH = 10_000
INTENTS = 45
ADMIN_NAME = "bench-admin"
ADMIN_PASSWORD = "bench-password-2026"
CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')

COMMUNES = (  # slug, name, share of residents
    ("huong-phung", "Hướng Phùng", 0.30),
    ("tan-lap", "Tân Lập", 0.24),
    ("a-doi", "A Dơi", 0.20),
    ("lia", "Lìa", 0.15),
    ("thuong-trach", "Thượng Trạch", 0.11),
)
VILLAGES_PER_COMMUNE = 20
SYLLABLES = (
    ("A", "Ka", "Pa", "Ta", "Xa", "Ra", "Cu", "Ba", "Tà", "Pi"),
    ("Ling", "Rùng", "Nua", "Ho", "Tăng", "Xóc", "Re", "Cựp", "Loa", "Vin"),
)
WEEKDAY_FACTOR = (1.10, 1.05, 1.05, 1.00, 0.95, 0.70, 0.55)  # Monday first
CAMPAIGNS = ((date(2026, 3, 20), 0.9, 9.0), (date(2026, 7, 10), 0.6, 12.0), (date(2026, 10, 5), 0.5, 7.0))
TET = (date(2026, 2, 14), date(2026, 2, 22))
HOUR_WEIGHTS = (1, 0.5, 0.3, 0.3, 0.5, 2, 5, 9, 10, 9, 8, 9, 10, 7, 6, 6, 7, 7, 8, 11, 12, 10, 6, 3)
KINDS = (("text", 0.80), ("button", 0.12), ("command", 0.05), ("media", 0.03))
TEXT_ACTIONS = (("answer", 0.60), ("smalltalk", 0.11), ("clarify", 0.13), ("escalate", 0.10), (None, 0.06))
COMMANDS = (("/start", 0.55), ("/help", 0.2), ("/canbo", 0.15), ("/lang", 0.1))
MEDIA_KINDS = ("photo", "photo", "photo", "voice", "document", "sticker")
SMALLTALK = ("greeting", "thanks")
HUMAN = "human"

MESSAGE_COLUMNS = (
    "user_id",
    "channel",
    "direction",
    "chat_kind",
    "commune",
    "village",
    "language",
    "kind",
    "text_masked",
    "platform_msg_id",
    "intent",
    "confidence",
    "action",
    "handling_ms",
    "feedback",
    "attachments",
    "created_at",
)


# --- what the data is made of ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    id: int
    channel: str
    language: str
    commune: str | None
    village: str | None


@dataclass(frozen=True)
class Faq:
    """The FAQ's first entries, most asked first: ids and the texts residents typed for them."""

    ids: tuple[str, ...]
    texts: dict[tuple[str, str], tuple[str, ...]]  # (id, language) -> question and paraphrases


def load_faq() -> Faq:
    items = yaml.safe_load((PROJECT_ROOT / "knowledge" / "faq.yaml").read_text(encoding="utf-8"))[:INTENTS]
    texts: dict[tuple[str, str], tuple[str, ...]] = {}
    for item in items:
        texts[(item["id"], "vi")] = (item["question"], *item.get("paraphrases", []))
        texts[(item["id"], "en")] = (item.get("question_en") or item["question"], *item.get("paraphrases_en", []))
    return Faq(tuple(item["id"] for item in items), texts)


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, values: Sequence[Any], cumulative: Sequence[float]) -> Any:
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def village_names(rng: random.Random) -> dict[str, list[str]]:
    names = [f"Bản {a} {b}" for a in SYLLABLES[0] for b in SYLLABLES[1]]
    rng.shuffle(names)
    return {
        slug: names[n * VILLAGES_PER_COMMUNE : (n + 1) * VILLAGES_PER_COMMUNE]
        for n, (slug, _name, _share) in enumerate(COMMUNES)
    }


def user_rows(rng: random.Random) -> list[dict[str, Any]]:
    """Residents: channel, language, commune (4% never chose one) and village (8% none)."""
    villages_of = village_names(rng)
    commune_cum = _cumulative([share for _slug, _name, share in COMMUNES])
    village_cum = _cumulative([1 / (n + 1) ** 0.8 for n in range(VILLAGES_PER_COMMUNE)])
    joined = datetime.combine(FIRST_DAY, datetime.min.time(), UTC) - timedelta(days=30)
    rows = []
    for number in range(RESIDENTS):
        commune = None if rng.random() < 0.04 else _pick(rng, [c[0] for c in COMMUNES], commune_cum)
        village = None
        if commune is not None and rng.random() >= 0.08:
            village = _pick(rng, villages_of[commune], village_cum)
        rows.append(
            {
                "channel": "telegram" if rng.random() < 0.65 else "zalo",
                "external_id": str(700_000_000 + number),
                "language": "en" if rng.random() < 0.07 else "vi",
                "commune": commune,
                "place_typed": None,
                "village": village,
                "role": "resident",
                "created_at": joined,
                "last_seen_at": joined,
            }
        )
    return rows


def day_counts(rng: random.Random, total: int) -> list[int]:
    """Inbound messages per local day: weekday rhythm, growth, campaigns, a Tết dip, noise; sums to `total`."""
    weights = []
    for n in range(DAYS):
        day = FIRST_DAY + timedelta(days=n)
        weight = WEEKDAY_FACTOR[day.weekday()] * (0.7 + 0.6 * n / (DAYS - 1))
        weight *= 1 + sum(height * math.exp(-(((day - peak).days / width) ** 2)) for peak, height, width in CAMPAIGNS)
        if TET[0] <= day <= TET[1]:
            weight *= 0.3
        weights.append(weight * rng.lognormvariate(0, 0.2))
    exact = [total * w / sum(weights) for w in weights]
    counts = [math.floor(x) for x in exact]
    for n in sorted(range(DAYS), key=lambda i: counts[i] - exact[i])[: total - sum(counts)]:
        counts[n] += 1
    return counts


class Generator:
    """The message log and the tickets, from one seeded generator (the same data on every backend)."""

    def __init__(self, seed: int, residents: list[Resident], faq: Faq) -> None:
        self.rng = random.Random(seed)
        self.residents = residents
        self.faq = faq
        # Residents' activity is heavy-tailed: most write a few times a year, a few every week.
        self.activity = _cumulative([min(self.rng.paretovariate(1.2), 300) for _ in residents])
        self.hours = _cumulative(HOUR_WEIGHTS)
        self.kinds = _cumulative([w for _k, w in KINDS])
        self.actions = _cumulative([w for _a, w in TEXT_ACTIONS])
        self.commands = _cumulative([w for _c, w in COMMANDS])
        self.intents = _cumulative([1 / (n + 1) ** 1.1 for n in range(len(faq.ids))])
        self.platform_ids = {"telegram": itertools.count(1), "zalo": itertools.count(1)}

    def resident(self) -> Resident:
        return _pick(self.rng, self.residents, self.activity)

    def moment(self, day: date) -> datetime:
        """A UTC moment on a local day, at the hours residents write."""
        hour = _pick(self.rng, range(24), self.hours)
        local = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
            hours=hour, seconds=self.rng.random() * 3600
        )
        return local - LOCAL_OFFSET

    def intent(self) -> str:
        return _pick(self.rng, self.faq.ids, self.intents)

    def messages(self, counts: Sequence[int]) -> Iterator[tuple[Any, ...]]:
        """Rows in MESSAGE_COLUMNS order, day by day in time order (as they are logged)."""
        for n, count in enumerate(counts):
            day = FIRST_DAY + timedelta(days=n)
            rows: list[tuple[Any, ...]] = []
            made = 0
            while made < count:
                resident, at = self.resident(), self.moment(day)
                for _ in range(min(count - made, 1 + int(self.rng.expovariate(1 / 2.5)))):
                    at += timedelta(seconds=self.rng.uniform(5, 120))
                    row = self.inbound(resident, at)
                    rows.append(row)
                    if self.rng.random() < OUTBOUND_PER_INBOUND:
                        rows.append(self.outbound(row, at + timedelta(seconds=self.rng.uniform(0.3, 3))))
                    made += 1
            rows.sort(key=lambda row: row[-1])
            yield from rows

    def inbound(self, who: Resident, at: datetime) -> tuple[Any, ...]:
        rng = self.rng
        kind = _pick(rng, [k for k, _w in KINDS], self.kinds)
        intent: str | None = None
        action: str | None = None
        confidence: float | None = None
        feedback: str | None = None
        attachments: list[dict[str, str]] | None = None
        if kind == "text":
            action = _pick(rng, [a for a, _w in TEXT_ACTIONS], self.actions)
            if action == "answer":
                intent, confidence = self.intent(), round(rng.uniform(0.55, 0.99), 4)
                draw = rng.random()
                feedback = "up" if draw < 0.07 else "down" if draw < 0.095 else None
            elif action == "smalltalk":
                intent, confidence = rng.choice(SMALLTALK), round(rng.uniform(0.6, 0.99), 4)
            elif action == "clarify":
                confidence = round(rng.uniform(0.3, 0.55), 4)
            elif action == "escalate":  # asked for a person, or not understood
                intent = HUMAN if rng.random() < 0.45 else None
                confidence = round(rng.uniform(0.1, 0.9), 4)
            words = rng.choice(self.faq.texts[(intent if intent in self.faq.ids else self.intent(), who.language)])
        elif kind == "button":
            draw = rng.random()
            action, intent = (
                ("answer", self.intent()) if draw < 0.75 else ("escalate", HUMAN) if draw < 0.9 else (None, None)
            )
            words = f"faq:{intent}" if intent else "menu"
        elif kind == "command":
            words = _pick(rng, [c for c, _w in COMMANDS], self.commands)
            action, intent = ("escalate", HUMAN) if words == "/canbo" else (None, None)
        else:
            media = rng.choice(MEDIA_KINDS)
            attachments = [{"kind": media, "file_id": f"F{rng.getrandbits(48):012x}"}]
            action, words = ("escalate", "") if rng.random() < 0.4 else (None, "")
        handling = round(rng.lognormvariate(2.7, 0.6), 3)
        return (
            *(who.id, who.channel, "in", "private", who.commune, who.village, who.language, kind, words),
            str(next(self.platform_ids[who.channel])),
            *(intent, confidence, action, handling, feedback, attachments, at),
        )

    def outbound(self, question: tuple[Any, ...], at: datetime) -> tuple[Any, ...]:
        """The bot's reply to a logged question (same resident, context and decision)."""
        reply = f"Trả lời: {question[8][:60]}" if question[8] else "Cầu Nối đã nhận tin của bạn."
        who, context, decision = question[:2], question[4:7], question[10:13]
        return (*who, "out", "private", *context, "text", reply, None, *decision, None, None, None, at)

    def tickets(self, counts: Sequence[int]) -> list[dict[str, Any]]:
        """Requests for a person, opened on the days' rhythm; recent ones partly still open."""
        rng = self.rng
        total = sum(counts)
        rows = []
        for n, count in enumerate(counts):
            day = FIRST_DAY + timedelta(days=n)
            for _ in range(round(TICKETS * count / total)):
                who = self.resident()
                opened = self.moment(day)
                recent = (END_DAY - day).days < 3
                responded = None
                if rng.random() < 0.88:
                    responded = opened + timedelta(seconds=min(rng.lognormvariate(math.log(1500), 1.1), 3 * 86400))
                closed = None
                if not (recent and rng.random() < 0.5):
                    after = responded or opened
                    closed = after + timedelta(seconds=min(rng.lognormvariate(math.log(5 * 3600), 1.2), 10 * 86400))
                reason = rng.choice(("closed", "closed", "closed", "resident_silent")) if closed else None
                rating = None
                if closed and reason == "closed" and rng.random() < 0.45:
                    rating = _pick(rng, (1, 2, 3, 4, 5), (0.05, 0.10, 0.20, 0.45, 1.0))
                status = "closed" if closed else ("claimed" if responded else "new")
                rows.append(
                    {
                        "user_id": who.id,
                        "commune": who.commune,
                        "village": who.village,
                        "channel": who.channel,
                        "language": who.language,
                        "status": status,
                        "reason": rng.choice(("asked", "asked", "not_understood", "thumbs_down", "media")),
                        "summary": rng.choice(self.faq.texts[(self.intent(), "vi")]),
                        "bot_intent": self.intent() if rng.random() < 0.4 else None,
                        "with_officers": rng.random() < 0.1,
                        "detached": False,
                        "created_at": opened,
                        "claimed_at": responded,
                        "first_response_at": responded,
                        "closed_at": closed,
                        "closed_reason": reason,
                        "rating": rating,
                    }
                )
        return rows


# --- the databases ---------------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    """Statements that cannot run in a transaction (CREATE/DROP DATABASE, VACUUM)."""
    engine = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def inbound_rows(engine: AsyncEngine) -> int:
    try:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(MessageLog).where(MessageLog.direction == "in")
            return int(await connection.scalar(query) or 0)
    except (DBAPIError, OSError, asyncpg.PostgresError):  # no such database yet (asyncpg's own error)
        return -1


async def _insert(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        async with engine.begin() as connection:
            await connection.execute(insert(table), rows[start : start + BATCH])


async def _load_messages(engine: AsyncEngine, rows: Iterator[tuple[Any, ...]]) -> None:
    """SQLite: insert(MessageLog) executemany; PostgreSQL: COPY through asyncpg (autocommit per batch)."""
    batches = iter(lambda: list(itertools.islice(rows, BATCH)), [])
    if engine.dialect.name != "postgresql":
        for batch in batches:
            async with engine.begin() as connection:
                await connection.execute(
                    insert(MessageLog), [dict(zip(MESSAGE_COLUMNS, r, strict=True)) for r in batch]
                )
        return
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        for batch in batches:
            records = [(*r[:15], None if r[15] is None else json.dumps(r[15]), r[16]) for r in batch]
            await raw.copy_records_to_table(MessageLog.__tablename__, records=records, columns=MESSAGE_COLUMNS)


async def generate(engine: AsyncEngine, messages: int, server_url: str | None) -> int:
    """Fill a migrated, empty database; returns the number of message log rows (both directions)."""
    rng = random.Random(SEED)
    faq = load_faq()
    await _insert(
        engine,
        Commune,
        [{"slug": slug, "name": name, "is_default": n == 0} for n, (slug, name, _s) in enumerate(COMMUNES)],
    )
    users = user_rows(rng)
    await _insert(engine, User, users)
    async with engine.connect() as connection:
        ids = dict((await connection.execute(select(User.external_id, User.id))).tuples().all())
    residents = [
        Resident(ids[u["external_id"]], u["channel"], u["language"], u["commune"], u["village"]) for u in users
    ]
    generator = Generator(SEED + 1, residents, faq)
    counts = day_counts(rng, messages)
    logged = 0

    def counted(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        nonlocal logged
        for row in rows:
            logged += 1
            yield row

    started = time.perf_counter()
    await _load_messages(engine, counted(generator.messages(counts)))
    _progress(f"{engine.dialect.name}: {logged:,} message log rows in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    await _insert(engine, Ticket, generator.tickets(counts))
    _progress(f"{engine.dialect.name}: tickets in {time.perf_counter() - started:.1f} s")
    if server_url is not None:
        started = time.perf_counter()
        await _admin(_with_database(server_url, PG_DATABASE), "VACUUM ANALYZE")
        _progress(f"{engine.dialect.name}: VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    return logged


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --- what is measured ------------------------------------------------------------------------------------


async def median_ms(run: Callable[[], Awaitable[object]], runs: int) -> float:
    """The median wall time of `runs` calls after one warm-up, in ms."""
    await run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def scopes() -> dict[str, Scope]:
    commune = COMMUNES[0][0]
    month, year = Scope(MONTH_START, END_DAY), Scope(FIRST_DAY, END_DAY)
    return {
        "month": month,
        "month, 1 commune": month.only(commune),
        "year": year,
        "year, 1 commune": year.only(commune),
    }


def in_session(
    sessions: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[object]]
) -> Callable[[], Awaitable[object]]:
    async def run() -> object:
        async with sessions() as session:
            return await work(session)

    return run


async def measure_functions(sessions: async_sessionmaker[AsyncSession], runs: int) -> dict[str, float]:
    found = scopes()
    cases: dict[str, Callable[[AsyncSession], Awaitable[object]]] = {
        f"overview(), {name}": partial(overview, scope=scope) for name, scope in found.items()
    }
    cases["daily_rows(), year"] = partial(daily_rows, scope=found["year"])
    for name in ("year", "year, 1 commune"):
        parts: dict[str, Callable[..., Awaitable[object]]] = {
            "totals": measures.totals,
            "ticket_numbers": ticket_numbers,
            "top_intents": measures.top_intents,
            "daily": daily,
            "villages": villages,
        }
        for part, function in parts.items():
            cases[f"  {name}: {part}"] = partial(function, scope=found[name])
    cases["  channels_seen (page)"] = measures.channels_seen
    return {name: await median_ms(in_session(sessions, work), runs) for name, work in cases.items()}


def _no_desk() -> Desk:
    raise AssertionError("the overview and /api/stats need no ticket workflow")


async def measure_http(sessions: async_sessionmaker[AsyncSession], runs: int) -> dict[str, float]:
    """/api/stats and the overview page through a real aiohttp server, logged in as an admin."""
    async with sessions() as session, session.begin():
        if await account_named(session, ADMIN_NAME) is None:  # a reused database has it
            await create_account(session, ADMIN_NAME, ADMIN_PASSWORD, ADMIN, None)
    async with TestClient(TestServer(build_web_app(sessions, _no_desk))) as client:
        form = await client.get("/login")
        found = CSRF_INPUT.search(await form.text())
        assert found is not None, "no csrf field on /login"
        login = {"username": ADMIN_NAME, "password": ADMIN_PASSWORD, "csrf": found.group(1), "next": "/"}
        answer = await client.post("/login", data=login, allow_redirects=False)
        assert answer.status == 303, f"login failed: {answer.status}"
        timings = {}
        for name, start in (("month", MONTH_START), ("year", FIRST_DAY)):
            for label, path in (("GET /api/stats", "/api/stats"), ("GET / (page)", "/")):
                url = f"{path}?from={start.isoformat()}&to={END_DAY.isoformat()}"

                async def fetch(url: str = url) -> None:
                    response = await client.get(url)
                    assert response.status == 200, f"{url}: {response.status}"
                    await response.read()

                timings[f"{label}, {name}"] = await median_ms(fetch, runs)
    return timings


@dataclass
class Result:
    backend: str
    generation_s: float | None
    rows: int
    timings: dict[str, float]
    year: dict[str, Any]


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def run_backend(backend: str, args: argparse.Namespace) -> Result:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{args.sqlite_path}"
    else:
        url = _with_database(args.database_url, PG_DATABASE)
    reuse = False
    if args.reuse and (backend == "postgresql" or args.sqlite_path.exists()):
        probe = create_engine(url)
        reuse = await inbound_rows(probe) == args.messages
        await probe.dispose()
    if not reuse:
        if backend == "sqlite":
            remove_sqlite(args.sqlite_path)
        else:
            drop = f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"
            await _admin(args.database_url, drop, f"CREATE DATABASE {PG_DATABASE}")
    engine = create_engine(url)
    try:
        generation = None
        started = time.perf_counter()
        await upgrade_schema(engine)  # a kept database of an older schema gets its roll-ups filled here
        if reuse:
            _progress(f"{backend}: schema brought up to date in {time.perf_counter() - started:.1f} s")
            if backend == "postgresql":  # as autovacuum would after a migration filled tables
                await _admin(url, "VACUUM ANALYZE")
        else:
            started = time.perf_counter()
            await generate(engine, args.messages, args.database_url if backend == "postgresql" else None)
            generation = time.perf_counter() - started
        async with engine.connect() as connection:
            rows = int(await connection.scalar(select(func.count()).select_from(MessageLog)) or 0)
        sessions = session_factory(engine)
        timings = await measure_functions(sessions, args.runs)
        timings |= await measure_http(sessions, args.runs)
        async with sessions() as session:
            year = (await overview(session, scopes()["year"])).as_json()
    finally:
        await engine.dispose()
    if not args.keep:
        if backend == "sqlite":
            remove_sqlite(args.sqlite_path)
        else:
            await _admin(args.database_url, f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    return Result(backend, generation, rows, timings, year)


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        f"{args.messages:,} inbound messages, {FIRST_DAY}..{END_DAY}; median of {args.runs} runs after 1 warm-up (ms)"
    )
    for r in results:
        made = "reused" if r.generation_s is None else f"generated in {r.generation_s:.1f} s"
        y = r.year
        print(
            f"{r.backend}: {r.rows:,} log rows, {made}; "
            f"year: {y['messages']:,} messages, {y['residents']:,} residents, "
            f"containment {y['rates']['containment']}, {y['tickets']['opened']:,} tickets, "
            f"rating {y['rating']['mean']} (n={y['rating']['count']:,})"
        )
    width = max(len(name) for name in results[0].timings) + 2
    print("case".ljust(width) + "".join(f"{r.backend:>12}" for r in results))
    for name in results[0].timings:
        values = [r.timings[name] for r in results]
        print(name.ljust(width) + "".join(f"{v:12.1f}" for v in values) + ("   >= 1 s" if max(values) >= 1000 else ""))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="inbound messages over the year")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", action="store_true", help="leave the databases in place after the run")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again without generating it")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per case (after one warm-up)")
    parser.add_argument("--sqlite-path", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--database-url", default=DEFAULT_SERVER, help="the PostgreSQL server (its database untouched)")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [await run_backend(backend, args) for backend in backends]
    report(results, args)


if __name__ == "__main__":
    asyncio.run(main())
