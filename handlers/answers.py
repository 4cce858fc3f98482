"""Answering from the FAQ: menus, categories, answers and their hard words, 👍/👎, the glossary command,
and the reply to a typed question no dialog took (the router's last resort)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from conversations import checklist, settings
from conversations.dialog import N_, Command, Dialog, Turn
from core.helpdesk.message_log import feedback_since, last_reply_action, set_feedback
from core.language.matcher import HUMAN, SMALLTALK_INTENTS
from core.messages import Outbound
from handlers import intake, replies

REPEATED_DOWN = 2
REPEATED_DOWN_WINDOW = timedelta(minutes=30)
_ROW_ID = re.compile(r"[0-9]{1,12}")


async def answer_text(turn: Turn) -> list[Outbound]:
    """A typed question: the answer, a choice of likely questions, or a person after a second miss."""
    result, _ = turn.match, turn._
    if result.intent == HUMAN:
        return await intake.request_person(turn, reason="asked")
    unclear = result.action == "escalate" and not result.out_of_scope
    if unclear and await last_reply_action(turn.session, turn.user.id) == "clarify":
        return await intake.request_person(turn, reason="not_understood", problem=turn.masked.text)
    knowledge = turn.desk.knowledge
    if result.action in {"answer", "smalltalk"} and result.intent in knowledge.entries:
        entry = knowledge.entries[result.intent]
        if result.intent in SMALLTALK_INTENTS:
            reply = replies.smalltalk(_, entry, result)
        else:
            hard = bool(knowledge.glossary.terms_in(entry.answer))
            reply = replies.answer(_, entry, result, question_id=turn.question_id, has_hard_words=hard)
    elif result.action == "clarify":
        reply = replies.clarify(_, knowledge, result)
    else:
        reply = replies.not_understood(_, result)
    if turn.masked.has_secret:
        reply = replace(reply, text=f"{replies.secret_warning(_)}\n\n{reply.text}")
    if await checklist.active(turn.session, turn.user.id) is not None:
        reply = replace(reply, buttons=(*reply.buttons, (checklist.resume_button(_),)))
    return [reply]


async def _button(turn: Turn, prefix: str, parts: list[str]) -> list[Outbound] | None:
    _, knowledge = turn._, turn.desk.knowledge
    if prefix == replies.MENU:
        return [replies.main_menu(_)]
    if prefix == replies.HELP:
        return [replies.help_text(_, turn.menu)]
    if prefix == replies.GLOSSARY:
        return [replies.glossary_prompt(_)]
    if prefix == replies.FAQ and not parts:
        return [replies.categories(_, knowledge)]
    entry = knowledge.entries.get(parts[0]) if len(parts) == 1 else None
    if prefix == replies.FAQ and entry is not None:
        return [replies.answer(_, entry, has_hard_words=bool(knowledge.glossary.terms_in(entry.answer)))]
    if prefix == replies.TERMS and entry is not None:
        terms = knowledge.glossary.terms_in(entry.answer, turn.user.language)
        return [replies.hard_words(_, terms)] if terms else None
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
    return [replies.not_right(_, turn.desk.knowledge, others)]


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


async def _glossary(turn: Turn) -> list[Outbound]:
    word = turn.argument.strip()
    if not word:
        return [replies.glossary_prompt(turn._)]
    return [replies.glossary_result(turn._, word, turn.desk.knowledge.glossary.lookup(word, turn.user.language))]


DIALOG = Dialog(
    name="answers",
    commands=(
        Command("start", N_("Bắt đầu"), _start, menu_rank=0),
        Command("menu", N_("Menu chính"), _menu, menu_rank=1),
        Command("help", N_("Hướng dẫn"), _help, aliases=("huongdan",), menu_rank=2),
        Command("tukho", N_("Giải thích từ khó, ví dụ /tukho OTP"), _glossary, menu_rank=3),
        Command("riengtu", N_("Bot lưu gì về bạn"), _privacy, menu_rank=6),
    ),
    prefixes=(
        replies.MENU,
        replies.HELP,
        replies.GLOSSARY,
        replies.FAQ,
        replies.TERMS,
        replies.CATEGORY,
        replies.FEEDBACK,
    ),
    on_button=_button,
)
