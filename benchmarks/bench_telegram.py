"""Telegram end-to-end load (not part of the test suite).

    python benchmarks/bench_telegram.py [--residents 200] [--messages 10]

Runs a real `bot.py` process (SQLite, polling) against the fake Bot API server on 127.0.0.1. Each
simulated resident sends questions from the development set. Reports throughput (updates/s with
everything queued at once), latency from an update being offered to its sendMessage (p50/p99,
at a steady offered rate), and the bot process's peak memory.
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
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import percentile, start_bot, stop_bot
from core.language.evaluation import read_examples
from core.settings import PROJECT_ROOT
from fakes.telegram import FakeTelegram, private_message


def _peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _burst(fake: FakeTelegram, questions: list[str], residents: int, messages: int, first_id: int) -> float:
    """Queue every update at once; updates per second until the last reply."""
    before = fake.counts["sendMessage"]
    started = time.perf_counter()
    for _round in range(messages):
        for resident in range(residents):
            await fake.push(private_message(first_id + resident, random.choice(questions)))
    total = residents * messages
    await fake.wait_for(lambda f: f.counts["sendMessage"] >= before + total)
    return total / (time.perf_counter() - started)


async def _steady(
    fake: FakeTelegram, questions: list[str], residents: int, count: int, first_id: int, rate: float
) -> list[float]:
    """Offer updates at `rate` per second; latency from offer to the reply, per update (ms)."""
    offered: dict[int, list[float]] = defaultdict(list)
    answered: dict[int, list[float]] = defaultdict(list)
    original_len = len(fake.calls)
    before = fake.counts["sendMessage"]
    started = time.perf_counter()
    for number in range(count):
        chat = first_id + number % residents
        offered[chat].append(time.perf_counter())
        await fake.push(private_message(chat, random.choice(questions)))
        await asyncio.sleep(max(0.0, started + (number + 1) / rate - time.perf_counter()))
    await fake.wait_for(lambda f: f.counts["sendMessage"] >= before + count)
    for call in fake.calls[original_len:]:
        if call.method == "sendMessage":
            answered[int(call.params["chat_id"])].append(call.params["_received"])
    return [
        (reply - offer) * 1000
        for chat in offered
        for offer, reply in zip(sorted(offered[chat]), sorted(answered[chat]), strict=False)
    ]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--rate", type=float, default=25, help="steady offered updates per second")
    parser.add_argument("--steady", type=int, default=500, help="updates in the steady run")
    parser.add_argument(
        "--max-per-second",
        type=int,
        default=1000,
        help="the bot's overall send limit (Telegram's own is 30/s; raise it to measure the bot itself)",
    )
    args = parser.parse_args()
    random.seed(20261129)
    questions = [e.text for e in read_examples(PROJECT_ROOT / "tests" / "data" / "dev.tsv") if e.in_scope]
    fake = FakeTelegram(stamp_calls=True, wait_seconds=300)
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        process = await start_bot(fake, f"sqlite+aiosqlite:///{folder}/bench.db", folder, args.max_per_second)
        try:
            await _burst(fake, questions, 20, 2, first_id=9_000)
            throughput = await _burst(fake, questions, args.residents, args.messages, first_id=10_000)
            latencies = await _steady(fake, questions, args.residents, args.steady, first_id=20_000, rate=args.rate)
            peak = _peak_memory_mb(process.pid)
        finally:
            await stop_bot(process)
            await fake.close()
    print(
        f"machine: {os.cpu_count()} cores; bot.py run on SQLite, polling a fake Bot API on 127.0.0.1; "
        f"send limit {args.max_per_second}/s"
    )
    print(
        f"burst of {args.residents * args.messages} updates from {args.residents} residents: {throughput:.0f} updates/s"
    )
    print(
        f"steady {args.rate:.0f} updates/s, {len(latencies)} updates: update -> sendMessage "
        f"p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms"
    )
    print(f"bot process peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
