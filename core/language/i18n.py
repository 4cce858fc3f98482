"""Interface texts through gettext catalogues (Vietnamese msgids; `locales/<lang>/LC_MESSAGES`).

`make run` and `make test` compile each `messages.po` into `messages.mo` (not committed), which is what
is read here; a checkout not set up yet, or a catalogue edited since, has its `.po` compiled in memory
instead. Vietnamese is the msgids themselves. A language without a catalogue (Bru-Vân Kiều `bru`,
Pa Kô `pac`...) reads Vietnamese, and writes its dates and numbers the Vietnamese way too
(`cldr_locale`), since Babel has no CLDR data for it.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel import Locale, localedata

from core.settings import PROJECT_ROOT

DEFAULT_LANGUAGE = "vi"
LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"
Translate = Callable[[str], str]
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:_[A-Za-z0-9]{2,8})?")


def N_(message: str) -> str:
    """Mark a text for the catalogue where it is declared; it is translated where it is shown."""
    return message


class Translator:
    """`_` for one language: its catalogue's translation of a msgid (the msgid itself when there is
    none), and the CLDR locale that language's dates and numbers are written with."""

    def __init__(self, language: str, catalogue: gettext.NullTranslations) -> None:
        self.language = language
        self.locale = cldr_locale(language)
        self._catalogue = catalogue

    def __call__(self, message: str) -> str:
        return self._catalogue.gettext(message)

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"


@lru_cache(maxsize=16)
def translator(language: str) -> Translator:
    """The gettext function for the language; Vietnamese (and languages without a catalogue) pass through."""
    path = catalogue_path(language)
    if language == DEFAULT_LANGUAGE or path is None:
        return Translator(language, gettext.NullTranslations())
    return Translator(language, gettext.GNUTranslations(io.BytesIO(_compiled(path))))


def catalogue_path(language: str) -> Path | None:
    """The language's `messages.po`, if it has one."""
    if not _LANGUAGE_CODE.fullmatch(language):
        return None
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    return path if path.is_file() else None


def cldr_locale(language: str) -> Locale:
    """The Babel locale a user's dates and numbers are formatted with: the language's own, or the
    Vietnamese one for a language CLDR has no data for (`bru`, `pac`, `tth`, `scb`)."""
    known = bool(_LANGUAGE_CODE.fullmatch(language)) and localedata.exists(language)
    return Locale.parse(language if known else DEFAULT_LANGUAGE)


class TranslatableError(ValueError):
    """An error whose message is a catalogue msgid with named values: `str(error)` is the Vietnamese
    text, `error.text(_)` the reader's. Values named in `msgids` are msgids too (a field's label)."""

    def __init__(self, message: str, *, msgids: tuple[str, ...] = (), **values: object) -> None:
        self.message, self.values, self.msgids = message, values, msgids
        super().__init__(self.text(translator(DEFAULT_LANGUAGE)))

    def text(self, _: Translate) -> str:
        values = {name: _(str(value)) if name in self.msgids else value for name, value in self.values.items()}
        return _(self.message).format(**values)


def _compiled(po: Path) -> bytes:
    """The catalogue as `.mo` bytes: the compiled file when it is at least as new as the `.po`,
    otherwise compiled here in memory (fuzzy and empty translations left out, as `pybabel compile` does)."""
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    from babel.messages.mofile import write_mo  # only for a catalogue not compiled yet
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()
