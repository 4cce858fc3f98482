"""The gettext catalogues: in step with the code, complete in Vietnamese and English, and the only way
a chat text reaches a person. Languages without a catalogue or CLDR data read and write Vietnamese."""

from __future__ import annotations

import ast
import os
import re
import string
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest
from babel import Locale
from babel.messages import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from core.helpdesk import cards
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from core.helpdesk.users import get_or_create_user
from core.language import i18n
from core.language.i18n import LOCALES_DIR, TranslatableError, cldr_locale, translator
from core.messages import BUTTON, COMMAND, TEXT, Inbound, Outbound
from core.settings import PROJECT_ROOT
from handlers import stats
from handlers.context import BotContext
from handlers.router import handle
from models import OutboxMessage
from models.base import utcnow
from tests.fixtures import telegram_team

LANGUAGES = ("vi", "en")
WITHOUT_CLDR = ("bru", "pac", "tth", "scb")
# The files whose chat texts (residents', volunteers', officers', admins') must all go through `_()` / `N_()`.
COVERED = (
    "core/helpdesk/*.py",
    "core/delivery/*.py",
    "core/privacy.py",
    "core/stats/period.py",
    "handlers/team.py",
    "handlers/intake.py",
    "handlers/web_login.py",
    "handlers/stats.py",
    "handlers/router.py",
    "handlers/flood.py",
    "conversations/checklist.py",
    "conversations/options.py",
    "conversations/dialog.py",
    "channels/**/*.py",
)
# Vietnamese literals that are data, not texts for a person: (file, the constant or function holding them).
NOT_TEXTS = {
    ("channels/shell.py", "QUIT_WORDS"),  # words a person types to leave
    ("channels/shell.py", "BOT_NAME"),  # the bot's name
    ("conversations/options.py", "_CHOICE"),  # "số 3" typed as a choice
    ("core/helpdesk/message_log.py", "_without_secrets"),  # what the message log keeps of a join code
    ("core/privacy.py", "_UNIT"),  # money and counts after a number
    ("core/privacy.py", "_DIGIT_WORDS"),  # spelled digits
    ("core/privacy.py", "_real_cue"),  # "mã" as a code word
}
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)
MARKERS = {"_", "N_"}
GROUP = "-100800"
_ids = count(1)


def _template() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


