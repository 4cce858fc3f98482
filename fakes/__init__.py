"""Fake platform servers on 127.0.0.1 (Telegram Bot API, Zalo OA), for the tests and the benchmarks."""
