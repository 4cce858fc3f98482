"""Routes one inbound event to a reply; one database unit of work per event."""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import checklist, settings
from conversations.options import remember_options, resolve_choice
from core.delivery.inbox import settle
from core.delivery.outbox import enqueue
from core.helpdesk.message_log import (
    AlreadyRecorded,
    annotate,
    feedback_since,
    last_reply_action,
    record_inbound,
    record_outbound,
    set_feedback,
)
from core.helpdesk.tickets import open_ticket_of
from core.helpdesk.users import get_or_create_user
from core.language.i18n import Translate, translator
from core.language.matcher import HUMAN, SMALLTALK_INTENTS, MatchResult
from core.messages import BUTTON, COMMAND, MEDIA, Inbound, Outbound, number_choices
from core.privacy import Masked, mask, without_masks
from handlers import cards, escalation, replies, volunteers
from handlers.context import BotContext
from models import User

MAX_MATCH_CHARS = 500
FLOOD_ACTION = "flood"
REPEATED_DOWN = 2
REPEATED_DOWN_WINDOW = timedelta(minutes=30)
FOR_A_PERSON = frozenset({"voice", "audio", "photo", "video", "video_note", "document"})


async def handle(ctx: BotContext, inbound: Inbound) -> list[Outbound]:
    """Answer one inbound event. A redelivered platform message returns no reply."""
    try:
        return await _handle_once(ctx, inbound)
    except AlreadyRecorded:
        if inbound.inbox_id is not None:
            async with ctx.sessions() as session, session.begin():
                await settle(session, inbound.inbox_id)
        return []


async def _handle_once(ctx: BotContext, inbound: Inbound) -> list[Outbound]:
    started = time.perf_counter()
    async with ctx.sessions() as session, session.begin():
        user = await get_or_create_user(session, inbound.channel, inbound.user_id)
        logged = await record_inbound(session, user.id, inbound)
        if inbound.inbox_id is not None:
            await settle(session, inbound.inbox_id)
        _ = translator(user.language)
        if inbound.in_group:
            out = await volunteers.on_group_message(ctx, session, inbound)
        elif (flooding := _flooding(ctx, inbound, _)) is not None:
            out = flooding
        else:
            out = await _route(ctx, session, user, inbound, logged.id, _)
            out = number_choices(out)
            await remember_options(session, user.id, [b for reply in out for b in reply.choices()])
        annotate(logged, out[-1] if out else None, (time.perf_counter() - started) * 1000)
        for reply in out:
            await record_outbound(session, user.id, inbound.channel, reply, created_at=inbound.received_at)
            if inbound.channel in ctx.outbox_channels and not (inbound.can_toast and reply.action == cards.TOAST):
                await enqueue(session, inbound.channel, inbound.chat_id or inbound.user_id, reply)
    if out and inbound.channel in ctx.outbox_channels:
        ctx.wake_outbox()
    return out


def _flooding(ctx: BotContext, inbound: Inbound, _: Translate) -> list[Outbound] | None:
    """Over the limit of messages a minute: one gentle 'please wait', then silence (all still logged)."""
    verdict = ctx.flood.check(f"{inbound.channel}:{inbound.user_id}", inbound.received_at)
    if verdict == "ok":
        return None
    return [replace(replies.slow_down(_), action=FLOOD_ACTION)] if verdict == "warn" else []


