"""Talking to a person: the short intake (what is it about, which village), the ticket, the resident's
later messages on it, and the rating when it closes.

Payloads: `human`, `es:skip`, `es:cancel`, `es:back` (back to the bot), `rt:<ticket>:<1-5>`.
The intake's state is its own dialog row ("intake"), so it survives restarts and leaves other dialogs alone.
"""

from __future__ import annotations

import re
from dataclasses import replace

from conversations.dialog import N_, Command, Dialog, Turn
from conversations.state import dialog_state, end_dialog, start_dialog
from core.helpdesk import workflow
from core.helpdesk.tickets import in_duty_hours, open_ticket_of, rate, ticket_number
from core.language.i18n import Translate
from core.language.matcher import SPECIAL_INTENTS
from core.messages import Button, Media, Outbound
from core.payloads import pack
from core.privacy import mask
from handlers import replies
from models import Commune, Ticket

PREFIX = "es"
SKIP = pack(PREFIX, "skip")
CANCEL = pack(PREFIX, "cancel")
BACK = pack(PREFIX, "back")
DIALOG_NAME = "intake"
RELAY_ACK = "relayed"
MAX_PLACE_CHARS = 128
MAX_PLACE_WORDS = 6
FOR_A_PERSON = frozenset({"voice", "audio", "photo", "video", "video_note", "document"})
_STARS = re.compile(r"[1-5]")
OPEN_TICKET = "caunoi.open_ticket"  # session.info key: one unit of work is one turn of one resident


async def request_person(
    turn: Turn,
    *,
    reason: str,
    problem: str = "",
    media: tuple[Media, ...] = (),
    bot_intent: str | None = None,
) -> list[Outbound]:
    """A resident wants a person: continue their open ticket, or ask what it is about and open one."""
    session, user, _ = turn.session, turn.user, turn._
    ticket = await _open_ticket(turn)
    if ticket is not None:
        ticket.detached = False
        if problem or media:
            return _relay(turn, ticket, problem, media)
        return [_still_open(_, ticket)]
    data = {"reason": reason, "problem": mask(problem).text, "media": [m.kind + "|" + m.file_id for m in media]}
    if bot_intent:
        data["intent"] = bot_intent
    await end_dialog(session, await dialog_state(session, user.id, DIALOG_NAME))
    if problem or media:
        if user.village:
            return await _open(turn, data)
        start_dialog(session, user.id, DIALOG_NAME, "village", data)
        ask = _ask_village(_)
        if media:
            received = _("Mình đã nhận {kind} của bạn và sẽ chuyển cho cán bộ xã.").format(
                kind=replies.media_name(_, media[0].kind)
            )
            ask = replace(ask, text=f"{received}\n{ask.text}")
        return [ask]
    start_dialog(session, user.id, DIALOG_NAME, "problem", data)
    return [_ask_problem(_)]


async def on_media(turn: Turn) -> list[Outbound]:
    """Voice notes, photos and files go to a person (most who send them cannot type); stickers get a kind word."""
    caption = turn.masked.text
    media = turn.inbound.media
    ticket = await _open_ticket(turn)
    if ticket is not None and not ticket.detached:
        return _relay(turn, ticket, caption, media)
    if media and media[0].kind in FOR_A_PERSON:
        return await request_person(turn, reason="media", problem=caption, media=media)
    return [replies.media_received(turn._, media[0].kind if media else "file")]


async def _open_ticket(turn: Turn) -> Ticket | None:
    """The resident's open ticket, looked up once per turn (deciding and answering both ask)."""
    if OPEN_TICKET not in turn.session.info:
        turn.session.info[OPEN_TICKET] = await open_ticket_of(turn.session, turn.user.id)
    ticket: Ticket | None = turn.session.info[OPEN_TICKET]
    return ticket


async def _wants_text(turn: Turn) -> bool:
    """An open ticket takes every message; the intake takes a description of the problem, or a short
    place name (a question the bot can answer is answered instead, and the intake waits)."""
    ticket = await _open_ticket(turn)
    if ticket is not None and not ticket.detached:
        return True
    state = await dialog_state(turn.session, turn.user.id, DIALOG_NAME)
    if state is None:
        return False
    return state.step == "problem" or (not turn.is_question and len(turn.text.split()) <= MAX_PLACE_WORDS)


async def _on_text(turn: Turn) -> list[Outbound]:
    """A message on the open ticket, or a typed answer to the intake's current question."""
    session, user = turn.session, turn.user
    ticket = await _open_ticket(turn)
    if ticket is not None and not ticket.detached:
        return _relay(turn, ticket, turn.masked.text, ())
    state = await dialog_state(session, user.id, DIALOG_NAME)
    assert state is not None
    data = dict(state.data)
    answer_now: list[Outbound] = []
    if state.step == "problem":
        data["problem"] = turn.masked.text
        if turn.match.action == "answer" and turn.match.intent:
            data["intent"] = turn.match.intent
            answer_now = _answer_while_waiting(turn, turn.match.intent)
        if not user.village:
            state.step = "village"
            state.data = data
            return [*answer_now, _ask_village(turn._)]
    else:
        user.village = mask(turn.text.strip()).text[:MAX_PLACE_CHARS]
    return [*answer_now, *await _open(turn, data)]


def _answer_while_waiting(turn: Turn, intent: str) -> list[Outbound]:
    """The FAQ's answer to a problem the bot can answer, sent at once: the request for a person goes on."""
    entry = turn.knowledge.entries.get(intent)
    if entry is None or intent in SPECIAL_INTENTS:
        return []
    return [replies.faq_answer(turn._, turn.knowledge, entry, language=turn.user.language)]


