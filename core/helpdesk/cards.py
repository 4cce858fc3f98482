"""What the team sees in its chat and in private: ticket cards, relays, lists and notices (Vietnamese)."""

from __future__ import annotations

from datetime import datetime

from core.helpdesk.tickets import CLOSED, LOCAL_OFFSET, NEW, WAITING
from core.knowledge.faq import KnowledgeBase
from core.messages import TOAST, Button, Outbound
from core.payloads import fits, pack
from core.privacy import mask
from models import Member, Ticket, TicketEvent

VOLUNTEER_PREFIX = "tv"
CLAIM = "claim"
OFFICERS = "police"
CLOSE = "close"
TEMPLATES = "tpl"
SEND = "send"
TEACH = "teach"
LEARN = "learn"
_STATUS = {
    NEW: "🆕 chưa ai nhận",
    "claimed": "✋ đã có người nhận",
    WAITING: "💬 đã trả lời, chờ người dân",
    CLOSED: "✅ đã đóng",
}


def payload(action: str, ticket_id: int, extra: str = "") -> str:
    """Button data for a team action on a ticket."""
    return pack(VOLUNTEER_PREFIX, action, ticket_id, *([extra] if extra else []))


def topic_title(ticket: Ticket) -> str:
    return f"#{ticket.id} · {_village(ticket) or 'chưa rõ thôn'}"


def local_time(moment: datetime | None) -> str:
    return (moment + LOCAL_OFFSET).strftime("%H:%M %d/%m") if moment else "-"


def card(
    ticket: Ticket,
    conversation: list[TicketEvent],
    knowledge: KnowledgeBase,
    commune: str,
    channel_label: str,
    assignee: str = "",
) -> Outbound:
    """The ticket's card: who, where, what the bot thought, the conversation so far, and the actions.

    What people typed (village, conversation, delivery errors) is masked again here: a card is stored in the outbox.
    """
    guess = knowledge.entries.get(ticket.bot_intent or "")
    lines = [
        f"🆘 Yêu cầu #{ticket.id} · xã {commune} · thôn {_village(ticket) or 'chưa rõ'}",
        f"Kênh: {channel_label} · Ngôn ngữ: {ticket.language} · Lúc: {local_time(ticket.created_at)}",
        f"Trạng thái: {_STATUS.get(ticket.status, ticket.status)}" + (f" ({assignee})" if assignee else ""),
    ]
    if ticket.with_officers:
        lines.append("👮 Đã chuyển công an xã")
    if guess is not None:
        lines.append(f"Bot đoán: {guess.question}")
    if ticket.delivery_problem:
        lines.append(f"⚠️ Chưa gửi được cho người dân: {mask(ticket.delivery_problem).text}")
    lines.append("")
    lines.extend(_event_line(event) for event in conversation)
    return Outbound("\n".join(lines)[:3500], buttons=actions(ticket.id) if ticket.status != CLOSED else ())


def actions(ticket_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (Button("✋ Nhận", payload(CLAIM, ticket_id)), Button("👮 Chuyển công an", payload(OFFICERS, ticket_id))),
        (
            Button("📄 Gửi câu trả lời mẫu", payload(TEMPLATES, ticket_id)),
            Button("🎓 Dạy bot", payload(TEACH, ticket_id)),
        ),
        (Button("✅ Đóng", payload(CLOSE, ticket_id)),),
    )


def _event_line(event: TicketEvent) -> str:
    who = {"resident": "👤 Người dân", "member": "🙋 Cán bộ", "bot": "🤖 Bot"}.get(event.author, "ℹ️")
    files = f" [{', '.join(a.get('kind', 'tệp') for a in event.attachments)}]" if event.attachments else ""
    return f"{who}: {mask(event.text_masked).text}{files}"


def relay(ticket: Ticket, text: str) -> str:
    """A resident's later message, as posted in the group (masked)."""
    return f"💬 #{ticket.id}: {mask(text).text}" if text else f"💬 #{ticket.id}"


def choose_faq(ticket: Ticket, knowledge: KnowledgeBase, intent_ids: list[str], action: str, intro: str) -> Outbound:
    """FAQ questions as buttons, for sending a model answer or teaching the bot."""
    rows = tuple(
        (Button(knowledge.entries[i].question[:60], payload(action, ticket.id, i)),)
        for i in intent_ids
        if i in knowledge.entries and fits(VOLUNTEER_PREFIX, action, ticket.id, i)
    )
    return Outbound(f"#{ticket.id}: {intro}", buttons=rows)


def queue_list(title: str, tickets: list[Ticket]) -> Outbound:
    if not tickets:
        return Outbound(f"{title}: không có yêu cầu nào đang mở. 🎉")
    lines = [f"{title} ({len(tickets)}):"]
    for ticket in tickets[:30]:
        officers = " 👮" if ticket.with_officers else ""
        lines.append(
            f"#{ticket.id} · {local_time(ticket.created_at)} · {_village(ticket) or '?'} · "
            f"{_STATUS.get(ticket.status, ticket.status)}{officers} — {mask(ticket.summary).text[:60]}"
        )
    lines.append("Xem chi tiết: /ticket <số>")
    return Outbound("\n".join(lines))


def toast(text: str) -> Outbound:
    """A short notice for the person who pressed a button."""
    return Outbound(text, action=TOAST)


def _village(ticket: Ticket) -> str:
    return mask(ticket.village).text if ticket.village else ""


def member_label(member: Member | None) -> str:
    return (mask(member.name).text or f"thành viên {member.id}") if member is not None else "?"
