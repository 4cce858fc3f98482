"""The members' side: the volunteers' group, card buttons, replies to residents, private commands.

Every action on a ticket is checked on the server with `core.helpdesk.tickets.can_act` (through `take_for`), and
every refusal is the same `REFUSED` text, so nobody learns from it which ticket numbers exist.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.delivery.outbox import enqueue, ticket_of_message
from core.helpdesk.members import commune_of_group, members_with_role, membership, memberships, redeem_invite
from core.helpdesk.tickets import (
    ACT_CLAIM,
    ACT_CLOSE,
    ACT_POLICE,
    ACT_REPLY,
    ACT_SEND,
    ACT_TEACH,
    ACT_VIEW,
    CLOSED,
    add_event,
    assigned_to,
    can_act,
    claim,
    close,
    events,
    hand_to_officers,
    queue,
    record_member_reply,
    take_for,
    ticket_by_topic,
    ticket_number,
)
from core.knowledge.editing import add_pending_paraphrase
from core.language.i18n import translator
from core.messages import BUTTON, COMMAND, Inbound, Outbound
from core.privacy import mask
from handlers import cards
from handlers.context import BotContext
from handlers.escalation import rating_request
from models import Commune, Member, Ticket, User

MEMBER_COMMANDS = frozenset({"join", "queue", "mine", "ticket"})
NOT_MEMBER = "Bạn chưa là thành viên tổ hỗ trợ của xã này. Xin mã mời từ quản trị xã rồi nhắn riêng cho bot: /join MÃ"
REFUSED = (
    "Không làm được: yêu cầu này không thuộc xã của bạn hoặc đang do người khác nhận. "
    "Nếu bạn chưa là thành viên tổ hỗ trợ, xin mã mời từ quản trị xã rồi nhắn riêng cho bot: /join MÃ"
)
INVALID_BUTTON = "Nút không hợp lệ."
# What each card button asks permission for (the lists of model answers and topics need it too).
_PERMISSION = {
    cards.CLAIM: ACT_CLAIM,
    cards.OFFICERS: ACT_POLICE,
    cards.CLOSE: ACT_CLOSE,
    cards.TEMPLATES: ACT_SEND,
    cards.SEND: ACT_SEND,
    cards.TEACH: ACT_TEACH,
    cards.LEARN: ACT_TEACH,
}


async def on_group_message(ctx: BotContext, session: AsyncSession, inbound: Inbound) -> list[Outbound]:
    """A message in a volunteers' group: a reply on a ticket reaches the resident; other chatter is ignored."""
    commune = await commune_of_group(session, inbound.chat_id)
    if commune is None:
        return [_group_id_hint(inbound)] if _is_command(inbound, "groupid") else []
    if inbound.kind == BUTTON:
        return await on_button(ctx, session, inbound)
    if inbound.kind == COMMAND:
        return []
    ticket = await _ticket_for_reply(session, inbound)
    if ticket is None or ticket.commune != commune.slug:
        return []
    member = await membership(session, commune.slug, inbound.channel, inbound.user_id)
    if member is None or not can_act(member, ticket, ACT_REPLY):
        return [Outbound(REFUSED, reply_to=inbound.reply_to)]
    return await _reply_to_resident(ctx, session, ticket, member, inbound)


def _is_command(inbound: Inbound, name: str) -> bool:
    return inbound.kind == COMMAND and inbound.text.lstrip("/").split("@", 1)[0].split(" ", 1)[0].lower() == name


def _group_id_hint(inbound: Inbound) -> Outbound:
    """How an admin links this group to a commune (the group's id is what the setup command needs)."""
    return Outbound(
        f"Mã nhóm này: {inbound.chat_id}\nQuản trị chạy trên máy chủ:\n"
        f'python bot.py communes add <slug> --name "<Tên xã>" --telegram-group {inbound.chat_id}'
    )


