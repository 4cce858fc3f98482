"""Per-resident flood guard, kept in memory: counting a minute of messages needs no database round trip.

Typed messages (text, commands, media) are counted against `LIMIT` a minute. Button presses are a
resident clicking through a dialog, not flooding: they have their own, much larger allowance
(`PRESS_LIMIT`), only there to stop a runaway script. Over a limit, the resident gets a gentle
notice at most once a minute, and is answered again as soon as the last minute is back under it.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
LIMIT = 20
PRESS_LIMIT = 120
MAX_TRACKED = 50_000


class FloodGuard:
    """Counts each resident's messages over the last minute (per process; a restart forgets)."""

    def __init__(self, limit: int = LIMIT, window: timedelta = WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._seen: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._warned: dict[str, datetime] = {}

    def check(self, key: str, at: datetime) -> str:
        """ "ok" to answer, "warn" for the one gentle 'please wait', "quiet" for silence after it."""
        times = self._seen.pop(key, None) or deque()
        self._seen[key] = times
        if len(self._seen) > MAX_TRACKED:
            forgotten, _times = self._seen.popitem(last=False)
            self._warned.pop(forgotten, None)
        times.append(at)
        while times and times[0] < at - self.window:
            times.popleft()
        if len(times) <= self.limit:
            return "ok"
        warned = self._warned.get(key)
        if warned is not None and warned >= at - self.window:
            return "quiet"
        self._warned[key] = at
        return "warn"
