"""The resident's side of talking to a person: a short intake, the ticket, relaying, rating.

Payloads: `es:skip`, `es:cancel`, `es:back` (back to the bot), `rt:<ticket>:<1-5>`.
Intake state lives in the dialog table (dialog "intake"), so it survives restarts.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.state import dialog_state, start_dialog
from core.delivery.outbox import enqueue
from core.helpdesk.tickets import (
    add_event,
    commune_for,
    in_duty_hours,
    open_ticket,
    open_ticket_of,
    rate,
    ticket_number,
)
from core.language.i18n import Translate
from core.messages import Button, Media, Outbound
from core.privacy import mask
from handlers import cards, replies
from handlers.context import BotContext
from models import Commune, Ticket, User

PREFIX = "es:"
SKIP = "es:skip"
CANCEL = "es:cancel"
BACK = "es:back"
RATE_PREFIX = "rt:"
DIALOG = "intake"
RELAY_ACK = "relayed"
MAX_PLACE_CHARS = 128
MAX_PLACE_WORDS = 6
_STARS = re.compile(r"[1-5]")


async def request_person(
    ctx: BotContext,
    session: AsyncSession,
    user: User,
    _: Translate,
    *,
    reason: str,
    problem: str = "",
    media: tuple[Media, ...] = (),
    bot_intent: str | None = None,
) -> list[Outbound]:
    """A resident wants a person: continue their open ticket, or ask what it is about and open one."""
    ticket = await open_ticket_of(session, user.id)
    if ticket is not None:
        ticket.detached = False
        if problem or media:
            return await relay_to_ticket(ctx, session, ticket, problem, media, _)
        return [_still_open(_, ticket)]
    data = {"reason": reason, "problem": mask(problem).text, "media": [m.kind + "|" + m.file_id for m in media]}
    if bot_intent:
        data["intent"] = bot_intent
    state = await dialog_state(session, user.id)
    if state is not None:
        await session.delete(state)
        await session.flush()
    if problem or media:
        if user.village:
            return await _open(ctx, session, user, data, _)
        start_dialog(session, user.id, DIALOG, "village", data)
        ask = _ask_village(_)
        if media:
            received = _("Mình đã nhận {kind} của bạn và sẽ chuyển cho cán bộ xã.").format(
                kind=replies.media_name(_, media[0].kind)
            )
            ask = replace(ask, text=f"{received}\n{ask.text}")
        return [ask]
    start_dialog(session, user.id, DIALOG, "problem", data)
    return [_ask_problem(_)]


async def takes_text(session: AsyncSession, user_id: int, text: str, is_question: bool) -> bool:
    """Whether the intake is waiting for this text: any description of the problem, or a short place
    name (a question the bot can answer is answered instead, and the intake waits)."""
    state = await dialog_state(session, user_id)
    if state is None or state.dialog != DIALOG:
        return False
    return state.step == "problem" or (not is_question and len(text.split()) <= MAX_PLACE_WORDS)


async def on_text(
    ctx: BotContext, session: AsyncSession, user: User, text: str, bot_intent: str | None, _: Translate
) -> list[Outbound]:
    """A typed answer to the intake's current question."""
    state = await dialog_state(session, user.id)
    assert state is not None
    data = dict(state.data)
    if state.step == "problem":
        data["problem"] = mask(text).text
        if bot_intent:
            data["intent"] = bot_intent
        if not user.village:
            state.step = "village"
            state.data = data
            return [_ask_village(_)]
    else:
        user.village = mask(text.strip()).text[:MAX_PLACE_CHARS]
    return await _open(ctx, session, user, data, _)


async def on_button(ctx: BotContext, session: AsyncSession, user: User, payload: str, _: Translate) -> list[Outbound]:
    """Skip, cancel, back to the bot, or a rating."""
    if payload.startswith(RATE_PREFIX):
        return [await _rate(session, user, payload, _)]
    if payload == BACK:
        ticket = await open_ticket_of(session, user.id)
        if ticket is not None:
            ticket.detached = True
        return [replies.main_menu(_, _("Được rồi, bạn cứ hỏi bot. Khi cán bộ trả lời, tin sẽ đến đây."))]
    state = await dialog_state(session, user.id)
    if state is None or state.dialog != DIALOG:
        return [replies.stale_button(_)]
    if payload == CANCEL:
        await session.delete(state)
        return [replies.main_menu(_, _("Đã hủy. Bạn cần gì cứ hỏi nhé."))]
    if payload == SKIP and state.step == "problem" and not user.village:
        state.step = "village"
        return [_ask_village(_)]
    if payload == SKIP:
        return await _open(ctx, session, user, dict(state.data), _)
    return [replies.stale_button(_)]


async def relay_to_ticket(
    ctx: BotContext, session: AsyncSession, ticket: Ticket, text: str, media: tuple[Media, ...], _: Translate
) -> list[Outbound]:
    """A resident's message on an open ticket: kept on the ticket and posted to the volunteers (masked)."""
    now = ctx.clock()
    text = mask(text).text
    add_event(session, ticket, "resident", text, now, attachments=[{"kind": m.kind} for m in media])
    if ticket.group_chat_id:
        post = group_post(ticket, text, media)
        await enqueue(session, "telegram", ticket.group_chat_id, post, purpose="relay", ticket_id=ticket.id)
    return [
        Outbound(
            _("✓ Đã chuyển cho cán bộ (yêu cầu #{number}).").format(number=ticket.id),
            buttons=((_back_button(_),),),
            action=RELAY_ACK,
        )
    ]