async def _route(
    ctx: BotContext, session: AsyncSession, user: User, inbound: Inbound, question_id: int, _: Translate
) -> list[Outbound]:
    if inbound.kind == COMMAND:
        return await _command(ctx, session, user, inbound.text, inbound.sender_name, _)
    if inbound.kind == BUTTON and inbound.payload.startswith(cards.VOLUNTEER_PREFIX):
        return await volunteers.on_button(ctx, session, inbound)
    if inbound.kind == BUTTON:
        return await _button(ctx, session, user, inbound.payload, _)
    if inbound.kind == MEDIA:
        return await _media(ctx, session, user, inbound, _)
    text = _clean(inbound.text)
    if not any(ch.isalnum() for ch in text):
        return [replies.empty_message(_)]
    choice = await resolve_choice(session, user.id, text)
    if choice is not None:
        return await _button(ctx, session, user, choice, _)
    masked = mask(text)
    ticket = await open_ticket_of(session, user.id)
    if ticket is not None and not ticket.detached:
        return await escalation.relay_to_ticket(ctx, session, ticket, masked.text, (), _)
    result = ctx.knowledge.matcher.match(without_masks(masked.text))
    is_question = result.action == "answer" or result.intent == HUMAN
    if await escalation.takes_text(session, user.id, text, is_question):
        guess = result.intent if result.action == "answer" else None
        return await escalation.on_text(ctx, session, user, masked.text, guess, _)
    if not is_question and await settings.waiting_for_text(session, user.id):
        place = await settings.on_text(session, user, text, _)
        if place is not None:
            return [place]
    if result.intent == HUMAN:
        return await escalation.request_person(ctx, session, user, _, reason="asked")
    unclear = result.action == "escalate" and not result.out_of_scope
    if unclear and await last_reply_action(session, user.id) == "clarify":
        return await escalation.request_person(ctx, session, user, _, reason="not_understood", problem=masked.text)
    reply = _free_text(ctx, masked, result, question_id, _)
    if await checklist.active(session, user.id) is not None:
        reply = replace(reply, buttons=(*reply.buttons, (checklist.resume_button(_),)))
    return [reply]


async def _media(ctx: BotContext, session: AsyncSession, user: User, inbound: Inbound, _: Translate) -> list[Outbound]:
    """Voice notes, photos and files go to a person (most who send them cannot type); stickers get a kind word."""
    caption = mask(_clean(inbound.text)).text
    ticket = await open_ticket_of(session, user.id)
    if ticket is not None and not ticket.detached:
        return await escalation.relay_to_ticket(ctx, session, ticket, caption, inbound.media, _)
    if inbound.media and inbound.media[0].kind in FOR_A_PERSON:
        return await escalation.request_person(
            ctx, session, user, _, reason="media", problem=caption, media=inbound.media
        )
    return [replies.media_received(_, inbound.media[0].kind if inbound.media else "file")]


def _clean(text: str) -> str:
    """Drop control characters and keep a bounded prefix for matching."""
    printable = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return printable.strip()[:MAX_MATCH_CHARS]


def _free_text(ctx: BotContext, masked: Masked, result: MatchResult, question_id: int, _: Translate) -> Outbound:
    """The reply to a typed question, given its masked text and the matcher's verdict."""
    knowledge = ctx.knowledge
    if result.action in {"answer", "smalltalk"} and result.intent in knowledge.entries:
        entry = knowledge.entries[result.intent]
        if result.intent in SMALLTALK_INTENTS:
            reply = replies.smalltalk(_, entry, result)
        else:
            hard = bool(knowledge.glossary.terms_in(entry.answer))
            reply = replies.answer(_, entry, result, question_id=question_id, has_hard_words=hard)
    elif result.intent == HUMAN:
        reply = replace(replies.human_requested(_), confidence=result.confidence)
    elif result.action == "clarify":
        reply = replies.clarify(_, knowledge, result)
    else:
        reply = replies.not_understood(_, result)
    if masked.has_secret:
        reply = replace(reply, text=f"{replies.secret_warning(_)}\n\n{reply.text}")
    return reply


