"""Settings dialog (/caidat, and the optional onboarding after /start): language, commune, village.

Every step can be skipped. Commune and village accept typed names; a typed message that reads
like a question is answered instead (the router decides) and the dialog waits. Typed names are
stored masked (`core.privacy.mask`), without control characters and at most `MAX_PLACE_CHARS` long.
Payloads: `st:start`, `st:skip`, `st:lang:<code>`, `st:commune:<slug>`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.dialog import N_, Command, Dialog, Turn
from conversations.state import dialog_state, end_dialog, start_dialog
from core.helpdesk.communes import find_commune, list_communes
from core.knowledge.glossary import RESIDENT_LANGUAGES
from core.language.i18n import Translate, translator
from core.language.normalize import fold
from core.messages import Button, Outbound
from core.payloads import fits, pack
from core.privacy import mask
from models import Commune, DialogState, User

DIALOG_NAME = "settings"
PREFIX = "st"
START = pack(PREFIX, "start")
SKIP = pack(PREFIX, "skip")
# A resident language (Bru-Vân Kiều, Pa Kô, Tà Ôi, Chứt) changes the glossary only: no catalogue or
# CLDR data exists for them, so the interface stays Vietnamese, as the resident is told when choosing.
LANGUAGES = {
    "vi": "Tiếng Việt",
    "en": "English",
    **{code: f"{name} (từ khó)" for code, name in RESIDENT_LANGUAGES.items()},
}
ON = frozenset({"bat", "on", "co"})
OFF = frozenset({"tat", "off", "khong"})
MAX_PLACE_WORDS = 6
MAX_PLACE_CHARS = 64
MAX_COMMUNE_BUTTONS = 8


async def _wants_text(turn: Turn) -> bool:
    """A typed commune or village name, when the dialog asks for one and the text is not a question."""
    if turn.is_question:
        return False
    state = await dialog_state(turn.session, turn.user.id, DIALOG_NAME)
    return state is not None and state.step in {"commune", "village"}


def offer(_: Translate) -> Outbound:
    """The optional onboarding offer shown after the first /start."""
    return Outbound(
        _("Bạn có muốn cho mình biết ngôn ngữ, xã và thôn của bạn không? Không bắt buộc, để cán bộ hỗ trợ đúng nơi."),
        buttons=((Button(_("⚙️ Cài đặt"), START), Button(_("Bỏ qua"), "menu")),),
    )


async def _button(turn: Turn, _prefix: str, parts: list[str]) -> list[Outbound] | None:
    step = await on_button(turn.session, turn.user, parts, turn._)
    return [step] if step is not None else None


async def _command(turn: Turn) -> list[Outbound]:
    return [await _begin(turn.session, turn.user, turn._)]


async def _begin(session: AsyncSession, user: User, _: Translate) -> Outbound:
    await end_dialog(session, await dialog_state(session, user.id, DIALOG_NAME))
    start_dialog(session, user.id, DIALOG_NAME, "language", {})
    return _ask_language(_)


async def on_button(session: AsyncSession, user: User, parts: list[str], _: Translate) -> Outbound | None:
    """Advance the dialog for an `st:` payload's parts; None when the payload is not valid now."""
    if parts == ["start"]:
        return await _begin(session, user, _)
    state = await dialog_state(session, user.id, DIALOG_NAME)
    if state is None:
        return None
    if parts == ["skip"]:
        return await _advance(session, user, state, _)
    if len(parts) != 2:
        return None
    kind, value = parts
    if kind == "lang" and state.step == "language" and value in LANGUAGES:
        user.language = value
        reply = await _advance(session, user, state, translator(value))  # the very next prompt speaks it
        if value in RESIDENT_LANGUAGES:
            notice = _(
                "Bot chưa nói được tiếng {language}, nên vẫn trả lời bằng tiếng Việt. "
                "Khi bạn hỏi từ khó (/tukho), bạn sẽ thấy và nghe thêm tiếng {language} "
                "ở những từ đã được tình nguyện viên ghi và kiểm tra."
            ).format(language=RESIDENT_LANGUAGES[value])
            reply = replace(reply, text=f"{notice}\n\n{reply.text}")
        return reply
    if kind == "commune" and state.step == "commune":
        commune = await find_commune(session, value)
        if commune is not None:
            user.commune, user.place_typed = commune.slug, None
            return await _advance(session, user, state, _)
    return None


