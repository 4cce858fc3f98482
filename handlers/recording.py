"""/gloss: bilingual team members build the glossary in residents' languages from a private chat.

The bot offers a term that has no entry yet in the member's language (the most looked-up first); the
member replies with the word as text and/or a voice note, which is downloaded into the media store and
saved as a *proposed* entry. Another member — never the author — verifies or rejects it with buttons
(Kiểm tra); only then do residents see and hear it.

Payloads: `gl:lang:<code>`, `gl:next`, `gl:review`, `gl:ok:<entry>`, `gl:no:<entry>`, `gl:pass:<entry>`, `gl:stop`.
"""

from __future__ import annotations

import logging

from conversations.dialog import N_, Command, Dialog, Turn
from conversations.state import dialog_state, end_dialog, start_dialog
from core.helpdesk.members import memberships
from core.knowledge.glossary import RESIDENT_LANGUAGES
from core.knowledge.glossary_entries import (
    GlossaryError,
    Reviewer,
    awaiting,
    decide,
    has_own_proposal,
    next_missing_term,
    propose,
)
from core.language.i18n import DEFAULT_LANGUAGE, Translate, translator
from core.media.store import DownloadFailed, MediaTooLarge
from core.messages import TOAST, Address, Button, Media, Outbound, Outgoing
from core.payloads import pack
from models import Commune, GlossaryEntry, GlossaryTerm, Member

log = logging.getLogger(__name__)
DIALOG_NAME = "glossary_recording"
PREFIX = "gl"
RECORD = "record"
SOUND_KINDS = frozenset({"voice", "audio"})


async def _member(turn: Turn) -> Member | None:
    found = await memberships(turn.session, turn.user.channel, turn.user.external_id)
    return found[0] if found else None


def _not_a_member(_: Translate) -> list[Outbound]:
    return [
        Outbound(
            _(
                "Lệnh này dành cho thành viên tổ hỗ trợ biết tiếng dân tộc, để ghi từ khó. "
                "Bạn muốn hỏi từ khó thì gõ /tukho và từ đó nhé."
            )
        )
    ]


def _buttons(_: Translate, pending: int) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = [(Button(_("➡️ Từ khác"), pack(PREFIX, "next")),)]
    if pending:
        rows.append((Button(_("🔎 Kiểm tra ({count} chờ)").format(count=pending), pack(PREFIX, "review")),))
    rows.append((Button(_("✖ Xong"), pack(PREFIX, "stop")),))
    return tuple(rows)


async def _command(turn: Turn) -> list[Outbound]:
    _ = turn._
    member = await _member(turn)
    if member is None:
        return _not_a_member(_)
    await end_dialog(turn.session, await dialog_state(turn.session, turn.user.id, DIALOG_NAME))
    if turn.user.language in RESIDENT_LANGUAGES:
        return [await _offer(turn, member, turn.user.language, [])]
    start_dialog(turn.session, turn.user.id, DIALOG_NAME, "language", {})
    rows = tuple((Button(name, pack(PREFIX, "lang", code)),) for code, name in RESIDENT_LANGUAGES.items())
    return [Outbound(_("Bạn ghi từ khó bằng tiếng nào?"), buttons=rows)]


async def _offer(turn: Turn, member: Member, lang: str, skipped: list[int]) -> Outbound:
    """The next term to record in `lang`, or the end when every term has an entry."""
    _ = turn._
    await end_dialog(turn.session, await dialog_state(turn.session, turn.user.id, DIALOG_NAME))
    pending = len(await awaiting(turn.session, lang, _reviewer(member)))
    term = await next_missing_term(turn.session, lang, tuple(skipped))
    if term is None:
        start_dialog(turn.session, turn.user.id, DIALOG_NAME, "idle", {"lang": lang, "skipped": []})
        text = _("Mọi từ đã có bản tiếng {language}. Cảm ơn bạn!").format(language=RESIDENT_LANGUAGES[lang])
        return Outbound(text, buttons=_buttons(_, pending)[1:])
    start_dialog(turn.session, turn.user.id, DIALOG_NAME, RECORD, {"lang": lang, "term": term.id, "skipped": skipped})
    text = _(
        'Từ cần ghi: "{term}"\nNghĩa: {explanation}\n\n'
        "Gửi cách nói từ này bằng tiếng {language}: gõ chữ, hoặc gửi tin nhắn giọng nói, hoặc cả hai. "
        "Đừng đoán: chưa chắc thì bấm Từ khác."
    ).format(term=term.term, explanation=term.explanation, language=RESIDENT_LANGUAGES[lang])
    return Outbound(text, buttons=_buttons(_, pending))