async def _button(ctx: BotContext, session: AsyncSession, user: User, payload: str, _: Translate) -> list[Outbound]:
    knowledge = ctx.knowledge
    if payload == replies.MENU:
        return [replies.main_menu(_)]
    if payload == "faq":
        return [replies.categories(_, knowledge)]
    if payload == replies.HELP:
        return [replies.help_text(_)]
    if payload == replies.GLOSSARY:
        return [replies.glossary_prompt(_)]
    if payload == replies.HUMAN:
        return await escalation.request_person(ctx, session, user, _, reason="asked")
    if payload.startswith((escalation.PREFIX, escalation.RATE_PREFIX)):
        return await escalation.on_button(ctx, session, user, payload, _)
    if payload.startswith(replies.FAQ_PREFIX):
        entry = knowledge.entries.get(payload.removeprefix(replies.FAQ_PREFIX))
        if entry is not None:
            return [replies.answer(_, entry, has_hard_words=bool(knowledge.glossary.terms_in(entry.answer)))]
    if payload.startswith(replies.TERMS_PREFIX):
        entry = knowledge.entries.get(payload.removeprefix(replies.TERMS_PREFIX))
        terms = knowledge.glossary.terms_in(entry.answer, user.language) if entry else []
        if terms:
            return [replies.hard_words(_, terms)]
    if payload.startswith((replies.FEEDBACK_UP, replies.FEEDBACK_DOWN)):
        return await _feedback(ctx, session, user, payload, _)
    if payload.startswith(settings.PREFIX):
        step = await settings.on_button(session, user, payload, _)
        if step is not None:
            return [step]
    if payload.startswith(checklist.PREFIX):
        step = await checklist.on_button(session, user.id, payload, _)
        if step is not None:
            return [step]
    if payload.startswith(replies.CATEGORY_PREFIX):
        wanted = payload.removeprefix(replies.CATEGORY_PREFIX)
        for category in knowledge.browsable():
            if category.id == wanted:
                return [replies.category_questions(_, knowledge, category)]
    return [replies.stale_button(_)]


async def _feedback(ctx: BotContext, session: AsyncSession, user: User, payload: str, _: Translate) -> list[Outbound]:
    """👍 is stored with the question; 👎 too, and the resident is offered other questions, then a person."""
    helpful = payload.startswith(replies.FEEDBACK_UP)
    raw_id = payload.removeprefix(replies.FEEDBACK_UP if helpful else replies.FEEDBACK_DOWN)
    question = (
        await set_feedback(session, user.id, int(raw_id), "up" if helpful else "down")
        if re.fullmatch(r"[0-9]{1,12}", raw_id)
        else None
    )
    if question is None:
        return [replies.stale_button(_)]
    if helpful:
        return [replies.feedback_thanks(_)]
    if await feedback_since(session, user.id, "down", ctx.clock() - REPEATED_DOWN_WINDOW) >= REPEATED_DOWN:
        return await escalation.request_person(
            ctx, session, user, _, reason="thumbs_down", problem=question.text_masked, bot_intent=question.intent
        )
    others = ctx.knowledge.matcher.alternatives(question.text_masked, exclude=question.intent)
    return [replies.not_right(_, ctx.knowledge, others)]


async def _command(
    ctx: BotContext, session: AsyncSession, user: User, text: str, sender_name: str, _: Translate
) -> list[Outbound]:
    name, _sep, argument = text.strip().lstrip("/").partition(" ")
    name = name.split("@", 1)[0].lower()
    if name == "start":
        if user.commune is None and user.village is None:
            return [replies.welcome(_), settings.offer(_)]
        return [replies.welcome(_)]
    if name == "caidat":
        started = await settings.on_button(session, user, settings.START, _)
        return [started] if started is not None else [replies.stale_button(_)]
    if name == "menu":
        return [replies.main_menu(_)]
    if name in {"help", "huongdan"}:
        return [replies.help_text(_)]
    if name == "canbo":
        return await escalation.request_person(ctx, session, user, _, reason="asked", problem=mask(argument).text)
    if name in volunteers.MEMBER_COMMANDS:
        return [await volunteers.on_command(ctx, session, user, name, argument, sender_name)]
    if name == "riengtu":
        return [replies.privacy_notice(_)]
    if name == "tukho":
        word = argument.strip()
        if not word:
            return [replies.glossary_prompt(_)]
        return [replies.glossary_result(_, word, ctx.knowledge.glossary.lookup(word, user.language))]
    return [replies.unknown_command(_)]
