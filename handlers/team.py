"""The team's side: messages in a team chat, card buttons, and the members' private commands.

Everything done to a ticket goes through `core.helpdesk.workflow`, which checks who may act; this
module only turns chat events into those calls and their results into replies.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.dialog import N_, Command, Dialog, Turn
from core.delivery.outbox import enqueue_all, thread_of_message, thread_of_topic
from core.helpdesk import cards, workflow
from core.helpdesk.members import commune_of_team, memberships, redeem_invite
from core.helpdesk.tickets import ACT_SEND, ACT_TEACH, CLOSED, assigned_to, queue, ticket_number
from core.helpdesk.users import language_of
from core.helpdesk.workflow import CLOSED_NOTICE, INVALID_BUTTON, REFUSED, Actor, Desk, Done
from core.language.i18n import Translate, translator
from core.messages import BUTTON, COMMAND, Address, Inbound, Outbound
from core.payloads import unpack
from handlers import web_login
from models import Commune

NOT_MEMBER = N_(
    "Bạn chưa là thành viên tổ hỗ trợ của xã này. Xin mã mời từ quản trị xã rồi nhắn riêng cho bot: /join MÃ"
)
_ROLE_NAMES = {"volunteer": N_("tình nguyện viên"), "officer": N_("cán bộ công an"), "admin": N_("quản trị")}


async def on_team_message(desk: Desk, session: AsyncSession, inbound: Inbound) -> list[Outbound]:
    """A message in a team chat: a reply on a ticket reaches the resident; other chatter is not kept.
    What the bot answers there is for the member who wrote, in the language they chose in private."""
    if web_login.asked_in_group(inbound):
        return [web_login.private_only(translator((await _actor(session, inbound)).language))]
    chat = Address(inbound.channel, inbound.chat_id, group=True)
    commune = await commune_of_team(session, chat)
    if commune is None:
        if not _is_command(inbound, "groupid"):
            return []
        return [_team_id_hint(translator((await _actor(session, inbound)).language), inbound)]
    if inbound.kind == BUTTON:
        return await on_button(desk, session, inbound)
    if inbound.kind == COMMAND:
        return []
    ticket_id = await _ticket_replied_to(session, chat, inbound)
    if ticket_id is None:
        return []
    actor = await _actor(session, inbound)
    done = await workflow.reply(session, desk, actor, ticket_id, inbound.text, inbound.media)
    notice = await _apply(session, done)
    return [Outbound(notice, reply_to=inbound.reply_to)] if notice else []


async def on_button(desk: Desk, session: AsyncSession, inbound: Inbound) -> list[Outbound]:
    """A card button, pressed in the team chat or in a private chat (its data may be forged)."""
    _prefix, parts = unpack(inbound.payload)
    actor = await _actor(session, inbound)
    ticket_id = ticket_number(parts[1]) if len(parts) in {2, 3} else None
    if ticket_id is None or parts[0] not in {*_ACTIONS, cards.TEMPLATES, cards.TEACH}:
        return [cards.toast(translator(actor.language)(INVALID_BUTTON))]
    action, extra = parts[0], parts[2] if len(parts) == 3 else ""
    if action in {cards.TEMPLATES, cards.TEACH}:
        return [await _faq_choices(desk, session, actor, ticket_id, action)]
    done = await _ACTIONS[action](desk, session, actor, ticket_id, extra)
    return [cards.toast(await _apply(session, done))]


async def _faq_choices(desk: Desk, session: AsyncSession, actor: Actor, ticket_id: int, action: str) -> Outbound:
    """The FAQ questions to send as a model answer, or to file the ticket's question under ("Dạy bot")."""
    _ = translator(actor.language)
    permission = ACT_SEND if action == cards.TEMPLATES else ACT_TEACH
    ticket = await workflow.permitted(session, actor, ticket_id, permission)
    if ticket is None:
        return cards.toast(_(REFUSED))
    if ticket.status == CLOSED:
        return cards.toast(_(CLOSED_NOTICE).format(id=ticket.id))
    suggestions = desk.knowledge.matcher.alternatives(ticket.summary or "", limit=5)
    if action == cards.TEMPLATES:
        intro = _("chọn câu trả lời mẫu để gửi cho người dân:")
        return cards.choose_faq(ticket, desk.knowledge, suggestions, cards.SEND, intro)
    intro = _("câu hỏi này thuộc mục nào? (bot sẽ học sau khi quản trị duyệt)")
    return cards.choose_faq(ticket, desk.knowledge, suggestions, cards.LEARN, intro)


async def _apply(session: AsyncSession, done: Done) -> str:
    """Queue what an action caused; what the acting member is told."""
    await enqueue_all(session, done.outgoing)
    return done.notice


async def _claim(desk: Desk, session: AsyncSession, actor: Actor, ticket_id: int, _extra: str) -> Done:
    return await workflow.claim(session, desk, actor, ticket_id)


async def _officers(desk: Desk, session: AsyncSession, actor: Actor, ticket_id: int, _extra: str) -> Done:
    return await workflow.hand_to_officers(session, desk, actor, ticket_id)


async def _close(desk: Desk, session: AsyncSession, actor: Actor, ticket_id: int, _extra: str) -> Done:
    return await workflow.close(session, desk, actor, ticket_id)