def _reviewer(member: Member) -> Reviewer:
    return Reviewer(member.name, member.id)


async def _recording_step(turn: Turn) -> bool:
    state = await dialog_state(turn.session, turn.user.id, DIALOG_NAME)
    return state is not None and state.step == RECORD


async def _on_text(turn: Turn) -> list[Outbound] | None:
    """The word in the member's language, typed (masked like every stored text, bounded)."""
    text = turn.masked.text.strip()[:300]
    return await _save(turn, text=text) if text else None


async def _on_media(turn: Turn) -> list[Outbound] | None:
    """A voice note (or audio file) while a term is offered: downloaded now, as platform ids expire."""
    if not await _recording_step(turn):
        return None
    sound = next((m for m in turn.inbound.media if m.kind in SOUND_KINDS), None)
    _ = turn._
    if sound is None:
        return [Outbound(_("Mình chỉ nhận chữ hoặc tin nhắn giọng nói cho từ này."))]
    key = await _keep(turn, sound)
    if key is None:
        return [Outbound(_("Xin lỗi, mình chưa tải được bản ghi âm. Bạn gửi lại giúp mình nhé."))]
    return await _save(turn, text=turn.masked.text.strip()[:300], audio=key)


async def _keep(turn: Turn, sound: Media) -> str | None:
    store, download = turn.desk.media, turn.desk.downloads.get(turn.inbound.channel)
    if store is None or download is None:
        return None
    try:
        return store.save(await download(sound.file_id))
    except (DownloadFailed, MediaTooLarge) as error:
        log.warning("a glossary recording could not be kept: %s", error)
        return None


async def _save(turn: Turn, *, text: str = "", audio: str | None = None) -> list[Outbound]:
    _ = turn._
    member = await _member(turn)
    state = await dialog_state(turn.session, turn.user.id, DIALOG_NAME)
    if member is None or state is None:
        return _not_a_member(_)
    term = await turn.session.get(GlossaryTerm, int(state.data["term"]))
    if term is None:
        return [await _offer(turn, member, state.data["lang"], list(state.data.get("skipped", [])))]
    first = not await has_own_proposal(turn.session, term, state.data["lang"], member)
    entry = await propose(
        turn.session, term, state.data["lang"], text=text, audio=audio, contributor=member, now=turn.desk.clock()
    )
    if first:
        await _tell_the_team(turn, member, term, entry)
    saved = _('Đã lưu cho "{term}": {what}. Một người khác trong tổ sẽ kiểm tra trước khi bà con thấy.').format(
        term=term.term, what=_describe(_, entry)
    )
    more = _("Gửi thêm giọng nói hoặc chữ nếu muốn, hoặc bấm Từ khác.")
    pending = len(await awaiting(turn.session, state.data["lang"], _reviewer(member)))
    return [Outbound(f"✅ {saved}\n{more}", buttons=_buttons(_, pending))]


async def _tell_the_team(turn: Turn, member: Member, term: GlossaryTerm, entry: GlossaryEntry) -> None:
    """A note in the commune's team chat that an entry waits for someone else to check it."""
    commune = await turn.session.get(Commune, member.commune)
    if commune is None or not commune.team_channel or not commune.team_chat_id:
        return
    _ = translator(DEFAULT_LANGUAGE)
    text = _(
        '📝 {author} vừa ghi tiếng {language} cho "{term}". Ai biết tiếng này, nhắn riêng cho bot /gloss '
        "rồi bấm Kiểm tra (người ghi không tự kiểm tra được)."
    ).format(author=member.name or "-", language=RESIDENT_LANGUAGES.get(entry.lang, entry.lang), term=term.term)
    turn.outgoing.append(Outgoing(Address(commune.team_channel, commune.team_chat_id, group=True), Outbound(text)))


def _describe(_: Translate, entry: GlossaryEntry) -> str:
    parts = [f'"{entry.text}"'] if entry.text else []
    if entry.audio:
        parts.append(_("có giọng đọc"))
    return ", ".join(parts)


