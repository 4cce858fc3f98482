"""Settings dialog (/caidat, and the optional onboarding after /start): language, commune, village.

Every step can be skipped. Commune and village accept typed names; a typed message that reads
like a question is answered instead (the router decides) and the dialog waits. Typed names are
stored masked (`core.privacy.mask`), without control characters and at most `MAX_PLACE_CHARS` long.
Payloads: `st:start`, `st:skip`, `st:lang:<code>`, `st:commune:<slug>`.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.state import dialog_state, start_dialog
from core.helpdesk.communes import find_commune, list_communes
from core.language.i18n import Translate
from core.messages import Button, Outbound
from core.privacy import mask
from models import DialogState, User

DIALOG = "settings"
PREFIX = "st:"
START = "st:start"
SKIP = "st:skip"
LANGUAGES = {"vi": "Tiếng Việt", "en": "English", "bru": "Bru-Vân Kiều (từ khó)", "pac": "Pa Kô (từ khó)"}
MAX_PLACE_WORDS = 6
MAX_PLACE_CHARS = 64
MAX_COMMUNE_BUTTONS = 8
CALLBACK_LIMIT = 64


async def waiting_for_text(session: AsyncSession, user_id: int) -> bool:
    """True when the dialog expects a typed commune or village name."""
    state = await dialog_state(session, user_id)
    return state is not None and state.dialog == DIALOG and state.step in {"commune", "village"}


def offer(_: Translate) -> Outbound:
    """The optional onboarding offer shown after the first /start."""
    return Outbound(
        _("Bạn có muốn cho mình biết ngôn ngữ, xã và thôn của bạn không? Không bắt buộc, để cán bộ hỗ trợ đúng nơi."),
        buttons=((Button(_("⚙️ Cài đặt"), START), Button(_("Bỏ qua"), "menu")),),
    )


async def on_button(session: AsyncSession, user: User, payload: str, _: Translate) -> Outbound | None:
    """Advance the dialog for an `st:` payload; None when the payload is not valid now."""
    state = await dialog_state(session, user.id)
    if payload == START:
        if state is not None:
            await session.delete(state)
            await session.flush()
        start_dialog(session, user.id, DIALOG, "language", {})
        return _ask_language(_)
    if state is None or state.dialog != DIALOG:
        return None
    if payload == SKIP:
        return await _advance(session, user, state, _)
    kind, _sep, value = payload.removeprefix(PREFIX).partition(":")
    if kind == "lang" and state.step == "language" and value in LANGUAGES:
        user.language = value
        return await _advance(session, user, state, _)
    if kind == "commune" and state.step == "commune":
        commune = await find_commune(session, value)
        if commune is not None:
            user.commune = commune.slug
            return await _advance(session, user, state, _)
    return None


async def on_text(session: AsyncSession, user: User, text: str, _: Translate) -> Outbound | None:
    """A typed commune or village name; None when the text does not look like a place name."""
    state = await dialog_state(session, user.id)
    name = " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).split())
    if state is None or state.dialog != DIALOG or not name or len(name.split()) > MAX_PLACE_WORDS:
        return None
    if state.step == "commune":
        commune = await find_commune(session, name)
        user.commune = commune.slug if commune is not None else place_name(name)
    elif state.step == "village":
        user.village = place_name(name)
    else:
        return None
    return await _advance(session, user, state, _)


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
    await session.delete(state)
    await session.flush()
    summary = _("Đã lưu. Ngôn ngữ: {language}; xã: {commune}; thôn: {village}.").format(
        language=LANGUAGES.get(user.language, user.language),
        commune=user.commune or "-",
        village=user.village or "-",
    )
    text = summary + "\n" + _("Đổi lại bất cứ lúc nào bằng lệnh /caidat.")
    return Outbound(text, buttons=((Button(_("🏠 Về menu"), "menu"),),))


def _skip(_: Translate) -> Button:
    return Button(_("Bỏ qua"), SKIP)


def _ask_language(_: Translate) -> Outbound:
    rows = tuple((Button(label, f"{PREFIX}lang:{code}"),) for code, label in LANGUAGES.items())
    return Outbound(_("Bạn muốn dùng ngôn ngữ nào?"), buttons=(*rows, (_skip(_),)))


async def _ask_commune(session: AsyncSession, _: Translate) -> Outbound:
    communes = (await list_communes(session))[:MAX_COMMUNE_BUTTONS]
    payloads = [(c.name, f"{PREFIX}commune:{c.slug}") for c in communes]
    rows = tuple((Button(name, data),) for name, data in payloads if len(data.encode()) <= CALLBACK_LIMIT)
    return Outbound(_("Bạn ở xã nào? Chọn, hoặc gõ tên xã."), buttons=(*rows, (_skip(_),)))
