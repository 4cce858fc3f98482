"""The scope of a dashboard, API or export request, read from its query and confined by the account's
role: volunteers and officers only ever get their own commune."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from aiohttp import web

from core.access.accounts import can_see_commune, sees_every_commune
from core.language.i18n import Translate
from core.stats.period import PeriodError, Scope, local_day
from models import WebAccount
from web.context import problem_text

DEFAULT_DAYS = 30
WORD = re.compile(r"^[a-z0-9_-]{1,64}$")


class BadFilter(ValueError):
    """A query value that cannot be used (the message says which; `text(_)` in the page's language when
    the reason is a catalogued one)."""

    def __init__(self, message: str, reason: Exception | None = None) -> None:
        super().__init__(message)
        self.reason = reason

    def text(self, _: Translate) -> str:
        return problem_text(self.reason, _) if self.reason is not None else str(self)


def _day(values: Mapping[str, str], name: str, default: date) -> date:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadFilter(f"'{name}' must be a date as YYYY-MM-DD") from None


def _word(values: Mapping[str, str], name: str) -> str | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    if not WORD.match(raw):
        raise BadFilter(f"'{name}' is not a valid value")
    return raw


def scope_for(account: WebAccount, values: Mapping[str, str], now: datetime) -> Scope:
    """The scope asked for; a commune the account may not see is refused with 403."""
    end = _day(values, "to", local_day(now))
    start = _day(values, "from", end - timedelta(days=DEFAULT_DAYS - 1))
    commune = _word(values, "commune")
    if commune is not None and not can_see_commune(account, commune):
        raise web.HTTPForbidden(text="This account may not see that commune.")
    if commune is not None:
        communes: tuple[str, ...] | None = (commune,)
    elif sees_every_commune(account):
        communes = None
    else:
        communes = (account.commune,) if account.commune else ()
    try:
        return Scope(start, end, communes, _word(values, "channel"), _word(values, "language"))
    except PeriodError as error:
        raise BadFilter(str(error), error) from None
