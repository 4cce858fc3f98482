"""Interface texts: Vietnamese by default, English from its gettext catalogue (the catalogues' own
checks are in tests/test_catalogues.py)."""

from __future__ import annotations

from core.language.i18n import translator
from handlers import replies
from handlers.router import command_menu


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