def _catalogue(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _placeholders(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def test_the_template_is_what_the_code_and_the_templates_mark() -> None:
    """What `pybabel extract -F babel.cfg` finds now is exactly the template (README, "Translations")."""
    with (PROJECT_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "N_": None}  # as `pybabel extract --keywords=_ --keywords=N_` reads them
    found = extract_from_dir(str(PROJECT_ROOT), method_map, options_map, keywords=keywords)
    in_code = {message for _file, _line, message, _comments, _context in found}
    template = _template()
    assert in_code - template == set(), "not in locales/messages.pot yet: run the pybabel extract command"
    assert template - in_code == set(), "no longer in the code: run the pybabel extract command"
    assert len(template) > 300


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    catalogue = _catalogue(language)
    missing = [
        message_id
        for message_id in sorted(_template())
        if (message := catalogue.get(message_id)) is None or not message.string or message.fuzzy
    ]
    assert missing == [], f"untranslated in locales/{language}: run pybabel update (and locales/fill_vi.py)"


def test_the_vietnamese_catalogue_is_the_msgids_themselves() -> None:
    wrong = [m.id for m in _catalogue("vi") if m.id and m.string != m.id]
    assert wrong == [], "run locales/fill_vi.py"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    changed = [
        (m.id, m.string)
        for m in _catalogue(language)
        if m.id and m.string and not m.fuzzy and _placeholders(str(m.id)) != _placeholders(str(m.string))
    ]
    assert changed == []


def _owner(tree: ast.Module) -> dict[int, str]:
    """Each node's nearest enclosing function, class or assigned module-level name."""
    owners: dict[int, str] = {}

    def visit(node: ast.AST, owner: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            owner = node.name
        elif isinstance(node, ast.Assign | ast.AnnAssign) and owner == "":
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            owner = next((t.id for t in targets if isinstance(t, ast.Name)), owner)
        owners[id(node)] = owner
        for child in ast.iter_child_nodes(node):
            visit(child, owner)

    visit(tree, "")
    return owners


def unwrapped(tree: ast.Module) -> list[tuple[str, int, str]]:
    """Vietnamese string literals (and f-strings) outside `_()`/`N_()`, docstrings and log calls:
    (enclosing name, line, text)."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                exempt.add(id(first.value))
        if isinstance(node, ast.Call):
            function = node.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
            logged = isinstance(function, ast.Attribute) and getattr(function.value, "id", "") in {"log", "logger"}
            if name in MARKERS or logged:
                exempt.update(id(sub) for argument in node.args for sub in ast.walk(argument))
    owners = _owner(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.JoinedStr):
            exempt.update(id(value) for value in node.values)
            text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if VIETNAMESE.search(text):
            found.append((owners[id(node)], node.lineno, text))
    return found


def test_the_scan_finds_an_unwrapped_text() -> None:
    assert unwrapped(ast.parse('reply = Outbound("Chào bạn")')) == [("reply", 1, "Chào bạn")]
    assert unwrapped(ast.parse('def f(n):\n    return f"Yêu cầu #{n} đã đóng."')) == [("f", 2, "Yêu cầu # đã đóng.")]
    marked = 'X = N_("Chào")\ndef f(_):\n    """Chào."""\n    log.info("đã gửi")\n    return _("Chào {n}").format(n=1)'
    assert unwrapped(ast.parse(marked)) == []


def _covered() -> list[Path]:
    return sorted({path for pattern in COVERED for path in PROJECT_ROOT.glob(pattern)})


@pytest.mark.parametrize("path", _covered(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_chat_text_goes_through_the_catalogue(path: Path) -> None:
    relative = str(path.relative_to(PROJECT_ROOT))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    texts = [(line, text) for owner, line, text in unwrapped(tree) if (relative, owner) not in NOT_TEXTS]
    assert texts == [], f"wrap these in _() or N_() ({relative})"


def test_the_allowed_literals_are_still_there() -> None:
    """Each exception of NOT_TEXTS still names a Vietnamese literal (a stale one would hide a new text)."""
    for relative, owner in sorted(NOT_TEXTS):
        tree = ast.parse((PROJECT_ROOT / relative).read_text(encoding="utf-8"))
        assert any(found_owner == owner for found_owner, _line, _text in unwrapped(tree)), (relative, owner)


@pytest.mark.parametrize("language", WITHOUT_CLDR)
def test_languages_without_a_catalogue_or_cldr_data_read_and_write_vietnamese(language: str) -> None:
    assert cldr_locale(language) == Locale("vi")
    assert translator(language)("Bắt đầu") == translator("vi")("Bắt đầu") == "Bắt đầu"
    assert stats.decimal(translator(language), 4.5) == "4,5"
    moment = datetime(2026, 12, 3, 7, 5, tzinfo=UTC)
    assert cards.local_time(moment, translator(language)) == cards.local_time(moment) == "14:05 03/12"


def test_languages_with_cldr_data_keep_their_own() -> None:
    assert cldr_locale("en") == Locale("en") and cldr_locale("vi") == Locale("vi")
    assert cldr_locale("../en") == Locale("vi")
    assert translator("en")("Bắt đầu") == "Start"
    assert stats.decimal(translator("en"), 4.5) == "4.5"
    assert cards.local_time(datetime(2026, 12, 3, 7, 5, tzinfo=UTC), translator("en")) == "14:05, 3 Dec"


def _write_catalogue(path: Path, translation: str) -> None:
    catalogue = Catalog(locale="en")
    catalogue.add("Bắt đầu", translation)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        (write_mo if path.suffix == ".mo" else write_po)(handle, catalogue)


def test_the_compiled_catalogue_is_read_unless_the_po_is_newer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)

    def read() -> str:
        translator.cache_clear()
        return translator("en")("Bắt đầu")

    try:
        _write_catalogue(po, "Begin")
        assert read() == "Begin"  # no .mo: compiled in memory
        _write_catalogue(mo, "Begin (compiled)")
        os.utime(mo, (po.stat().st_mtime + 10,) * 2)
        assert read() == "Begin (compiled)"
        os.utime(po, (mo.stat().st_mtime + 10,) * 2)
        assert read() == "Begin"  # edited since it was compiled
    finally:
        translator.cache_clear()


def test_an_error_says_why_in_the_readers_language() -> None:
    error = TranslatableError("Tên xã: cần từ 1 đến {limit} ký tự.", limit=128)
    assert str(error) == "Tên xã: cần từ 1 đến 128 ký tự."
    assert error.text(translator("en")) == "Commune name: 1 to 128 characters."
    labelled = TranslatableError(
        "{label}: cần một số nguyên từ {low} đến {high}.", label="Giờ bắt đầu trực", low=0, high=23, msgids=("label",)
    )
    assert labelled.text(translator("en")) == "Duty starts (hour): a whole number from 0 to 23 is needed."


async def _send(ctx: BotContext, user: str, kind: str, **fields: object) -> list[Outbound]:
    inbound = Inbound("telegram", user, kind, platform_msg_id=f"c{next(_ids)}", **fields)  # type: ignore[arg-type]
    return await handle(ctx, inbound)


async def _texts(ctx: BotContext, chat_id: str) -> list[str]:
    async with ctx.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        return [row.body.get("text") or "" for row in await session.scalars(query)]


async def test_a_member_reads_their_own_language_and_the_team_chat_vietnamese(bot: BotContext) -> None:
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
        code = await create_invite(session, "dan-hoa", "volunteer", utcnow())
        (await get_or_create_user(session, "telegram", "v-en")).language = "en"
    [welcome] = await _send(bot, "v-en", COMMAND, text=f"/join {code}", sender_name="Mai")
    assert welcome.text.startswith("Welcome!") and "(role: volunteer)" in welcome.text
    await _send(bot, "r-vi", COMMAND, text="/canbo mất thẻ căn cước")
    await _send(bot, "r-vi", TEXT, text="Bản Ka Oóc")
    [toast] = await _send(bot, "v-en", BUTTON, payload=cards.payload(cards.CLAIM, 1), chat_id=GROUP, can_toast=True)
    assert toast.text == "You claimed #1."
    [vietnamese] = await _send(bot, "v-vi", BUTTON, payload=cards.payload(cards.CLAIM, 1), chat_id=GROUP)
    assert vietnamese.text.startswith("Không làm được")  # someone else holds it; not a member either
    posted = await _texts(bot, GROUP)
    assert posted[0].startswith("🆘 Yêu cầu #1 · xã Dân Hóa · thôn Bản Ka Oóc")
    assert "✋ Mai đã nhận #1. Trả lời tin này để nhắn người dân." in posted
    [card] = await _send(bot, "v-en", COMMAND, text="/ticket 1")
    assert card.text.startswith("🆘 Request #1 · Dân Hóa commune · village: Bản Ka Oóc")
    assert card.buttons[0][0].label == "✋ Claim"