async def on_button(ctx: BotContext, session: AsyncSession, inbound: Inbound) -> list[Outbound]:
    """A card button, pressed in the group or in a private chat (its data may be forged)."""
    parts = inbound.payload.removeprefix(cards.VOLUNTEER_PREFIX).split(":")
    ticket_id = ticket_number(parts[1]) if len(parts) in {2, 3} else None
    if ticket_id is None or parts[0] not in _PERMISSION:
        return [cards.toast(INVALID_BUTTON)]
    action, extra, permission = parts[0], (parts[2] if len(parts) == 3 else ""), _PERMISSION[parts[0]]
    ticket = await session.get(Ticket, ticket_id)
    member = await membership(session, ticket.commune, inbound.channel, inbound.user_id) if ticket else None
    if ticket is None or member is None or not can_act(member, ticket, permission):
        return [cards.toast(REFUSED)]
    if ticket.status == CLOSED and action != cards.LEARN:
        return [cards.toast(f"Yêu cầu #{ticket.id} đã đóng.")]
    if action == cards.CLAIM:
        return [cards.toast(await _claim(ctx, session, ticket, member))]
    if action in {cards.TEMPLATES, cards.TEACH}:
        suggestions = ctx.knowledge.matcher.alternatives(ticket.summary or "", limit=5)
        if action == cards.TEMPLATES:
            intro = "chọn câu trả lời mẫu để gửi cho người dân:"
            return [cards.choose_faq(ticket, ctx.knowledge, suggestions, cards.SEND, intro)]
        intro = "câu hỏi này thuộc mục nào? (bot sẽ học sau khi quản trị duyệt)"
        return [cards.choose_faq(ticket, ctx.knowledge, suggestions, cards.LEARN, intro)]
    if action in {cards.SEND, cards.LEARN} and extra not in ctx.knowledge.entries:
        return [cards.toast(INVALID_BUTTON)]
    now = ctx.clock()
    if not await take_for(session, member, ticket, permission, now):
        return [cards.toast(REFUSED)]
    if action == cards.OFFICERS:
        if await hand_to_officers(session, ticket, now):
            add_event(session, ticket, "system", f"chuyển công an ({cards.member_label(member)})", now)
            await notify_officers(ctx, session, ticket, f"👮 #{ticket.id} được chuyển cho công an xã.")
            await refresh_card(ctx, session, ticket)
            return [cards.toast(f"Đã chuyển #{ticket.id} cho công an xã.")]
        return [cards.toast(f"#{ticket.id} đã ở chỗ công an xã.")]
    if action == cards.CLOSE:
        return [cards.toast(await close_ticket(ctx, session, ticket, member, "closed"))]
    entry = ctx.knowledge.entries[extra]
    if action == cards.SEND:
        await _to_resident(ctx, session, ticket, Outbound(f"{entry.answer}\n\n{entry.source}".strip()))
        add_event(session, ticket, "member", f"[câu trả lời mẫu: {entry.question}]", now, member_id=member.id)
        await record_member_reply(session, ticket, now)
        await refresh_card(ctx, session, ticket)
        return [cards.toast(f"Đã gửi câu trả lời mẫu cho #{ticket.id}.")]
    if await add_pending_paraphrase(session, extra, ticket.summary):
        return [cards.toast("Cảm ơn! Câu hỏi chờ quản trị duyệt rồi bot sẽ học.")]
    return [cards.toast("Câu này đã có, hoặc quá ngắn để học.")]


async def _claim(ctx: BotContext, session: AsyncSession, ticket: Ticket, member: Member) -> str:
    """Take the ticket if nobody holds it; otherwise say who does."""
    if await claim(session, ticket.id, member, ctx.clock()):
        text = f"✋ {cards.member_label(member)} đã nhận #{ticket.id}. Trả lời tin này để nhắn người dân."
        await _post(session, ticket, text)
        await refresh_card(ctx, session, ticket)
        return f"Bạn đã nhận #{ticket.id}."
    if ticket.assignee_id == member.id:
        return f"Bạn đang nhận #{ticket.id}."
    holder = await session.get(Member, ticket.assignee_id) if ticket.assignee_id else None
    return f"#{ticket.id} đã có {cards.member_label(holder)} nhận."


async def close_ticket(
    ctx: BotContext, session: AsyncSession, ticket: Ticket, member: Member | None, reason: str
) -> str:
    """Close once, ask the resident for a rating, and say so in the group."""
    closed = await close(session, ticket.id, ctx.clock(), reason)
    if closed is None:
        return f"#{ticket.id} đã đóng rồi."
    who = cards.member_label(member) if member else "hệ thống"
    await _post(session, closed, f"✅ #{closed.id} đã đóng ({who}).")
    await refresh_card(ctx, session, closed)
    await _to_resident(ctx, session, closed, rating_request(translator(closed.language), closed))
    return f"Đã đóng #{closed.id}."


async def notify_officers(
    ctx: BotContext, session: AsyncSession, ticket: Ticket, text: str, admins: bool = False
) -> None:
    """Tell the group, and each officer (and admin) of the commune in private."""
    await _post(session, ticket, text)
    roles = ("officer", "admin") if admins else ("officer",)
    for member in await members_with_role(session, ticket.commune, roles):
        body = Outbound(f"{text}\n{ticket.summary[:200]}", buttons=cards.actions(ticket.id))
        await enqueue(session, member.channel, member.external_id, body, purpose="notice", ticket_id=ticket.id)


async def on_command(
    ctx: BotContext, session: AsyncSession, user: User, name: str, argument: str, name_shown: str
) -> Outbound:
    """/join CODE, /queue, /mine, /ticket N in a private chat with the bot."""
    if name == "join":
        member = await redeem_invite(session, argument.strip(), user.channel, user.external_id, name_shown, ctx.clock())
        if member is None:
            return Outbound("Mã mời không đúng, đã dùng hoặc đã hết hạn. Xin quản trị xã một mã mới.")
        commune = await session.get(Commune, member.commune)
        return Outbound(
            f"Chào mừng! Bạn đã là {_ROLE_NAMES[member.role]} của xã {commune.name if commune else member.commune}. "
            "Các lệnh: /queue (yêu cầu đang mở), /mine (yêu cầu bạn nhận), /ticket <số>."
        )
    mine = await memberships(session, user.channel, user.external_id)
    if name == "ticket":
        return await _show(ctx, session, mine, argument.strip())
    if not mine:
        return Outbound(NOT_MEMBER)
    if name == "queue":
        officer = all(m.role == "officer" for m in mine)
        tickets = await queue(session, [m.commune for m in mine], officers_only=officer)
        return cards.queue_list("Yêu cầu đang mở", tickets)
    return cards.queue_list("Yêu cầu bạn đang nhận", await assigned_to(session, [m.id for m in mine]))


