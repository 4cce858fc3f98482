"""Keep the Vietnamese catalogue complete: its msgids are the Vietnamese texts, so each msgstr is its msgid.

Run after `pybabel update` (README, "Translations"): `.venv/bin/python locales/fill_vi.py`. New and
fuzzy entries of `vi/LC_MESSAGES/messages.po` get their msgid as translation; nothing else changes.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUE = Path(__file__).resolve().parent / "vi" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    filled = 0
    for message in catalog:
        if message.id and isinstance(message.id, str) and (message.fuzzy or message.string != message.id):
            message.string = message.id
            message.flags.discard("fuzzy")
            filled += 1
    with CATALOGUE.open("wb") as handle:
        write_po(handle, catalog)
    print(f"{CATALOGUE}: {filled} messages filled in")


if __name__ == "__main__":
    main()
