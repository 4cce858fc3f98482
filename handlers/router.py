"""Routes one inbound event to a reply; one database unit of work per event.

Team chats go to `handlers.team`. In a private chat, a command or a button goes to the dialog that
declared it (`handlers.registry`); a typed text goes to the first dialog that wants it, else it is
answered from the FAQ. Replies, and the messages to others the turn caused, are queued in the same
unit of work, so they are sent once it commits.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import replace
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.dialog import Turn
from conversations.options import matching_label, remember_options, resolve_choice
from core.delivery.inbox import settle
from core.delivery.outbox import enqueue_all
from core.helpdesk.message_log import AlreadyRecorded, annotate, record_inbound, record_outbound
from core.helpdesk.users import get_or_create_user
from core.language.i18n import Translate, translator
from core.messages import BUTTON, COMMAND, MEDIA, TOAST, Address, Inbound, Outbound, Outgoing, number_choices
from core.payloads import unpack
from handlers import answers, intake, replies, team
from handlers.context import BotContext
from handlers.registry import Registry, build_registry

MAX_MATCH_CHARS = 500
FLOOD_ACTION = "flood"


@cache
def registry() -> Registry:
    """The dialogs of this build, indexed once."""
    return build_registry()


@cache
def command_menu() -> tuple[tuple[str, str], ...]:
    """The commands residents see in the platform's menu (and in /help)."""
    return tuple(registry().menu())


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
        if inbound.inbox_id is not None:
            await settle(session, inbound.inbox_id)
        if inbound.in_group:
            out = await team.on_team_message(ctx.desk, session, inbound)
            await _queue_replies(ctx, session, inbound, out, [])
            return out
        user = await get_or_create_user(session, inbound.channel, inbound.user_id)
        logged = await record_inbound(session, user, inbound)
        _ = translator(user.language)
        turn = Turn(ctx.desk, session, user, inbound, _, question_id=logged.id, menu=command_menu())
        if (flooding := _flooding(ctx, inbound, _)) is not None:
            out = flooding
        else:
            out = number_choices(await _route(turn))
            await remember_options(session, user.id, [b for reply in out for b in reply.choices()])
        annotate(logged, out[-1] if out else None, (time.perf_counter() - started) * 1000)
        for reply in out:
            await record_outbound(session, user, inbound.channel, reply, created_at=inbound.received_at)
        await _queue_replies(ctx, session, inbound, out, turn.outgoing)
    return out


async def _queue_replies(
    ctx: BotContext, session: AsyncSession, inbound: Inbound, out: list[Outbound], caused: list[Outgoing]
) -> None:
    """Replies go back to the chat they answer (a toast is shown on the button instead, where it can be)."""
    chat = Address(inbound.channel, inbound.chat_id or inbound.user_id, group=inbound.in_group)
    replies_out = (
        []
        if inbound.channel not in ctx.outbox_channels
        else [Outgoing(chat, reply) for reply in out if not (inbound.can_toast and reply.action == TOAST)]
    )
    await enqueue_all(session, [*replies_out, *caused])


def _flooding(ctx: BotContext, inbound: Inbound, _: Translate) -> list[Outbound] | None:
    """Over the limit of typed messages (or, far higher, of presses) a minute: a gentle 'please wait' at
    most once a minute, otherwise silence until the minute is back under it (all still logged)."""
    guard = ctx.presses if inbound.kind == BUTTON else ctx.flood
    verdict = guard.check(f"{inbound.channel}:{inbound.user_id}", inbound.received_at)
    if verdict == "ok":
        return None
    return [replace(replies.slow_down(_), action=FLOOD_ACTION)] if verdict == "warn" else []


async def _route(turn: Turn) -> list[Outbound]:
    inbound = turn.inbound
    if inbound.kind == COMMAND:
        return await _command(turn)
    if inbound.kind == BUTTON:
        return await _button(turn, inbound.payload)
    turn.text = _clean(inbound.text)
    if inbound.kind == MEDIA:
        for dialog in registry().dialogs:
            if dialog.on_media is not None and (taken := await dialog.on_media(turn)) is not None:
                return taken
        return await intake.on_media(turn)
    if not any(ch.isalnum() for ch in turn.text):
        return [replies.empty_message(turn._)]
    choice = await resolve_choice(turn.session, turn.user.id, turn.text) or _menu_label(turn)
    if choice is not None:
        return await _button(turn, choice)
    for dialog in registry().dialogs:
        if dialog.wants_text is not None and dialog.on_text is not None and await dialog.wants_text(turn):
            reply = await dialog.on_text(turn)
            if reply is not None:
                return reply
    return await answers.answer_text(turn)


async def _button(turn: Turn, payload: str) -> list[Outbound]:
    """A pressed button (or a typed number naming one): the dialog owning its prefix, if it accepts it now."""
    prefix, parts = unpack(payload)
    dialog = registry().prefixes.get(prefix)
    turn.payload = payload
    if dialog is not None and dialog.on_button is not None:
        reply = await dialog.on_button(turn, prefix, parts)
        if reply is not None:
            return reply
    return [replies.stale_button(turn._)]


async def _command(turn: Turn) -> list[Outbound]:
    name, _sep, argument = turn.inbound.text.strip().lstrip("/").partition(" ")
    found = registry().commands.get(name.split("@", 1)[0].lower())
    if found is None:
        return [replies.unknown_command(turn._, [c for c, _text in command_menu()])]
    turn.argument = argument
    return await found[1].handler(turn)


def _menu_label(turn: Turn) -> str | None:
    """A main-menu button's label typed as text ("Tôi cần làm gì?"), wherever the resident is."""
    menu = replies.main_menu(turn._).choices()
    index = matching_label(turn.text, [button.label for button in menu])
    return menu[index].data if index is not None else None


def _clean(text: str) -> str:
    """Drop control characters and keep a bounded prefix for matching."""
    printable = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return printable.strip()[:MAX_MATCH_CHARS]
