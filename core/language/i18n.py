"""Interface texts through gettext catalogues (Vietnamese msgids; `locales/<lang>/LC_MESSAGES`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from core.settings import PROJECT_ROOT

DEFAULT_LANGUAGE = "vi"
LOCALES_DIR = PROJECT_ROOT / "locales"
Translate = Callable[[str], str]


def _identity(message: str) -> str:
    return message


@lru_cache(maxsize=8)
def translator(language: str) -> Translate:
    """A gettext function for the language; Vietnamese (and unknown languages) pass through."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return _identity
    from babel.messages.pofile import read_po  # only when a translated catalogue is needed

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=None)
    table = {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    return lambda message: table.get(message, message)
