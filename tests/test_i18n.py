"""Interface texts: Vietnamese by default, English from its gettext catalogue."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.language.i18n import LOCALES_DIR, translator
from core.settings import PROJECT_ROOT
from handlers import replies
from handlers.router import command_menu


def test_template_is_current_and_every_message_is_translated_to_english() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    in_code = {
        message[2]
        for folder in ("handlers", "conversations", "channels", "core")
        for message in extract_from_dir(str(PROJECT_ROOT / folder), keywords={"_": None, "N_": None})
    }
    assert in_code == template, "run the pybabel extract command from the README"
    with (LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        english = {m.id: m.string for m in read_po(handle) if m.id}
    assert template and template <= {k for k, v in english.items() if v}


def test_replies_follow_the_user_language() -> None:
    vietnamese = replies.welcome(translator("vi"))
    english = replies.welcome(translator("en"))
    assert "Chào bạn" in vietnamese.text
    assert english.text != vietnamese.text and "Cầu Nối" in english.text
    assert [b.data for b in english.choices()] == [b.data for b in vietnamese.choices()]


def test_unknown_languages_fall_back_to_vietnamese() -> None:
    menu = command_menu()
    assert replies.help_text(translator("bru"), menu).text == replies.help_text(translator("vi"), menu).text
    english = replies.help_text(translator("en"), menu).text
    assert all(f"/{name}:" in english for name, _text in menu) and "Bắt đầu" not in english
