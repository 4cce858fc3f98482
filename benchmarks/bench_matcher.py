"""Matcher speed and memory (not part of the test suite).

    python benchmarks/bench_matcher.py

Reports: index build time and per-question latency (p50/p99) on the shipped knowledge base
and on a generated one with 2,000 entries; cold start of `python bot.py ask`; peak memory.
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.knowledge.faq import build_matcher, intents_from_files, load_matching_data
from core.language.bilingual import ENGLISH, BilingualMatcher
from core.language.evaluation import read_examples
from core.language.matcher import IntentTexts
from core.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
GENERATED_ENTRIES = 2000
ROUNDS = 3
COLD_STARTS = 5


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _latency(matcher: BilingualMatcher, questions: list[str]) -> tuple[float, float]:
    timings = []
    for _ in range(ROUNDS):
        for question in questions:
            started = time.perf_counter()
            matcher.match(question)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), _percentile(timings, 0.99)


def _generated(intents: list[IntentTexts], count: int) -> list[IntentTexts]:
    """Synthetic entries made by recombining real paraphrase words (realistic vocabulary and lengths)."""
    rng = random.Random(20261129)
    vocabulary = [word for intent in intents for text in intent.texts for word in text.split()]
    made = list(intents)
    for number in range(count - len(intents)):
        texts = tuple(" ".join(rng.choices(vocabulary, k=rng.randint(4, 12))) for _ in range(10))
        made.append(IntentTexts(f"generated_{number}", texts))
    return made


_REPORT_PEAK = (
    "import resource, runpy, sys\n"
    "sys.argv = ['bot.py', 'ask', 'lam dinh danh o mo']\n"
    "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "except SystemExit:\n    pass\n"
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def _cold_start() -> tuple[float, float, float]:
    """Wall time of `bot.py ask` on a fresh and on an already migrated database, and its own peak RSS (MB)."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bench.db", "TELEGRAM_BOT_TOKEN": ""}
        command = [sys.executable, str(PROJECT_ROOT / "bot.py"), "ask", "lam dinh danh o mo"]
        runs = []
        for _ in range(COLD_STARTS + 1):
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True, cwd=PROJECT_ROOT)
            runs.append(time.perf_counter() - started)
        measured = subprocess.run(
            [sys.executable, "-c", _REPORT_PEAK], env=env, check=True, capture_output=True, text=True, cwd=PROJECT_ROOT
        )
    peak_kb = int(measured.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    return runs[0], statistics.median(runs[1:]), peak_kb / 1024


def main() -> None:
    first_ask, warm_ask, ask_peak = _cold_start()
    data = load_matching_data(KNOWLEDGE)
    intents = intents_from_files(KNOWLEDGE)
    questions = [
        e.text for name in ("eval.tsv", "dev.tsv") for e in read_examples(PROJECT_ROOT / "tests" / "data" / name)
    ]

    started = time.perf_counter()
    shipped = build_matcher(intents, data, intents_from_files(KNOWLEDGE, ENGLISH))
    shipped_build = time.perf_counter() - started
    shipped_p50, shipped_p99 = _latency(shipped, questions)

    big_intents = _generated(intents, GENERATED_ENTRIES)
    started = time.perf_counter()
    big = build_matcher(big_intents, data)
    big_build = time.perf_counter() - started
    big_p50, big_p99 = _latency(big, questions)
    in_process_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    paraphrases = sum(len(i.texts) for i in intents)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {len(questions)} questions x {ROUNDS}")
    print(f"shipped knowledge base ({len(intents)} intents, {paraphrases} texts):")
    print(f"  index build {shipped_build * 1000:.0f} ms; match p50 {shipped_p50:.2f} ms, p99 {shipped_p99:.2f} ms")
    print(f"generated knowledge base ({len(big_intents)} entries, {sum(len(i.texts) for i in big_intents)} texts):")
    print(f"  index build {big_build * 1000:.0f} ms; match p50 {big_p50:.2f} ms, p99 {big_p99:.2f} ms")
    print(f"  peak memory of this process (both indexes loaded): {in_process_peak:.0f} MB")
    print(
        f"`python bot.py ask` cold start: {first_ask:.2f} s on a new database (migrate + import), "
        f"{warm_ask:.2f} s median afterwards; peak memory {ask_peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
