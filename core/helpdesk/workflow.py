"""The ticket workflow: every action on a request for a person, whichever door it comes through.

Team-chat buttons and replies, the web inbox, command-line tools and the timers all call these
functions. Each takes the session first, flushes but never commits, checks who may act with the one
permission rule (`tickets.can_act` through `take_for`), and returns what the acting person is told
and the messages the action causes, addressed; the caller queues them in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession

from core.delivery.sender import Capabilities
from core.helpdesk import cards
from core.helpdesk.communes import list_communes
from core.helpdesk.members import members_with_role, membership, memberships
from core.helpdesk.tickets import (
    ACT_CLAIM,
    ACT_CLOSE,
    ACT_POLICE,
    ACT_REPLY,
    ACT_SEND,
    ACT_TEACH,
    ACT_VIEW,
    CLOSED,
    NEW,
    OPEN_STATES,
    WAITING,
    add_event,
    can_act,
    claim_due,
    commune_for,
    events,
    in_duty_hours,
    open_ticket,
    record_member_reply,
    take_for,
)
from core.helpdesk.tickets import claim as claim_ticket
from core.helpdesk.tickets import close as close_ticket
from core.helpdesk.tickets import hand_to_officers as mark_for_officers
from core.helpdesk.users import language_of
from core.knowledge.editing import add_pending_paraphrase
from core.knowledge.faq import KnowledgeBase
from core.language.i18n import DEFAULT_LANGUAGE, N_, Translate, Translator, translator
from core.media.store import Download, MediaStore
from core.messages import ANCHOR, EDIT, NOTICE, RELAY, Address, Button, Media, Outbound, Outgoing
from core.payloads import pack
from core.privacy import mask, masks_in_language
from models import Commune, Member, Ticket, User

REFUSED = N_(
    "Không làm được: yêu cầu này không thuộc xã của bạn hoặc đang do người khác nhận. "
    "Nếu bạn chưa là thành viên tổ hỗ trợ, xin mã mời từ quản trị xã rồi nhắn riêng cho bot: /join MÃ"
)
INVALID_BUTTON = N_("Nút không hợp lệ.")
CLOSED_NOTICE = N_("Yêu cầu #{id} đã đóng.")
FILES_NOT_CARRIED = N_("⚠️ Ảnh/ghi âm chưa chuyển được sang kênh của người dân; hãy nhắn bằng chữ.")
RATE_PREFIX = "rt"
THREAD_PREFIX = "ticket:"


@dataclass(frozen=True)
class Actor:
    """Who acts: an identity on a channel (a member is looked up in the ticket's commune), and the
    language they are told the result in."""

    channel: str
    external_id: str
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Desk:
    """What the workflow needs besides the session: the FAQ (cards, model answers), the clock, and
    what each channel's chats can carry; also the dashboard's public address and the key its one-time
    sign-in links are signed with (`core.access.links`)."""

    knowledge: KnowledgeBase
    clock: Callable[[], datetime]
    capabilities: Mapping[str, Capabilities] = field(default_factory=dict)
    web_url: str = ""
    link_key: bytes = field(default=b"", repr=False)
    media: MediaStore | None = None  # where recordings are kept (None: the glossary takes text only)
    downloads: Mapping[str, Download] = field(default_factory=dict)  # each channel's way to fetch a sent file

    def channel_label(self, channel: str) -> str:
        capabilities = self.capabilities.get(channel)
        return capabilities.label if capabilities is not None else channel

    def carries_files(self, channel: str, origin: str, media: tuple[Media, ...]) -> bool:
        """Whether `channel` can send these files as files: only files that came from it, of kinds it sends."""
        capabilities = self.capabilities.get(channel)
        kinds = capabilities.media if capabilities is not None else frozenset()
        return origin == channel and all(item.kind in kinds for item in media)


@dataclass
class Done:
    """The result of an action: what the acting person is told, and the messages it causes."""

    notice: str
    outgoing: list[Outgoing] = field(default_factory=list)


@dataclass
class Opened:
    """A new ticket, its commune (None when none is configured) and what it causes; without a team chat
    (`team_of` is None) it waits in the queue."""

    ticket: Ticket
    commune: Commune | None
    outgoing: list[Outgoing]


def thread_of(ticket_id: int) -> str:
    """The outbox thread of a ticket: its card and everything posted under it."""
    return f"{THREAD_PREFIX}{ticket_id}"


def ticket_id_of_thread(thread: str | None) -> int | None:
    if thread is None or not thread.startswith(THREAD_PREFIX):
        return None
    number = thread.removeprefix(THREAD_PREFIX)
    return int(number) if number.isascii() and number.isdigit() else None


def team_of(ticket: Ticket) -> Address | None:
    """The team chat a ticket was posted to, if any."""
    if ticket.team_channel and ticket.team_chat_id:
        return Address(ticket.team_channel, ticket.team_chat_id, group=True)
    return None


async def open_request(
    session: AsyncSession,
    desk: Desk,
    user: User,
    *,
    problem: str,
    reason: str,
    bot_intent: str | None = None,
    media: tuple[Media, ...] = (),
) -> Opened:
    """Open a ticket for a resident, always: posted to the commune's team, or waiting in a queue."""
    now = desk.clock()
    commune = await commune_for(session, user)
    ticket = await open_ticket(session, user, commune, summary=problem, reason=reason, bot_intent=bot_intent, now=now)
    event = add_event(session, ticket, "resident", problem, now, attachments=[{"kind": m.kind} for m in media])
    team = team_of(ticket)
    if team is None:
        return Opened(ticket, commune, [])
    _ = cards.TEAM
    name = _commune_name(_, commune, ticket)
    card = cards.card(_, ticket, [event], desk.knowledge, name, desk.channel_label(ticket.channel))
    outgoing = [Outgoing(team, card, purpose=ANCHOR, thread=thread_of(ticket.id), topic=cards.topic_title(ticket))]
    if media:
        outgoing.append(Outgoing(team, _team_post(desk, ticket, team, "", media), RELAY, thread_of(ticket.id)))
    return Opened(ticket, commune, outgoing)


def relay_from_resident(
    session: AsyncSession, desk: Desk, ticket: Ticket, text: str, media: tuple[Media, ...]
) -> list[Outgoing]:
    """A resident's later message on their open ticket: kept on it (masked) and posted to the team."""
    text = mask(text).text
    add_event(session, ticket, "resident", text, desk.clock(), attachments=[{"kind": m.kind} for m in media])
    team = team_of(ticket)
    if team is None:
        return []
    return [Outgoing(team, _team_post(desk, ticket, team, text, media), RELAY, thread_of(ticket.id))]


async def claim(session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int) -> Done:
    """Take the ticket if nobody holds it; otherwise say who does."""
    found = await _authorised(session, desk, actor, ticket_id, ACT_CLAIM)
    if isinstance(found, Done):
        return found
    ticket, member = found
    _ = translator(actor.language)
    if await claim_ticket(session, ticket.id, member, desk.clock()):
        text = cards.team_text(
            N_("✋ {member} đã nhận #{number}. Trả lời tin này để nhắn người dân."),
            member=cards.member_label(member),
            number=ticket.id,
        )
        outgoing = [*_to_team(ticket, text), *await refresh_card(session, desk, ticket)]
        return Done(_("Bạn đã nhận #{number}.").format(number=ticket.id), outgoing)
    if ticket.assignee_id == member.id:
        return Done(_("Bạn đang nhận #{number}.").format(number=ticket.id))
    holder = await session.get(Member, ticket.assignee_id) if ticket.assignee_id else None
    return Done(_("#{number} đã có {member} nhận.").format(number=ticket.id, member=cards.member_label(holder, _)))


async def reply(
    session: AsyncSession,
    desk: Desk,
    actor: Actor,
    ticket_id: int,
    text: str,
    media: tuple[Media, ...] = (),
) -> Done:
    """A member's text, photo or voice reply (masked) to the resident; the first to answer holds the ticket.

    Files reach the resident as files only when their channel can carry them (they came from it);
    otherwise the member is asked to write instead. An empty notice means all went through."""
    closed_notice = N_("#{id} đã đóng; tin này không được gửi.")
    found = await _authorised(session, desk, actor, ticket_id, ACT_REPLY, closed_notice=closed_notice)
    if isinstance(found, Done):
        return found
    ticket, member = found
    now = desk.clock()
    if ticket.assignee_id is None:
        await claim_ticket(session, ticket.id, member, now)
    carried, note = media, ""
    _ = translator(ticket.language)  # the resident's
    if media and not desk.carries_files(ticket.channel, actor.channel, media):
        carried, note = (), "\n" + _("(Cán bộ có gửi ảnh/ghi âm; kênh này chưa nhận được, cán bộ sẽ nhắn bằng chữ.)")
    masked = mask(text).text
    header = _("🙋 Cán bộ {name}:").format(name=mask(member.name).text or _("tổ hỗ trợ"))
    to_resident = f"{header} {masks_in_language(masked, _)}{note}".strip()
    outgoing = await _to_resident(session, ticket, Outbound(to_resident, media=carried))
    attachments = [{"kind": m.kind} for m in media]
    add_event(session, ticket, "member", masked, now, member_id=member.id, attachments=attachments)
    await record_member_reply(session, ticket, now)
    outgoing += await refresh_card(session, desk, ticket)
    notice = translator(actor.language)(FILES_NOT_CARRIED) if note else ""
    return Done(notice, outgoing)


async def send_model_answer(session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int, entry_id: str) -> Done:
    """Send an FAQ answer (with its source) to the resident on the member's behalf, in the ticket's language."""
    valid = entry_id in desk.knowledge.entries
    found = await _authorised(session, desk, actor, ticket_id, ACT_SEND, take=valid)
    if isinstance(found, Done):
        return found
    ticket, member = found
    _ = translator(actor.language)
    entry = desk.knowledge.in_language(ticket.language).entries.get(entry_id)
    if entry is None:
        return Done(_(INVALID_BUTTON))
    now = desk.clock()
    outgoing = await _to_resident(session, ticket, Outbound(f"{entry.answer}\n\n{entry.source}".strip()))
    question = desk.knowledge.entries[entry_id].question  # the team reads the Vietnamese wording
    event = cards.team_text(N_("[câu trả lời mẫu: {question}]"), question=question)
    add_event(session, ticket, "member", event, now, member_id=member.id)
    await record_member_reply(session, ticket, now)
    outgoing += await refresh_card(session, desk, ticket)
    return Done(_("Đã gửi câu trả lời mẫu cho #{number}.").format(number=ticket.id), outgoing)


async def teach(session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int, entry_id: str) -> Done:
    """ "Dạy bot": the ticket's question becomes a pending paraphrase of an FAQ entry, for an admin to approve."""
    valid = entry_id in desk.knowledge.entries
    found = await _authorised(session, desk, actor, ticket_id, ACT_TEACH, take=valid, closed_ok=True)
    if isinstance(found, Done):
        return found
    ticket, _member = found
    _ = translator(actor.language)
    if not valid:
        return Done(_(INVALID_BUTTON))
    if await add_pending_paraphrase(session, entry_id, ticket.summary):
        return Done(_("Cảm ơn! Câu hỏi chờ quản trị duyệt rồi bot sẽ học."))
    return Done(_("Câu này đã có, hoặc quá ngắn để học."))


async def hand_to_officers(session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int) -> Done:
    """Route the ticket to the commune's officers (told in the team chat and in private)."""
    found = await _authorised(session, desk, actor, ticket_id, ACT_POLICE)
    if isinstance(found, Done):
        return found
    ticket, member = found
    _ = translator(actor.language)
    now = desk.clock()
    if not await mark_for_officers(session, ticket, now):
        return Done(_("#{number} đã ở chỗ công an xã.").format(number=ticket.id))
    event = cards.team_text(N_("chuyển công an ({member})"), member=cards.member_label(member))
    add_event(session, ticket, "system", event, now)
    outgoing = await notify_officers(session, ticket, N_("👮 #{number} được chuyển cho công an xã."), number=ticket.id)
    outgoing += await refresh_card(session, desk, ticket)
    return Done(_("Đã chuyển #{number} cho công an xã.").format(number=ticket.id), outgoing)


async def close(session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int) -> Done:
    """Close the ticket (once), ask the resident for a rating, and say so in the team chat."""
    found = await _authorised(session, desk, actor, ticket_id, ACT_CLOSE)
    if isinstance(found, Done):
        return found
    ticket, member = found
    _ = translator(actor.language)
    closed = await close_ticket(session, ticket.id, desk.clock(), "closed")
    if closed is None:
        return Done(_("#{number} đã đóng rồi.").format(number=ticket.id))
    text = cards.team_text(N_("✅ #{number} đã đóng ({member})."), number=closed.id, member=cards.member_label(member))
    outgoing = [*_to_team(closed, text)]
    outgoing += await refresh_card(session, desk, closed)
    outgoing += await _to_resident(session, closed, rating_request(translator(closed.language), closed))
    return Done(_("Đã đóng #{number}.").format(number=closed.id), outgoing)


async def view(session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int) -> Outbound | None:
    """The ticket's card for a member allowed to see it (in their language), else None."""
    ticket = await permitted(session, actor, ticket_id, ACT_VIEW)
    return await render_card(session, desk, ticket, translator(actor.language)) if ticket is not None else None


async def permitted(session: AsyncSession, actor: Actor, ticket_id: int, action: str) -> Ticket | None:
    """The ticket, when the rule lets the actor do `action` to it (without acting yet)."""
    ticket = await session.get(Ticket, ticket_id)
    member = await _member_for(session, actor, ticket) if ticket is not None else None
    return ticket if ticket is not None and can_act(member, ticket, action) else None


def rating_request(_: Translate, ticket: Ticket) -> Outbound:
    """Sent to the resident when their ticket is closed."""
    stars = tuple(Button(f"{n}⭐", pack(RATE_PREFIX, ticket.id, n)) for n in range(1, 6))
    return Outbound(
        _("Cán bộ đã đóng yêu cầu #{number}. Bạn chấm điểm giúp: 1 là chưa tốt, 5 là rất tốt.").format(
            number=ticket.id
        ),
        buttons=(stars,),
    )


async def render_card(session: AsyncSession, desk: Desk, ticket: Ticket, _: Translator = cards.TEAM) -> Outbound:
    """The ticket's card as it stands now (in the team chat's language unless another is given)."""
    holder = await session.get(Member, ticket.assignee_id) if ticket.assignee_id else None
    commune = await session.get(Commune, ticket.commune) if ticket.commune else None
    conversation = await events(session, ticket.id)
    assignee = cards.member_label(holder, _) if holder else ""
    name = _commune_name(_, commune, ticket)
    return cards.card(_, ticket, conversation, desk.knowledge, name, desk.channel_label(ticket.channel), assignee)


async def refresh_card(session: AsyncSession, desk: Desk, ticket: Ticket) -> list[Outgoing]:
    """An edit of the card in the team chat so its status, holder and conversation are current (none
    when the ticket has no team)."""
    team = team_of(ticket)
    if team is None:
        return []
    await session.flush()
    return [Outgoing(team, await render_card(session, desk, ticket), purpose=EDIT, thread=thread_of(ticket.id))]


async def notify_officers(
    session: AsyncSession, ticket: Ticket, message: str, *, admins: bool = False, **values: object
) -> list[Outgoing]:
    """Tell the team chat, and each officer (and admin) of the commune in private in their language;
    `message` is a msgid, formatted with `values`."""
    outgoing = _to_team(ticket, cards.team_text(message, **values))
    roles = ("officer", "admin") if admins else ("officer",)
    for member in await members_with_role(session, ticket.commune, roles) if ticket.commune else []:
        _ = translator(await language_of(session, member.channel, member.external_id))
        text = _(message).format(**values)
        body = Outbound(f"{text}\n{ticket.summary[:200]}", buttons=cards.actions(_, ticket.id))
        outgoing.append(Outgoing(Address(member.channel, member.external_id), body, NOTICE, thread_of(ticket.id)))
    return outgoing


async def run_timers(session: AsyncSession, desk: Desk) -> tuple[int, list[Outgoing]]:
    """Reminders, hand-over to officers, closing silent tickets: (tickets acted on, messages caused).

    Each job claims its tickets with one conditional UPDATE, so with two processes a reminder is still sent once."""
    now = desk.clock()
    done, outgoing = 0, []
    for commune in await list_communes(session):
        jobs = [_remind_unclaimed, _hand_over_unanswered] if in_duty_hours(commune, now) else []
        for job in [*jobs, _close_silent]:
            count, caused = await job(session, desk, commune, now)
            done += count
            outgoing += caused
    return done, outgoing


async def _remind_unclaimed(
    session: AsyncSession, desk: Desk, commune: Commune, now: datetime
) -> tuple[int, list[Outgoing]]:
    cutoff = now - timedelta(minutes=commune.remind_after_minutes)
    condition = and_(
        Ticket.commune == commune.slug,
        Ticket.status == NEW,
        Ticket.assignee_id.is_(None),
        Ticket.created_at <= cutoff,
        Ticket.reminded_at.is_(None),
    )
    ids = await claim_due(session, condition, {"reminded_at": now})
    outgoing = []
    for ticket_id in ids:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is not None:
            text = cards.team_text(
                N_("⏰ #{number} chưa ai nhận sau {minutes} phút. Bấm ✋ Nhận trên thẻ."),
                number=ticket_id,
                minutes=commune.remind_after_minutes,
            )
            outgoing += _to_team(ticket, text)
    return len(ids), outgoing


async def _hand_over_unanswered(
    session: AsyncSession, desk: Desk, commune: Commune, now: datetime
) -> tuple[int, list[Outgoing]]:
    cutoff = now - timedelta(minutes=commune.escalate_after_minutes)
    condition = and_(
        Ticket.commune == commune.slug,
        Ticket.status.in_(OPEN_STATES),
        Ticket.first_response_at.is_(None),
        Ticket.created_at <= cutoff,
        Ticket.escalated_at.is_(None),
    )
    ids = await claim_due(session, condition, {"escalated_at": now, "with_officers": True})
    hours = commune.escalate_after_minutes / 60
    outgoing: list[Outgoing] = []
    for ticket_id in ids:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is not None:
            text = N_("⚠️ #{number} chưa được trả lời sau {hours:g} giờ: đã chuyển công an xã và báo quản trị.")
            outgoing += await notify_officers(session, ticket, text, admins=True, number=ticket_id, hours=hours)
            outgoing += await refresh_card(session, desk, ticket)
    return len(ids), outgoing


async def _close_silent(
    session: AsyncSession, desk: Desk, commune: Commune, now: datetime
) -> tuple[int, list[Outgoing]]:
    cutoff = now - timedelta(hours=commune.autoclose_after_hours)
    condition = and_(Ticket.commune == commune.slug, Ticket.status == WAITING, Ticket.waiting_since <= cutoff)
    ids = await claim_due(session, condition, {"status": CLOSED, "closed_at": now, "closed_reason": "resident_silent"})
    days = commune.autoclose_after_hours / 24
    outgoing: list[Outgoing] = []
    for ticket_id in ids:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            continue
        _ = translator(ticket.language)
        notice = _("Yêu cầu #{number} đã tự đóng vì {days:g} ngày chưa có tin mới. Cần giúp nữa, bạn cứ nhắn.")
        rating = rating_request(_, ticket)
        message = Outbound(notice.format(number=ticket_id, days=days) + "\n\n" + rating.text, buttons=rating.buttons)
        outgoing += await _to_resident(session, ticket, message)
        outgoing += await refresh_card(session, desk, ticket)
        text = cards.team_text(
            N_("🔒 #{number} tự đóng: người dân im lặng {days:g} ngày."), number=ticket_id, days=days
        )
        outgoing += _to_team(ticket, text)
    return len(ids), outgoing


async def on_delivery_failure(session: AsyncSession, thread: str | None, to: Address, reason: str) -> list[Outgoing]:
    """A message of a ticket was given up on. To the resident: shown on the ticket and the team is told.
    To the team (the card itself, or a post): the ticket is marked and the commune's admins are told in private."""
    ticket_id = ticket_id_of_thread(thread)
    ticket = await session.get(Ticket, ticket_id) if ticket_id is not None else None
    if ticket is None:
        return []
    team = team_of(ticket)
    if team is not None and (to.channel, to.chat_id) == (team.channel, team.chat_id):
        ticket.delivery_problem = cards.team_text(N_("tổ hỗ trợ chưa nhận được thẻ/tin ({reason})"), reason=reason)
        text = N_("⚠️ #{number}: không gửi được vào nhóm tổ hỗ trợ ({reason}). Xem: /ticket {number}")
        admins = await members_with_role(session, ticket.commune, ("admin",)) if ticket.commune else []
        told = []
        for admin in admins:
            _ = translator(await language_of(session, admin.channel, admin.external_id))
            notice = Outbound(_(text).format(number=ticket.id, reason=reason))
            told.append(Outgoing(Address(admin.channel, admin.external_id), notice, NOTICE))
        return told
    if to.group:
        return []  # a private notice to an officer or admin: nobody else to tell
    ticket.delivery_problem = reason
    text = cards.team_text(
        N_("⚠️ #{number}: tin nhắn chưa tới được người dân ({reason}). Hãy liên hệ cách khác."),
        number=ticket.id,
        reason=reason,
    )
    return _to_team(ticket, text)


async def on_requeued(session: AsyncSession, threads: list[str | None]) -> list[Outgoing]:
    """Given-up messages sent again: their tickets no longer show the problem, and the team is told."""
    outgoing: list[Outgoing] = []
    for ticket_id in sorted({t for t in map(ticket_id_of_thread, threads) if t is not None}):
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or ticket.delivery_problem is None:
            continue
        ticket.delivery_problem = None
        text = cards.team_text(
            N_("🔁 #{number}: tin nhắn chưa tới được người dân đang được gửi lại."), number=ticket.id
        )
        outgoing += _to_team(ticket, text)
    return outgoing


async def _authorised(
    session: AsyncSession,
    desk: Desk,
    actor: Actor,
    ticket_id: int,
    action: str,
    *,
    take: bool = True,
    closed_ok: bool = False,
    closed_notice: str = CLOSED_NOTICE,
) -> tuple[Ticket, Member] | Done:
    """The ticket and the actor's membership when the rule lets them act (a volunteer acting on an
    unclaimed ticket takes it, when `take`); otherwise the one refusal, which reveals nothing.
    `closed_notice` is a msgid with an `{id}`."""
    _ = translator(actor.language)
    ticket = await session.get(Ticket, ticket_id)
    member = await _member_for(session, actor, ticket) if ticket is not None else None
    if ticket is None or member is None or not can_act(member, ticket, action):
        return Done(_(REFUSED))
    if ticket.status == CLOSED and not closed_ok:
        return Done(_(closed_notice).format(id=ticket.id))
    if take and not await take_for(session, member, ticket, action, desk.clock()):
        return Done(_(REFUSED))
    return ticket, member


async def _member_for(session: AsyncSession, actor: Actor, ticket: Ticket) -> Member | None:
    """The actor's membership that counts for this ticket: of its commune, or, for a ticket of no
    commune, an admin membership of any commune."""
    if ticket.commune is not None:
        return await membership(session, ticket.commune, actor.channel, actor.external_id)
    mine = await memberships(session, actor.channel, actor.external_id)
    return next((m for m in mine if m.role == "admin"), None)


def _to_team(ticket: Ticket, text: str) -> list[Outgoing]:
    team = team_of(ticket)
    return [Outgoing(team, Outbound(text), NOTICE, thread_of(ticket.id))] if team is not None else []


async def _to_resident(session: AsyncSession, ticket: Ticket, message: Outbound) -> list[Outgoing]:
    resident = await session.get(User, ticket.user_id)
    if resident is None:
        return []
    return [Outgoing(Address(resident.channel, resident.external_id), message, RELAY, thread_of(ticket.id))]


def _team_post(desk: Desk, ticket: Ticket, team: Address, text: str, media: tuple[Media, ...]) -> Outbound:
    """A resident's message for the team chat: files as files where the team's channel can carry them, else links."""
    if desk.carries_files(team.channel, ticket.channel, media):
        return Outbound(cards.relay(ticket, text), media=media)
    links = [f"📎 {m.kind}: {m.file_id}" for m in media]
    return Outbound("\n".join([cards.relay(ticket, text), *links]))


def _commune_name(_: Translate, commune: Commune | None, ticket: Ticket) -> str:
    return commune.name if commune is not None else (ticket.commune or _("chưa rõ"))