async def _button(turn: Turn, prefix: str, parts: list[str]) -> list[Outbound] | None:
    """A person, skip, cancel, back to the bot, or a rating."""
    session, user, _ = turn.session, turn.user, turn._
    if prefix == replies.HUMAN and not parts:
        return await request_person(turn, reason="asked")
    if prefix == workflow.RATE_PREFIX:
        return [await _rate(turn, parts)]
    action = parts[0] if prefix == PREFIX and len(parts) == 1 else None
    if action == "back":
        ticket = await _open_ticket(turn)
        if ticket is not None:
            ticket.detached = True
        return [replies.main_menu(_, _("Được rồi, bạn cứ hỏi bot. Khi cán bộ trả lời, tin sẽ đến đây."))]
    state = await dialog_state(session, user.id, DIALOG_NAME)
    if state is None:
        return None
    if action == "cancel":
        await end_dialog(session, state)
        return [replies.main_menu(_, _("Đã hủy. Bạn cần gì cứ hỏi nhé."))]
    if action == "skip" and state.step == "problem" and not user.village:
        state.step = "village"
        return [_ask_village(_)]
    if action == "skip":
        return await _open(turn, dict(state.data))
    return None


async def _person_command(turn: Turn) -> list[Outbound]:
    return await request_person(turn, reason="asked", problem=mask(turn.argument).text)


def _relay(turn: Turn, ticket: Ticket, text: str, media: tuple[Media, ...]) -> list[Outbound]:
    """A resident's message on their open ticket: kept and posted to the team."""
    turn.outgoing += workflow.relay_from_resident(turn.session, turn.desk, ticket, text, media)
    return [
        Outbound(
            turn._("✓ Đã chuyển cho cán bộ (yêu cầu #{number}).").format(number=ticket.id),
            buttons=((_back_button(turn._),),),
            action=RELAY_ACK,
        )
    ]


async def _open(turn: Turn, data: dict) -> list[Outbound]:
    """Open the ticket (always) and tell the resident honestly who will see it."""
    _ = turn._
    await end_dialog(turn.session, await dialog_state(turn.session, turn.user.id, DIALOG_NAME))
    media = tuple(Media(*item.split("|", 1)) for item in data.get("media", []))
    opened = await workflow.open_request(
        turn.session,
        turn.desk,
        turn.user,
        problem=data.get("problem", ""),
        reason=data.get("reason", "asked"),
        bot_intent=data.get("intent"),
        media=media,
    )
    turn.outgoing += opened.outgoing
    turn.session.info[OPEN_TICKET] = opened.ticket
    reply = _opened(_, opened)
    guess = turn.knowledge.entries.get(data.get("intent") or "")
    if guess is not None:
        label = _("📄 Trong lúc chờ, đọc: {question}").format(question=guess.question)[:60]
        reply = replace(reply, buttons=((Button(label, pack(replies.FAQ, guess.id)),), *reply.buttons))
    return [reply]


def _opened(_: Translate, opened: workflow.Opened) -> Outbound:
    ticket, commune = opened.ticket, opened.commune
    if commune is not None and workflow.team_of(ticket) is not None:
        text = _(
            "Đã gửi yêu cầu #{number} tới tổ hỗ trợ xã {commune}. Cán bộ sẽ trả lời ngay trong cuộc trò chuyện này."
        )
        text = text.format(number=ticket.id, commune=commune.name)
        text += _off_duty(_, commune, ticket)
    elif commune is not None:
        text = _(
            "Đã ghi yêu cầu #{number}. Tổ hỗ trợ xã {commune} chưa nối với bot, nên yêu cầu đang chờ trong danh sách "
            "của quản trị xã; cán bộ sẽ trả lời tại đây khi xem. Việc gấp, bạn đến công an xã."
        ).format(number=ticket.id, commune=commune.name)
    else:
        text = _(
            "Đã ghi yêu cầu #{number}. Bot chưa được nối với tổ hỗ trợ của xã nào, nên yêu cầu đang chờ người quản lý "
            "bot xem; cán bộ sẽ trả lời tại đây khi xem. Việc gấp, bạn đến công an xã."
        ).format(number=ticket.id)
    text += "\n" + _("Bạn cứ nhắn thêm ở đây, kể cả gửi ảnh hoặc ghi âm. Đừng gửi mã OTP hay mật khẩu cho ai.")
    return Outbound(text, buttons=((_back_button(_),),), intent="human", action="escalate")


def _off_duty(_: Translate, commune: Commune, ticket: Ticket) -> str:
    if in_duty_hours(commune, ticket.created_at):
        return ""
    return "\n" + _(
        "Bây giờ ngoài giờ trực ({start}:00–{end}:00), nên cán bộ sẽ trả lời từ {start}:00 sáng mai."
    ).format(start=commune.duty_start_hour, end=commune.duty_end_hour)


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


async def _rate(turn: Turn, parts: list[str]) -> Outbound:
    ticket_id = ticket_number(parts[0]) if len(parts) == 2 else None
    ticket = None
    if ticket_id is not None and _STARS.fullmatch(parts[1]):
        ticket = await rate(turn.session, ticket_id, turn.user.id, int(parts[1]))
    if ticket is None:
        return replies.stale_button(turn._)
    return replies.main_menu(turn._, turn._("Cảm ơn bạn đã chấm điểm! Bạn cần gì cứ hỏi tiếp."))


DIALOG = Dialog(
    name=DIALOG_NAME,
    commands=(Command("canbo", N_("Gặp cán bộ xã"), _person_command, menu_rank=4),),
    prefixes=(replies.HUMAN, PREFIX, workflow.RATE_PREFIX),
    on_button=_button,
    wants_text=_wants_text,
    on_text=_on_text,
)
