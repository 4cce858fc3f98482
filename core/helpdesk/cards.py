"""What the team sees in its chat and in private: ticket cards, relays, lists and notices.

A team chat is shared by several people, so what is posted there is in the team's language
(Vietnamese); what one member reads in private is in the language they chose.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime

from core.helpdesk.tickets import CLOSED, LOCAL_OFFSET, NEW, WAITING
from core.knowledge.faq import KnowledgeBase
from core.language.i18n import DEFAULT_LANGUAGE, N_, Translate, Translator, translator
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
    NEW: N_("🆕 chưa ai nhận"),
    "claimed": N_("✋ đã có người nhận"),
    WAITING: N_("💬 đã trả lời, chờ người dân"),
    CLOSED: N_("✅ đã đóng"),
}
_AUTHORS = {"resident": N_("👤 Người dân"), "member": N_("🙋 Cán bộ"), "bot": N_("🤖 Bot")}
TEAM = translator(DEFAULT_LANGUAGE)  # the team chat's `_`


def team_text(message: str, **values: object) -> str:
    """A msgid in the team chat's language, with its values: for posts in the team chat and for what
    is kept on the ticket (its events, its delivery problem) for the team to read."""
    return TEAM(message).format(**values)


def payload(action: str, ticket_id: int, extra: str = "") -> str:
    """Button data for a team action on a ticket."""
    return pack(VOLUNTEER_PREFIX, action, ticket_id, *([extra] if extra else []))


def topic_title(ticket: Ticket, _: Translate = TEAM) -> str:
    """The title of the ticket's forum topic in the team chat."""
    return f"#{ticket.id} · {_village(ticket) or _('chưa rõ thôn')}"


def local_time(moment: datetime | None, _: Translator = TEAM) -> str:
    """A stored UTC moment as Vietnam's local time, written the reader's way ("14:05 03/12")."""
    if not moment:
        return "-"
    local = (moment + LOCAL_OFFSET).replace(tzinfo=None)
    return format_datetime(local, _("HH:mm dd/MM"), locale=_.locale)  # a CLDR pattern, per language


def card(
    _: Translator,
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
    status = _(_STATUS[ticket.status]) if ticket.status in _STATUS else ticket.status
    lines = [
        _("🆘 Yêu cầu #{number} · xã {commune} · thôn {village}").format(
            number=ticket.id, commune=commune, village=_village(ticket) or _("chưa rõ")
        ),
        _("Kênh: {channel} · Ngôn ngữ: {language} · Lúc: {time}").format(
            channel=channel_label, language=ticket.language, time=local_time(ticket.created_at, _)
        ),
        _("Trạng thái: {status}").format(status=status) + (f" ({assignee})" if assignee else ""),
    ]
    if ticket.with_officers:
        lines.append(_("👮 Đã chuyển công an xã"))
    if guess is not None:
        lines.append(_("Bot đoán: {question}").format(question=guess.question))
    if ticket.delivery_problem:
        lines.append(_("⚠️ Chưa gửi được cho người dân: {problem}").format(problem=mask(ticket.delivery_problem).text))
    lines.append("")
    lines.extend(_event_line(_, event) for event in conversation)
    return Outbound("\n".join(lines)[:3500], buttons=actions(_, ticket.id) if ticket.status != CLOSED else ())


def actions(_: Translate, ticket_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(_("✋ Nhận"), payload(CLAIM, ticket_id)),
            Button(_("👮 Chuyển công an"), payload(OFFICERS, ticket_id)),
        ),
        (
            Button(_("📄 Gửi câu trả lời mẫu"), payload(TEMPLATES, ticket_id)),
            Button(_("🎓 Dạy bot"), payload(TEACH, ticket_id)),
        ),
        (Button(_("✅ Đóng"), payload(CLOSE, ticket_id)),),
    )


def _event_line(_: Translate, event: TicketEvent) -> str:
    who = _(_AUTHORS[event.author]) if event.author in _AUTHORS else "ℹ️"
    files = f" [{', '.join(a.get('kind', _('tệp')) for a in event.attachments)}]" if event.attachments else ""
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


def queue_list(_: Translator, title: str, tickets: list[Ticket]) -> Outbound:
    """A member's list of tickets (`title` already in their language)."""
    if not tickets:
        return Outbound(_("{title}: không có yêu cầu nào đang mở. 🎉").format(title=title))
    lines = [f"{title} ({len(tickets)}):"]
    for ticket in tickets[:30]:
        officers = " 👮" if ticket.with_officers else ""
        status = _(_STATUS[ticket.status]) if ticket.status in _STATUS else ticket.status
        lines.append(
            f"#{ticket.id} · {local_time(ticket.created_at, _)} · {_village(ticket) or '?'} · "
            f"{status}{officers} — {mask(ticket.summary).text[:60]}"
        )
    lines.append(_("Xem chi tiết: /ticket <số>"))
    return Outbound("\n".join(lines))


def toast(text: str) -> Outbound:
    """A short notice for the person who pressed a button."""
    return Outbound(text, action=TOAST)


def _village(ticket: Ticket) -> str:
    return mask(ticket.village).text if ticket.village else ""


def member_label(member: Member | None, _: Translate = TEAM) -> str:
    """A member as others read them: their name, masked, or their number."""
    if member is None:
        return "?"
    return mask(member.name).text or _("thành viên {number}").format(number=member.id)