def group_post(ticket: Ticket, text: str, media: tuple[Media, ...]) -> Outbound:
    """A resident's message for the Telegram group: Telegram files are forwarded as files, others as links."""
    if ticket.channel == "telegram":
        return Outbound(cards.relay(ticket, text), media=media)
    links = [f"📎 {m.kind}: {m.file_id}" for m in media]
    return Outbound("\n".join([cards.relay(ticket, text), *links]))


async def _open(ctx: BotContext, session: AsyncSession, user: User, data: dict, _: Translate) -> list[Outbound]:
    state = await dialog_state(session, user.id)
    if state is not None:
        await session.delete(state)
    commune = await commune_for(session, user)
    if commune is None:
        return [replies.human_requested(_)]
    now = ctx.clock()
    media = tuple(Media(*item.split("|", 1)) for item in data.get("media", []))
    problem = data.get("problem", "")
    ticket = await open_ticket(
        session,
        user,
        commune,
        summary=problem,
        reason=data.get("reason", "asked"),
        bot_intent=data.get("intent"),
        now=now,
    )
    event = add_event(session, ticket, "resident", problem, now, attachments=[{"kind": m.kind} for m in media])
    if ticket.group_chat_id:
        post = cards.card(ticket, [event], ctx.knowledge, commune.name)
        await enqueue(
            session,
            "telegram",
            ticket.group_chat_id,
            post,
            purpose="card",
            ticket_id=ticket.id,
            topic=cards.topic_title(ticket),
        )
        if media:
            await enqueue(
                session,
                "telegram",
                ticket.group_chat_id,
                group_post(ticket, "", media),
                purpose="relay",
                ticket_id=ticket.id,
            )
    opened = _opened(_, ticket, commune, in_duty_hours(commune, now))
    guess = ctx.knowledge.entries.get(data.get("intent") or "")
    if guess is not None:
        hint = Button(_("📄 Trong lúc chờ, đọc: {question}").format(question=guess.question)[:60], f"faq:{guess.id}")
        opened = replace(opened, buttons=((hint,), *opened.buttons))
    return [opened]


def _opened(_: Translate, ticket: Ticket, commune: Commune, on_duty: bool) -> Outbound:
    text = _("Đã gửi yêu cầu #{number} tới tổ hỗ trợ xã {commune}. Cán bộ sẽ trả lời ngay trong cuộc trò chuyện này.")
    text = text.format(number=ticket.id, commune=commune.name)
    if not on_duty:
        text += "\n" + _(
            "Bây giờ ngoài giờ trực ({start}:00–{end}:00), nên cán bộ sẽ trả lời từ {start}:00 sáng mai."
        ).format(start=commune.duty_start_hour, end=commune.duty_end_hour)
    text += "\n" + _("Bạn cứ nhắn thêm ở đây, kể cả gửi ảnh hoặc ghi âm. Đừng gửi mã OTP hay mật khẩu cho ai.")
    return Outbound(text, buttons=((_back_button(_),),), intent="human", action="escalate")


def _still_open(_: Translate, ticket: Ticket) -> Outbound:
    return Outbound(
        _("Yêu cầu #{number} của bạn vẫn đang mở. Bạn cứ nhắn ở đây, cán bộ sẽ đọc và trả lời.").format(
            number=ticket.id
        ),
        buttons=((_back_button(_),),),
        intent="human",
        action="escalate",
    )


def _ask_problem(_: Translate) -> Outbound:
    return Outbound(
        _("Bạn cần cán bộ giúp việc gì? Nhắn vài chữ, hoặc gửi ảnh, ghi âm."),
        buttons=((Button(_("Bỏ qua"), SKIP), Button(_("Hủy"), CANCEL)),),
        intent="human",
        action="escalate",
    )


def _ask_village(_: Translate) -> Outbound:
    return Outbound(_("Bạn ở thôn, bản nào? Gõ tên thôn."), buttons=((Button(_("Bỏ qua"), SKIP),),))


def _back_button(_: Translate) -> Button:
    return Button(_("🤖 Quay lại hỏi bot"), BACK)


def rating_request(_: Translate, ticket: Ticket) -> Outbound:
    """Sent to the resident when their ticket is closed."""
    stars = tuple(Button(f"{n}⭐", f"{RATE_PREFIX}{ticket.id}:{n}") for n in range(1, 6))
    return Outbound(
        _("Cán bộ đã đóng yêu cầu #{number}. Bạn chấm điểm giúp: 1 là chưa tốt, 5 là rất tốt.").format(
            number=ticket.id
        ),
        buttons=(stars,),
    )


async def _rate(session: AsyncSession, user: User, payload: str, _: Translate) -> Outbound:
    ticket_part, _sep, stars = payload.removeprefix(RATE_PREFIX).partition(":")
    ticket_id = ticket_number(ticket_part)
    ticket = None
    if ticket_id is not None and _STARS.fullmatch(stars):
        ticket = await rate(session, ticket_id, user.id, int(stars))
    if ticket is None:
        return replies.stale_button(_)
    return replies.main_menu(_, _("Cảm ơn bạn đã chấm điểm! Bạn cần gì cứ hỏi tiếp."))
