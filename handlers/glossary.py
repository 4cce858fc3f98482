"""Hard words for residents: /tukho and the "Từ khó" menu (the most-asked terms as buttons), the hard
words of an answer, and a word asked in free text. A resident who reads Bru-Vân Kiều, Pa Kô, Tà Ôi or
Chứt also gets the *verified* entry in that language, as text and as the volunteers' recording.

Payloads: `gloss` (the menu), `gloss:t:<term id>` (one term).
"""

from __future__ import annotations

from conversations.dialog import N_, Command, Dialog, Turn
from core.knowledge.glossary import RESIDENT_LANGUAGES, Term
from core.language.i18n import Translate
from core.messages import Button, Media, Outbound
from core.payloads import pack
from core.stats.glossary import most_asked_terms, record_lookup
from core.stats.period import local_day
from handlers.replies import GLOSSARY, human_button, menu_button

TERM = "t"
MENU_TERMS = 6
MAX_HARD_WORDS = 5  # an answer's first five hard words: about a phone screen for a slow reader
# Offered in the menu until residents' own lookups rank the terms.
STARTER_TERMS = ("mã kích hoạt", "OTP", "SIM chính chủ", "định danh điện tử", "NFC", "căn cước (CCCD)")


def explanations(_: Translate, terms: list[Term], language: str) -> tuple[str, tuple[Media, ...]]:
    """The terms explained for a reader of `language`: the plain Vietnamese (or English) explanation,
    and for a resident language its verified entry beside it, with its recording and the term's picture."""
    blocks: list[str] = []
    media: list[Media] = []
    local_name = RESIDENT_LANGUAGES.get(language)
    missing = False
    for term in terms:
        lines = [f"{term.term}: {term.explained(language)}"]
        local = term.local.get(language) if local_name else None
        if local is not None:
            if local.text:
                lines.append(f"🗣 {local_name}: {local.text}")
            if local.audio:
                lines.append(_("🔊 Nghe tiếng {language} ở tin nhắn giọng nói.").format(language=local_name))
                media.append(Media("voice", stored=local.audio))
        elif local_name:
            missing = True
        if term.picture:
            media.append(Media("photo", stored=term.picture))
        blocks.append("\n".join(lines))
    if missing:
        blocks.append(
            _("Từ này chưa có bản tiếng {language} đã được kiểm tra. Tình nguyện viên đang ghi thêm.").format(
                language=local_name
            )
        )
    return "\n\n".join(blocks), tuple(media)


async def explain_word(turn: Turn, word: str, language: str, _: Translate) -> Outbound:
    """The terms a typed word finds (counted as lookups, or as a missing word when none)."""
    terms = turn.desk.knowledge.glossary.lookup(word)
    day = local_day(turn.desk.clock())
    if not terms:
        await record_lookup(turn.session, day, language, asked=word)
        return Outbound(
            _('Mình chưa có giải thích cho "{word}". Bạn thử từ khác, hoặc hỏi cán bộ xã.').format(word=word),
            buttons=((human_button(_), menu_button(_)),),
        )
    await record_lookup(turn.session, day, language, term=terms[0].term)
    return explain_terms(_, terms, language)


def explain_terms(_: Translate, terms: list[Term], language: str) -> Outbound:
    text, media = explanations(_, terms, language)
    return Outbound(text, buttons=((Button(_("📖 Từ khó khác"), GLOSSARY), menu_button(_)),), media=media)


async def hard_words(turn: Turn, terms: list[Term], language: str, _: Translate) -> Outbound:
    """The first glossary terms an answer uses, explained (each counted as a lookup)."""
    terms = terms[:MAX_HARD_WORDS]
    day = local_day(turn.desk.clock())
    for term in terms:
        await record_lookup(turn.session, day, language, term=term.term)
    text, media = explanations(_, terms, language)
    return Outbound(_("Từ khó trong câu trả lời:") + "\n\n" + text, buttons=((menu_button(_),),), media=media)


async def glossary_menu(turn: Turn) -> Outbound:
    """How to ask for a word, and the most-asked terms as buttons."""
    _, glossary = turn._, turn.desk.knowledge.glossary
    names = [*await most_asked_terms(turn.session, MENU_TERMS), *STARTER_TERMS]
    terms: list[Term] = []
    for name in names:
        term = glossary.named(name)
        if term is not None and term not in terms:
            terms.append(term)
    rows = [
        tuple(Button(t.term[:40], pack(GLOSSARY, TERM, t.id)) for t in terms[i : i + 2])
        for i in range(0, min(len(terms), MENU_TERMS), 2)
    ]
    return Outbound(
        _("Gõ /tukho và từ bạn chưa hiểu, ví dụ: /tukho OTP hoặc /tukho SIM chính chủ.")
        + "\n"
        + _("Hoặc chọn một từ hay được hỏi:"),
        buttons=(*rows, (menu_button(_),)),
    )


async def _command(turn: Turn) -> list[Outbound]:
    word = turn.argument.strip()
    if not word:
        return [await glossary_menu(turn)]
    return [await explain_word(turn, word, turn.user.language, turn._)]


async def _button(turn: Turn, _prefix: str, parts: list[str]) -> list[Outbound] | None:
    if not parts:
        return [await glossary_menu(turn)]
    if len(parts) == 2 and parts[0] == TERM and parts[1].isdigit():
        term = turn.desk.knowledge.glossary.get(int(parts[1]))
        if term is not None:
            await record_lookup(turn.session, local_day(turn.desk.clock()), turn.user.language, term=term.term)
            return [explain_terms(turn._, [term], turn.user.language)]
    return None


DIALOG = Dialog(
    name="glossary",
    commands=(Command("tukho", N_("Giải thích từ khó, ví dụ /tukho OTP"), _command, menu_rank=3),),
    prefixes=(GLOSSARY,),
    on_button=_button,
)
