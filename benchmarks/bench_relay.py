"""A volunteer's reply reaching the resident, end to end (not part of the test suite).

    python benchmarks/bench_relay.py [--replies 30] [--database-url postgresql+asyncpg://USER@HOST:PORT/DB]

Runs a real `bot.py run` process (polling) against the fake Bot API server on 127.0.0.1. Set-up:
one commune linked to a volunteers' group, a volunteer who joined with a one-time code (/join), and
a resident who asked for a person (/canbo), so a ticket is open and its card is in the group. Then,
one round at a time:

- relay: a volunteer's Telegram reply to the card is handed to the bot (queued for its getUpdates);
  measured until the fake server receives the sendMessage carrying it to the resident's chat;
- answer, for comparison: another resident asks an FAQ question; measured until the fake server
  receives the bot's reply.

Arrival times are the fake server's own stamps (time.perf_counter() when a call reaches it); the
benchmark waits on the fake server's condition, never on a sleep. Before each relay the benchmark
pauses a random 1 to 1 + IDLE_WAKE_SECONDS seconds, so a reply falls at a random point of the outbox
worker's idle timer, as replies do in real use (after a fixed pause it would always land at the same
point after the previous round's send), and each chat stays under the bot's pace of a message a second.

The database is a SQLite file in a temporary folder; with --database-url (PostgreSQL), a database
`caunoi_bench_relay` is created on that server for the run and dropped after. The database named in
the URL is only connected to, never changed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

# The fake Telegram Bot API server and its update builders (shared with the tests, not imported from them).
from benchmarks.harness import percentile, start_bot, stop_bot
from core.database import create_engine, session_factory, upgrade_schema
from core.delivery.worker import IDLE_WAKE_SECONDS
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from core.knowledge.faq import intents_from_files, matcher_from_files
from core.language.matcher import HUMAN
from core.messages import Address
from core.privacy import mask, without_masks
from core.settings import PROJECT_ROOT
from fakes.telegram import Call, FakeTelegram, group_message, private_message
from models import OutboxThread
from models.base import utcnow

COMMUNE = "thuong-trach"
GROUP = -100777
RESIDENT = 4242  # has the open ticket: volunteers' replies are relayed to this chat
VOLUNTEER = 5151
ASKERS = (7001, 7002, 7003, 7004)  # residents without a ticket, in turn, each well under the flood limit
PG_DATABASE = "caunoi_bench_relay"
SETUP_SECONDS = 60  # bound on each set-up step and on each measured wait
ANSWER_PAUSE_SECONDS = 0.3  # between a relay's arrival and the next question: its card edit settles


def _summary(values: list[float]) -> str:
    return (
        f"n={len(values)}  p50 {statistics.median(values):7.1f}  p90 {percentile(values, 0.90):7.1f}  "
        f"p99 {percentile(values, 0.99):7.1f}  max {max(values):7.1f}  (ms)"
    )


# --- the database -----------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    """Statements that cannot run in a transaction (CREATE/DROP DATABASE)."""
    engine = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


@asynccontextmanager
async def bench_database(server_url: str | None, folder: Path) -> AsyncIterator[str]:
    """The URL of an empty database for the run: a SQLite file in `folder`, or a PostgreSQL database
    created beside the one `server_url` names (dropped after)."""
    if server_url is None:
        yield f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        return
    if make_url(server_url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url: a postgresql+asyncpg:// URL (SQLite is the default)")
    drop = f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"
    await _admin(server_url, drop, f"CREATE DATABASE {PG_DATABASE}")
    try:
        yield _with_database(server_url, PG_DATABASE)
    finally:
        await _admin(server_url, drop)


async def prepare_commune(url: str) -> str:
    """Migrate, add the commune linked to the volunteers' group; the volunteer's one-time code."""
    engine = create_engine(url)
    try:
        await upgrade_schema(engine)
        async with session_factory(engine)() as session, session.begin():
            await save_commune(
                session, COMMUNE, "Thượng Trạch", team=Address("telegram", str(GROUP), group=True), is_default=True
            )
            return await create_invite(session, COMMUNE, "volunteer", utcnow())
    finally:
        await engine.dispose()


async def card_message_id(url: str, ticket_id: int) -> int:
    """The card's Telegram message id, once the bot has recorded it (a reply is matched to its ticket by it).

    Set-up only: the bot writes it back just after the card is sent, so this looks every 50 ms."""
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + SETUP_SECONDS
        while time.monotonic() < deadline:
            async with session_factory(engine)() as session:
                query = select(OutboxThread.anchor_message_id).where(OutboxThread.thread == f"ticket:{ticket_id}")
                card = await session.scalar(query)
            if card is not None:
                return int(card)
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()
    raise SystemExit(f"the card of ticket #{ticket_id} was never recorded")


# --- the bot process --------------------------------------------------------------------------


# --- talking to the bot through the fake server -----------------------------------------------

_message_ids = iter(range(50_000, 10**9))


def _now() -> dict[str, int]:
    """A real date and a fresh message id for an update (the builders' fixed ones are old and repeated)."""
    return {"date": int(time.time()), "message_id": next(_message_ids)}


def _to(chat: int, after: int, has: str = "") -> Callable[[FakeTelegram], Call | None]:
    """The first sendMessage to `chat` beyond its first `after` ones (containing `has`), if any."""

    def find(fake: FakeTelegram) -> Call | None:
        return next((c for c in fake.sent("sendMessage", chat)[after:] if has in (c.params.get("text") or "")), None)

    return find


async def _arrival(fake: FakeTelegram, find: Callable[[FakeTelegram], Call | None]) -> Call:
    await fake.wait_for(lambda f: find(f) is not None)
    call = find(fake)
    assert call is not None
    return call


async def _say(fake: FakeTelegram, user: int, words: str, expect: str = "") -> Call:
    """A private message to the bot; its (next) reply."""
    before = len(fake.sent("sendMessage", user))
    await fake.push(private_message(user, words, **_now()))
    return await _arrival(fake, _to(user, before, expect))


async def open_ticket(fake: FakeTelegram, code: str) -> None:
    """The volunteer joins; the resident asks for a person, names the problem and the village; the card is posted."""
    await _say(fake, VOLUNTEER, f"/join {code}", "Chào mừng")
    await _say(fake, RESIDENT, "/canbo")
    await _say(fake, RESIDENT, "điện thoại báo sai mã kích hoạt")
    await _say(fake, RESIDENT, "Bản Chân Trời", "#1")
    await _arrival(fake, _to(GROUP, 0, "#1"))


def faq_questions() -> list[str]:
    """The FAQ's own questions that the shipped matcher answers directly (no clarifying, no hand-over)."""
    folder = PROJECT_ROOT / "knowledge"
    intents = intents_from_files(folder)
    matcher = matcher_from_files(folder)
    questions = []
    for intent in intents:
        result = matcher.match(without_masks(mask(intent.texts[0]).text))
        if result.action == "answer" and result.intent not in {HUMAN, None}:
            questions.append(intent.texts[0])
    return questions


async def relay_once(fake: FakeTelegram, card: int, number: int) -> float:
    """A volunteer's reply to the card, handed to the bot -> its sendMessage to the resident (ms)."""
    words = f"Bạn ra công an xã làm lại nhé, lượt {number}"
    find = _to(RESIDENT, len(fake.sent("sendMessage", RESIDENT)), words)
    started = time.perf_counter()
    await fake.push(group_message(GROUP, VOLUNTEER, words, reply_to=card, **_now()))
    call = await _arrival(fake, find)
    return (call.params["_received"] - started) * 1000


async def answer_once(fake: FakeTelegram, asker: int, question: str) -> float:
    """A resident's question handed to the bot -> the bot's reply at the fake server (ms)."""
    find = _to(asker, len(fake.sent("sendMessage", asker)))
    started = time.perf_counter()
    await fake.push(private_message(asker, question, **_now()))
    call = await _arrival(fake, find)
    return (call.params["_received"] - started) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=30, help="measured rounds (a relay and an answer each)")
    parser.add_argument("--warmup", type=int, default=len(ASKERS), help="rounds run first and not counted")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use instead of SQLite")
    parser.add_argument("--max-per-second", type=int, default=30, help="the bot's overall send limit (Telegram's)")
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    questions = faq_questions()
    fake = FakeTelegram(stamp_calls=True, wait_seconds=SETUP_SECONDS)
    await fake.start()
    relays: list[float] = []
    answers: list[float] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        async with bench_database(args.database_url, folder) as database_url:
            code = await prepare_commune(database_url)
            process = await start_bot(fake, database_url, folder, args.max_per_second)
            try:
                await open_ticket(fake, code)
                card = await card_message_id(database_url, 1)
                for number in range(args.warmup + args.replies):
                    await asyncio.sleep(1.0 + rng.uniform(0.0, IDLE_WAKE_SECONDS))
                    relay = await relay_once(fake, card, number)
                    await asyncio.sleep(ANSWER_PAUSE_SECONDS)
                    answer = await answer_once(fake, ASKERS[number % len(ASKERS)], rng.choice(questions))
                    if number >= args.warmup:
                        relays.append(relay)
                        answers.append(answer)
            finally:
                await stop_bot(process)
                await fake.close()
    backend = make_url(database_url).get_backend_name()
    print(
        f"machine: {os.cpu_count()} cores; bot.py run on {backend}, polling a fake Bot API on 127.0.0.1; "
        f"send limit {args.max_per_second}/s; {args.warmup} warm-up rounds not counted"
    )
    print(f"volunteer reply -> resident   {_summary(relays)}")
    print(f"resident message -> bot reply {_summary(answers)}")


if __name__ == "__main__":
    asyncio.run(main())