async def _send(desk: Desk, session: AsyncSession, actor: Actor, ticket_id: int, entry_id: str) -> Done:
    return await workflow.send_model_answer(session, desk, actor, ticket_id, entry_id)


async def _learn(desk: Desk, session: AsyncSession, actor: Actor, ticket_id: int, entry_id: str) -> Done:
    return await workflow.teach(session, desk, actor, ticket_id, entry_id)


_ACTIONS = {
    cards.CLAIM: _claim,
    cards.OFFICERS: _officers,
    cards.CLOSE: _close,
    cards.SEND: _send,
    cards.LEARN: _learn,
}


async def _join(turn: Turn) -> list[Outbound]:
    code = turn.argument.strip()
    user, _ = turn.user, turn._
    member = await redeem_invite(
        turn.session, code, user.channel, user.external_id, turn.inbound.sender_name, turn.desk.clock()
    )
    if member is None:
        return [Outbound(_("Mã mời không đúng, đã dùng hoặc đã hết hạn. Xin quản trị xã một mã mới."))]
    commune = await turn.session.get(Commune, member.commune)
    welcome = _(
        "Chào mừng! Bạn đã là {role} của xã {commune}. "
        "Các lệnh: /queue (yêu cầu đang mở), /mine (yêu cầu bạn nhận), /ticket <số>."
    )
    role = _(_ROLE_NAMES[member.role])
    return [Outbound(welcome.format(role=role, commune=commune.name if commune else member.commune))]


async def _queue(turn: Turn) -> list[Outbound]:
    """/queue: the open tickets of the member's communes (officers: those handed to them; admins also
    see requests that reached no commune)."""
    _ = turn._
    mine = await memberships(turn.session, turn.user.channel, turn.user.external_id)
    if not mine:
        return [Outbound(_(NOT_MEMBER))]
    officer = all(m.role == "officer" for m in mine)
    admin = any(m.role == "admin" for m in mine)
    tickets = await queue(turn.session, [m.commune for m in mine], officers_only=officer, unrouted=admin)
    return [cards.queue_list(_, _("Yêu cầu đang mở"), tickets)]


async def _mine(turn: Turn) -> list[Outbound]:
    _ = turn._
    mine = await memberships(turn.session, turn.user.channel, turn.user.external_id)
    if not mine:
        return [Outbound(_(NOT_MEMBER))]
    tickets = await assigned_to(turn.session, [m.id for m in mine])
    return [cards.queue_list(_, _("Yêu cầu bạn đang nhận"), tickets)]


async def _ticket(turn: Turn) -> list[Outbound]:
    """/ticket N: the card, for a member allowed to see it."""
    _, argument = turn._, turn.argument.strip()
    if not argument:
        return [Outbound(_("Xem một yêu cầu: /ticket <số>, ví dụ /ticket 12"))]
    number = ticket_number(argument)
    actor = Actor(turn.user.channel, turn.user.external_id, turn.user.language)
    card = await workflow.view(turn.session, turn.desk, actor, number) if number is not None else None
    return [card or Outbound(_(REFUSED))]


async def _card_button(turn: Turn, _prefix: str, _parts: list[str]) -> list[Outbound]:
    return await on_button(turn.desk, turn.session, turn.inbound)


DIALOG = Dialog(
    name="team",
    commands=(
        Command("join", N_("tham gia tổ hỗ trợ bằng mã mời"), _join, in_menu=False),
        Command("queue", N_("yêu cầu đang mở (thành viên tổ)"), _queue, in_menu=False),
        Command("mine", N_("yêu cầu bạn đang nhận (thành viên tổ)"), _mine, in_menu=False),
        Command("ticket", N_("xem một yêu cầu (thành viên tổ)"), _ticket, in_menu=False),
    ),
    prefixes=(cards.VOLUNTEER_PREFIX,),
    on_button=_card_button,
)


def _is_command(inbound: Inbound, name: str) -> bool:
    return inbound.kind == COMMAND and inbound.text.lstrip("/").split("@", 1)[0].split(" ", 1)[0].lower() == name


async def _actor(session: AsyncSession, inbound: Inbound) -> Actor:
    """Who wrote or pressed, told in the language they chose in their private chat with the bot."""
    return Actor(inbound.channel, inbound.user_id, await language_of(session, inbound.channel, inbound.user_id))


def _team_id_hint(_: Translate, inbound: Inbound) -> Outbound:
    """How an admin links this chat to a commune as its team (the chat's id is what the setup needs)."""
    hint = _(
        "Mã nhóm này: {chat}\nQuản trị chạy trên máy chủ:\n"
        'python bot.py communes add <slug> --name "<Tên xã>" --team {team}'
    )
    return Outbound(hint.format(chat=inbound.chat_id, team=f"{inbound.channel}:{inbound.chat_id}"))


async def _ticket_replied_to(session: AsyncSession, chat: Address, inbound: Inbound) -> int | None:
    """The ticket a team-chat message answers: by its forum topic, or by the message it replies to."""
    thread = None
    if inbound.thread_id is not None:
        thread = await thread_of_topic(session, chat, inbound.thread_id)
    if thread is None and inbound.reply_to:
        thread = await thread_of_message(session, chat, inbound.reply_to)
    return workflow.ticket_id_of_thread(thread)
