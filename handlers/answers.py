"""Answering from the FAQ: menus, categories, answers and their hard words, 👍/👎, the glossary command,
and the reply to a typed question no dialog took (the router's last resort)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from conversations import checklist, settings
from conversations.dialog import N_, Command, Dialog, Turn
from core.helpdesk.message_log import feedback_since, last_answered_question, last_reply_action, set_feedback
from core.knowledge.faq import KnowledgeBase
from core.language.bilingual import ENGLISH
from core.language.i18n import Translate, translator
from core.language.matcher import HUMAN, SMALLTALK_INTENTS
from core.language.normalize import fold
from core.language.reading import Reading, read
from core.language.slots import carry_over
from core.messages import Button, Media, Outbound
from core.payloads import fits, pack
from core.privacy import without_masks
from handlers import glossary, intake, replies

MAX_ASKED_WORDS = 6
MIN_PROBLEM_WORDS = 3
_PERSON_PLEASE = re.compile(
    r"\b(?:(?:cho|muon|can|xin) (?:toi |em |minh |chau |con |tui )?(?:duoc )?"
    r"(?:gap|noi chuyen voi|lien he voi|lien he) (?:can bo|nguoi that|nguoi ho tro|to ho tro)"
    r"|gap (?:can bo|nguoi that) (?:giup|voi|di|nhe|nha|a)\b|can nguoi that giup)"
)
_ABOUT_MEETING = re.compile(r"\s*(?:o dau|khi nao|luc nao|the nao|bang cach nao|duoc khong|o mo|chua)\b")
_WHAT_IS = re.compile(
    r"^(?:(?:the con|vay con|con|vay|the|rua) )?"  # a follow-up: "còn NFC nghĩa là gì"
    r"(?:(?:the nao la|giai thich(?: giup)?(?: tu)?|(?:tu|chu) )\s*(?P<after>[\w ]+?)"
    r"|(?P<before>[\w ]+?)\s+(?:la gi|la cai gi|nghia la gi|co nghia la gi|la sao|la the nao))"
    r"\s*(?:vay|the|a|ha|nhi|nhe|\?)*\s*\??$"
)
FOLLOW_UP_WINDOW = timedelta(minutes=30)
MAX_FOLLOW_UP_WORDS = 8
_FOLLOW_UP = re.compile(r"^(?:con|vay|the|neu|nhung|truong hop)\b")
REPEATED_DOWN = 2
REPEATED_DOWN_WINDOW = timedelta(minutes=30)
_ROW_ID = re.compile(r"[0-9]{1,12}")


async def answer_text(turn: Turn) -> list[Outbound]:
    """A typed question: the answer, a choice of likely questions, or a person after a second miss.

    A short follow-up ("còn con tôi thì sao") is read with the previous question; a message with two
    questions gets its answer with the other question offered as a button."""
    reading = await _in_context(turn)
    result = reading.result
    language = ENGLISH if result.language == ENGLISH else turn.user.language  # an English question: English
    _, knowledge = translator(language), turn.desk.knowledge.in_language(language)
    if _asks_for_a_person(turn.text):
        return await intake.request_person(turn, reason="asked", problem=turn.masked.text)
    if result.intent == HUMAN:
        return await intake.request_person(turn, reason="asked")
    unclear = result.action == "escalate" and not result.out_of_scope
    if unclear and await last_reply_action(turn.session, turn.user.id) == "clarify":
        return await intake.request_person(turn, reason="not_understood", problem=turn.masked.text)
    asked_word = _asked_word(turn)
    if asked_word is not None:
        return [await glossary.explain_word(turn, asked_word, turn.user.language, _)]
    if result.action in {"answer", "smalltalk"} and result.intent in knowledge.entries:
        entry = knowledge.entries[result.intent]
        if result.intent in SMALLTALK_INTENTS:
            reply = replies.smalltalk(_, entry, result)
        else:
            reply = replies.faq_answer(_, knowledge, entry, result, question_id=turn.question_id, language=language)
            reply = _with_voice(turn, reply, entry.id, language)
            reply = _offer_the_other_question(knowledge, reading.other, reply, _)
    elif result.action == "clarify":
        reply = replies.clarify(_, knowledge, result)
    else:
        reply = replies.not_understood(_, result)
    if turn.masked.has_secret:
        reply = replace(reply, text=f"{replies.secret_warning(_)}\n\n{reply.text}")
    if await checklist.active(turn.session, turn.user.id) is not None:
        reply = replace(reply, buttons=(*reply.buttons, (checklist.resume_button(_),)))
    return [reply]


def _with_voice(turn: Turn, reply: Outbound, entry_id: str, language: str | None = None) -> Outbound:
    """The answer with its recorded voice answer, for a resident who turned listening on (/nghe)."""
    recording = turn.desk.knowledge.voice_answer(entry_id, language or turn.user.language)
    if not turn.user.listen or recording is None:
        return reply
    return replace(reply, media=(*reply.media, Media("voice", stored=recording)))


async def _in_context(turn: Turn) -> Reading:
    """The message's reading, or, for a short follow-up it cannot answer alone, the reading of the
    previous answered question (within `FOLLOW_UP_WINDOW`) with the slots the follow-up changes."""
    matcher = turn.desk.knowledge.matcher
    reading = read(matcher, without_masks(turn.masked.text), whole=turn.match)
    result = reading.result
    follow_up = _FOLLOW_UP.match(fold(turn.text)) and len(turn.text.split()) <= MAX_FOLLOW_UP_WORDS
    if result.action == "answer" or result.intent == HUMAN or not follow_up:
        return reading
    since = turn.desk.clock() - FOLLOW_UP_WINDOW
    previous = await last_answered_question(turn.session, turn.user.id, before_id=turn.question_id, since=since)
    if previous is None:
        return reading
    combined = matcher.match(without_masks(carry_over(previous.text_masked, turn.masked.text)))
    return Reading(combined) if combined.action == "answer" else reading


def _offer_the_other_question(
    knowledge: KnowledgeBase, other_id: str | None, reply: Outbound, _: Translate
) -> Outbound:
    """A button for the second question the message holds, above the others."""
    other = knowledge.entries.get(other_id or "")
    if other is None or not fits(replies.FAQ, other.id):
        return reply
    label = _("➕ Còn: {question}").format(question=other.question)[:60]
    return replace(reply, buttons=((Button(label, pack(replies.FAQ, other.id)),), *reply.buttons))


def _asks_for_a_person(text: str) -> bool:
    """An explicit request for a person inside a longer message that says what it is about ("…, cho
    tôi gặp cán bộ"), not a question about meeting one ("gặp cán bộ ở đâu")."""
    folded = " ".join(fold(text).split())
    found = _PERSON_PLEASE.search(folded)
    if found is None or _ABOUT_MEETING.match(folded[found.end() :]) is not None:
        return False
    besides = folded[: found.start()] + " " + folded[found.end() :]
    return len(besides.split()) >= MIN_PROBLEM_WORDS  # otherwise the intake asks what it is about


def _asked_word(turn: Turn) -> str | None:
    """A hard word asked about in free text ("otp là gì", "NFC nghĩa là gì", "thế nào là sinh trắc học"),
    when it is a glossary term and not the very subject of the FAQ answer the matcher would give."""
    found = _WHAT_IS.match(fold(turn.text).strip())
    if found is None:
        return None
    word = (found.group("before") or found.group("after") or "").strip()
    if not word or len(word.split()) > MAX_ASKED_WORDS:
        return None
    wanted = " ".join(word.split())
    terms = turn.desk.knowledge.glossary.lookup(wanted)
    if not terms or wanted not in terms[0].forms:
        return None
    entry = turn.desk.knowledge.entries.get(turn.match.intent or "")
    if turn.match.action == "answer" and entry is not None and wanted in fold(entry.question):
        return None
    return wanted


async def _button(turn: Turn, prefix: str, parts: list[str]) -> list[Outbound] | None:
    _, knowledge = turn._, turn.knowledge
    if prefix == replies.MENU:
        return [replies.main_menu(_)]
    if prefix == replies.HELP:
        return [replies.help_text(_, turn.menu)]
    if prefix == replies.FAQ and not parts:
        return [replies.categories(_, knowledge)]
    if prefix in {replies.MORE, replies.TERMS} and len(parts) == 2 and parts[1] in settings.LANGUAGES:
        _, knowledge = translator(parts[1]), turn.desk.knowledge.in_language(parts[1])  # the answer's language
        parts = parts[:1]
    entry = knowledge.entries.get(parts[0]) if len(parts) == 1 else None
    if prefix == replies.FAQ and entry is not None:
        return [_with_voice(turn, replies.faq_answer(_, knowledge, entry, language=turn.user.language), entry.id)]
    if prefix == replies.MORE and entry is not None and replies.split_answer(entry.answer)[1]:
        return [replies.more(_, entry)]
    if prefix == replies.TERMS and entry is not None:
        terms = knowledge.glossary.terms_in(entry.answer)
        return [await glossary.hard_words(turn, terms, turn.user.language, _)] if terms else None
    if prefix == replies.CATEGORY and len(parts) == 1:
        category = next((c for c in knowledge.browsable() if c.id == parts[0]), None)
        return [replies.category_questions(_, knowledge, category)] if category is not None else None
    if prefix == replies.FEEDBACK and len(parts) == 2 and parts[0] in {"up", "down"}:
        return await _feedback(turn, parts[0] == "up", parts[1])
    return None


async def _feedback(turn: Turn, helpful: bool, raw_id: str) -> list[Outbound] | None:
    """👍 is stored with the question; 👎 too, and the resident is offered other questions, then a person."""
    session, user, _ = turn.session, turn.user, turn._
    value = "up" if helpful else "down"
    question = await set_feedback(session, user.id, int(raw_id), value) if _ROW_ID.fullmatch(raw_id) else None
    if question is None:
        return None
    if helpful:
        return [replies.feedback_thanks(_)]
    if await feedback_since(session, user.id, "down", turn.desk.clock() - REPEATED_DOWN_WINDOW) >= REPEATED_DOWN:
        return await intake.request_person(
            turn, reason="thumbs_down", problem=question.text_masked, bot_intent=question.intent
        )
    others = turn.desk.knowledge.matcher.alternatives(question.text_masked, exclude=question.intent)
    return [replies.not_right(_, turn.knowledge, others)]


async def _start(turn: Turn) -> list[Outbound]:
    if turn.user.commune is None and turn.user.village is None and turn.user.place_typed is None:
        return [replies.welcome(turn._), settings.offer(turn._)]
    return [replies.welcome(turn._)]


async def _menu(turn: Turn) -> list[Outbound]:
    return [replies.main_menu(turn._)]


async def _help(turn: Turn) -> list[Outbound]:
    return [replies.help_text(turn._, turn.menu)]


async def _privacy(turn: Turn) -> list[Outbound]:
    return [replies.privacy_notice(turn._)]


DIALOG = Dialog(
    name="answers",
    commands=(
        Command("start", N_("Bắt đầu"), _start, menu_rank=0),
        Command("menu", N_("Menu chính"), _menu, menu_rank=1),
        Command("help", N_("Hướng dẫn"), _help, aliases=("huongdan",), menu_rank=2),
        Command("riengtu", N_("Bot lưu gì về bạn"), _privacy, menu_rank=6),
    ),
    prefixes=(
        replies.MENU,
        replies.HELP,
        replies.FAQ,
        replies.TERMS,
        replies.MORE,
        replies.CATEGORY,
        replies.FEEDBACK,
    ),
    on_button=_button,
)