async def _show(ctx: BotContext, session: AsyncSession, mine: list[Member], argument: str) -> Outbound:
    """/ticket N: the card, for a member of the ticket's commune."""
    if not argument:
        return Outbound("Xem một yêu cầu: /ticket <số>, ví dụ /ticket 12")
    number = ticket_number(argument)
    ticket = await session.get(Ticket, number) if number is not None else None
    member = next((m for m in mine if ticket is not None and m.commune == ticket.commune), None)
    if ticket is None or not can_act(member, ticket, ACT_VIEW):
        return Outbound(REFUSED)
    return await render_card(ctx, session, ticket)


async def render_card(ctx: BotContext, session: AsyncSession, ticket: Ticket) -> Outbound:
    """The ticket's card as it stands now."""
    holder = await session.get(Member, ticket.assignee_id) if ticket.assignee_id else None
    commune = await session.get(Commune, ticket.commune)
    conversation = await events(session, ticket.id)
    assignee = cards.member_label(holder) if holder else ""
    return cards.card(ticket, conversation, ctx.knowledge, commune.name if commune else ticket.commune, assignee)


async def refresh_card(ctx: BotContext, session: AsyncSession, ticket: Ticket) -> None:
    """Edit the card in the group so its status, holder and conversation are current."""
    if ticket.group_chat_id:
        await session.flush()
        card = await render_card(ctx, session, ticket)
        await enqueue(session, "telegram", ticket.group_chat_id, card, purpose="card_edit", ticket_id=ticket.id)


_ROLE_NAMES = {"volunteer": "tình nguyện viên", "officer": "cán bộ công an", "admin": "quản trị"}


async def _reply_to_resident(
    ctx: BotContext, session: AsyncSession, ticket: Ticket, member: Member, inbound: Inbound
) -> list[Outbound]:
    """A member's text, photo or voice reply (masked) to the resident; the first to answer holds the ticket."""
    if ticket.status == CLOSED:
        return [Outbound(f"#{ticket.id} đã đóng; tin này không được gửi.", reply_to=inbound.reply_to)]
    now = ctx.clock()
    if not await take_for(session, member, ticket, ACT_REPLY, now):
        return [Outbound(REFUSED, reply_to=inbound.reply_to)]
    if ticket.assignee_id is None:
        await claim(session, ticket.id, member, now)
    media = inbound.media
    note = ""
    if media and ticket.channel != "telegram":
        media, note = (), "\n(Cán bộ có gửi ảnh/ghi âm; kênh này chưa nhận được, cán bộ sẽ nhắn bằng chữ.)"
    _ = translator(ticket.language)
    text = mask(inbound.text).text
    header = _("🙋 Cán bộ {name}:").format(name=mask(member.name).text or _("tổ hỗ trợ"))
    await _to_resident(ctx, session, ticket, Outbound(f"{header} {text}{note}".strip(), media=media))
    add_event(
        session,
        ticket,
        "member",
        text,
        now,
        member_id=member.id,
        attachments=[{"kind": m.kind} for m in inbound.media],
    )
    await record_member_reply(session, ticket, now)
    await refresh_card(ctx, session, ticket)
    if note:
        return [
            Outbound(
                "⚠️ Ảnh/ghi âm chưa chuyển được sang kênh của người dân; hãy nhắn bằng chữ.", reply_to=inbound.reply_to
            )
        ]
    return []


async def _to_resident(ctx: BotContext, session: AsyncSession, ticket: Ticket, message: Outbound) -> None:
    resident = await session.get(User, ticket.user_id)
    if resident is not None:
        await enqueue(session, resident.channel, resident.external_id, message, purpose="relay", ticket_id=ticket.id)


async def _post(session: AsyncSession, ticket: Ticket, text: str) -> None:
    if ticket.group_chat_id:
        await enqueue(session, "telegram", ticket.group_chat_id, Outbound(text), purpose="notice", ticket_id=ticket.id)


async def _ticket_for_reply(session: AsyncSession, inbound: Inbound) -> Ticket | None:
    """The ticket a group message answers: by its forum topic, or by the message it replies to."""
    if inbound.thread_id is not None:
        ticket = await ticket_by_topic(session, inbound.chat_id, inbound.thread_id)
        if ticket is not None:
            return ticket
    if inbound.reply_to:
        ticket_id = await ticket_of_message(session, inbound.chat_id, inbound.reply_to)
        if ticket_id is not None:
            return await session.get(Ticket, ticket_id)
    return None