async def _review(turn: Turn, member: Member, lang: str, passed: list[int]) -> Outbound:
    """The oldest entry in `lang` this member may decide on, with its recording."""
    _ = turn._
    entries = [e for e in await awaiting(turn.session, lang, _reviewer(member)) if e.id not in passed]
    await end_dialog(turn.session, await dialog_state(turn.session, turn.user.id, DIALOG_NAME))
    start_dialog(turn.session, turn.user.id, DIALOG_NAME, "review", {"lang": lang, "passed": passed, "skipped": []})
    if not entries:
        return Outbound(_("Không còn mục nào chờ bạn kiểm tra."), buttons=_buttons(_, 0))
    entry = entries[0]
    language = RESIDENT_LANGUAGES.get(entry.lang, entry.lang)
    lines = [
        _('Kiểm tra: "{term}" ({meaning})').format(term=entry.term.term, meaning=entry.term.explanation),
        _("Tiếng {language}, do {author} gửi:").format(language=language, author=entry.contributor_name or "-"),
    ]
    if entry.text:
        lines.append(f"🗣 {entry.text}")
    if entry.audio:
        lines.append(_("🔊 Nghe ở tin nhắn giọng nói."))
    buttons = (
        (Button(_("✅ Đúng"), pack(PREFIX, "ok", entry.id)), Button(_("❌ Chưa đúng"), pack(PREFIX, "no", entry.id))),
        (Button(_("⏭ Bỏ qua"), pack(PREFIX, "pass", entry.id)), Button(_("✖ Xong"), pack(PREFIX, "stop"))),
    )
    media = (Media("voice", stored=entry.audio),) if entry.audio else ()
    return Outbound("\n".join(lines), buttons=buttons, media=media)


async def _button(turn: Turn, _prefix: str, parts: list[str]) -> list[Outbound] | None:
    _ = turn._
    member = await _member(turn)
    if member is None:
        return _not_a_member(_)
    state = await dialog_state(turn.session, turn.user.id, DIALOG_NAME)
    lang = state.data.get("lang") if state is not None else None
    if parts[:1] == ["lang"] and len(parts) == 2 and parts[1] in RESIDENT_LANGUAGES:
        return [await _offer(turn, member, parts[1], [])]
    if parts == ["stop"]:
        await end_dialog(turn.session, state)
        return [Outbound(_("Cảm ơn bạn đã ghi từ khó! Gõ /gloss khi muốn ghi tiếp."))]
    if state is None or lang not in RESIDENT_LANGUAGES:
        return None
    if parts == ["next"]:
        skipped = list(state.data.get("skipped", []))
        if state.step == RECORD:
            skipped.append(int(state.data["term"]))
        return [await _offer(turn, member, lang, skipped)]
    if parts == ["review"]:
        return [await _review(turn, member, lang, [])]
    if len(parts) == 2 and parts[0] in {"ok", "no", "pass"} and parts[1].isdigit():
        return await _decide(turn, member, lang, parts[0], int(parts[1]), list(state.data.get("passed", [])))
    return None


async def _decide(
    turn: Turn, member: Member, lang: str, verdict: str, entry_id: int, passed: list[int]
) -> list[Outbound]:
    _ = turn._
    entry = await turn.session.get(GlossaryEntry, entry_id)
    if entry is None or entry.lang != lang:
        return [Outbound(_("Mục này không còn nữa."), action=TOAST), await _review(turn, member, lang, passed)]
    if verdict == "pass":
        return [await _review(turn, member, lang, [*passed, entry_id])]
    try:
        await decide(turn.session, entry, _reviewer(member), verdict == "ok", turn.desk.clock())
    except GlossaryError:
        notice = _("Bạn không tự kiểm tra được mục mình gửi, hoặc mục đã có người kiểm tra. Nhờ một người khác nhé.")
        return [Outbound(notice, action=TOAST), await _review(turn, member, lang, [*passed, entry_id])]
    done = _("✅ Đã xác nhận.") if verdict == "ok" else _("❌ Đã từ chối; bà con sẽ không thấy mục này.")
    return [Outbound(done, action=TOAST), await _review(turn, member, lang, passed)]


DIALOG = Dialog(
    name=DIALOG_NAME,
    commands=(Command("gloss", N_("ghi từ khó bằng tiếng dân tộc (thành viên tổ)"), _command, in_menu=False),),
    prefixes=(PREFIX,),
    on_button=_button,
    wants_text=_recording_step,
    on_text=_on_text,
    on_media=_on_media,
)