async def _on_text(turn: Turn) -> list[Outbound] | None:
    """A typed commune or village name; None when the text does not look like a place name.

    A commune we do not serve is kept apart (masked) in `place_typed`, never as the user's commune."""
    session, user, _ = turn.session, turn.user, turn._
    state = await dialog_state(session, user.id, DIALOG_NAME)
    name = " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in turn.text).split())
    if state is None or not name or len(name.split()) > MAX_PLACE_WORDS:
        return None
    if state.step == "commune":
        commune = await find_commune(session, name)
        if commune is not None:
            user.commune, user.place_typed = commune.slug, None
        else:
            user.commune, user.place_typed = None, place_name(name)
    elif state.step == "village":
        user.village = place_name(name)
    else:
        return None
    return [await _advance(session, user, state, _)]


def place_name(text: str) -> str:
    """A typed place name as stored: masked first (so no number is cut in half), then bounded."""
    return mask(text).text[:MAX_PLACE_CHARS].rstrip()


async def _advance(session: AsyncSession, user: User, state: DialogState, _: Translate) -> Outbound:
    if state.step == "language":
        state.step = "commune"
        return await _ask_commune(session, _)
    if state.step == "commune":
        state.step = "village"
        return Outbound(_("Bạn ở thôn (bản) nào? Gõ tên thôn, hoặc bỏ qua."), buttons=((_skip(_),),))
    await end_dialog(session, state)
    commune = await session.get(Commune, user.commune) if user.commune else None
    summary = _("Đã lưu. Ngôn ngữ: {language}; xã: {commune}; thôn: {village}.").format(
        language=LANGUAGES.get(user.language, user.language),
        commune=commune.name if commune is not None else (user.place_typed or "-"),
        village=user.village or "-",
    )
    text = summary + "\n" + _("Đổi lại bất cứ lúc nào bằng lệnh /caidat.")
    return Outbound(text, buttons=((Button(_("🏠 Về menu"), "menu"),),))


def _skip(_: Translate) -> Button:
    return Button(_("Bỏ qua"), SKIP)


def _ask_language(_: Translate) -> Outbound:
    rows = tuple((Button(label, pack(PREFIX, "lang", code)),) for code, label in LANGUAGES.items())
    return Outbound(_("Bạn muốn dùng ngôn ngữ nào?"), buttons=(*rows, (_skip(_),)))


async def _ask_commune(session: AsyncSession, _: Translate) -> Outbound:
    communes = (await list_communes(session))[:MAX_COMMUNE_BUTTONS]
    rows = tuple(
        (Button(c.name, pack(PREFIX, "commune", c.slug)),) for c in communes if fits(PREFIX, "commune", c.slug)
    )
    return Outbound(_("Bạn ở xã nào? Chọn, hoặc gõ tên xã."), buttons=(*rows, (_skip(_),)))


async def _listen(turn: Turn) -> list[Outbound]:
    """/nghe: whether answers come with their recorded voice, where one exists (on, off, or toggle)."""
    wanted = fold(turn.argument).strip()
    turn.user.listen = wanted in ON if wanted in ON | OFF else not turn.user.listen
    _ = turn._
    if turn.user.listen:
        text = _("🔊 Đã bật nghe: câu trả lời nào có giọng đọc sẽ gửi kèm tin nhắn giọng nói. Gõ /nghe tat để tắt.")
    else:
        text = _("🔇 Đã tắt nghe: bot chỉ gửi chữ. Gõ /nghe bat để bật lại.")
    return [Outbound(text, buttons=((Button(_("🏠 Về menu"), "menu"),),))]


DIALOG = Dialog(
    name=DIALOG_NAME,
    commands=(
        Command("caidat", N_("Đổi ngôn ngữ, xã, thôn"), _command, menu_rank=5),
        Command("nghe", N_("Bật/tắt nghe câu trả lời bằng giọng nói"), _listen, menu_rank=7),
    ),
    prefixes=(PREFIX,),
    on_button=_button,
    wants_text=_wants_text,
    on_text=_on_text,
)
