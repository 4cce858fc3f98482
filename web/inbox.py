"""The web inbox: tickets with filters, a ticket's masked conversation, and the team's actions on it
(claim, reply, model answer, hand to officers, close, teach), through the same workflow as the chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.accounts import can_see_commune, sees_every_commune
from core.delivery.outbox import enqueue_all
from core.helpdesk import workflow
from core.helpdesk.cards import local_time, member_label
from core.helpdesk.communes import list_communes
from core.helpdesk.ticket_search import STATES, TicketFilter, find_tickets
from core.helpdesk.tickets import Ticket, events, ticket_number
from core.helpdesk.web_members import visible_ticket
from core.helpdesk.workflow import Actor, Desk, Done
from core.language.i18n import N_, Translate
from core.privacy import mask
from models import Member, WebAccount
from web.context import ACCOUNT, CLOCK, DESK, SESSIONS, page_language, render, translate
from web.notices import notice_shown, pending_notice, redirect_with_notice

MAX_REPLY = 4000
STATE_LABELS = {  # msgids, shown with the page's `_`
    "open": N_("Đang mở"),
    "new": N_("Chưa ai nhận"),
    "claimed": N_("Đã có người nhận"),
    "waiting": N_("Chờ người dân"),
    "closed": N_("Đã đóng"),
    "all": N_("Tất cả"),
}
AUTHORS = {"resident": N_("Người dân"), "member": N_("Tổ hỗ trợ"), "system": N_("Hệ thống")}
# One action: given the session, the desk, who acts, the ticket, the form and the page's `_`.
Action = Callable[[AsyncSession, Desk, Actor, int, dict[str, str], Translate], Awaitable[Done]]


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 6 else None


async def ticket_list(request: web.Request) -> web.Response:
    account = request[ACCOUNT]
    _ = translate(request)
    query = request.query
    state = query.get("state", "open") if query.get("state", "open") in (*STATES, "all") else "open"
    commune = query.get("commune") or None
    if commune is not None and not can_see_commune(account, commune):
        raise web.HTTPForbidden(text="This account may not see that commune.")
    if commune is not None:
        communes: tuple[str, ...] | None = (commune,)
    elif sees_every_commune(account):
        communes = None
    else:
        communes = (account.commune,) if account.commune else ()
    wanted = TicketFilter(
        communes,
        state,
        (query.get("village") or "").strip()[:64] or None,
        query.get("channel") or None,
        _int(query.get("age", "")),
    )
    async with request.app[SESSIONS]() as session:
        tickets = await find_tickets(session, wanted, request.app[CLOCK]())
        choices = [c for c in await list_communes(session) if can_see_commune(account, c.slug)]
    return render(
        request,
        "tickets.html",
        {
            "tickets": tickets,
            "wanted": wanted,
            "states": {key: _(label) for key, label in STATE_LABELS.items()},
            "communes": choices,
            "when": local_time,
            "masked": lambda text: mask(text or "").text,
            "selected_commune": commune or "",
        },
    )


async def _visible_ticket(request: web.Request, session: AsyncSession, ticket_id: int) -> tuple[Ticket, Actor]:
    """The ticket and who the account acts as on it, told the results in the page's language; 404
    (revealing nothing) when it may not see it."""
    account: WebAccount = request[ACCOUNT]
    found = await visible_ticket(session, account, ticket_id)
    if found is None:
        _ = translate(request)
        raise web.HTTPNotFound(text=_("Không có yêu cầu này, hoặc bạn không được xem."))
    ticket, actor = found
    return ticket, replace(actor, language=page_language(request))


async def ticket_page(request: web.Request) -> web.Response:
    ticket_id = ticket_number(request.match_info["ticket_id"])
    if ticket_id is None:
        raise web.HTTPNotFound()
    desk = request.app[DESK]()
    _ = translate(request)
    async with request.app[SESSIONS]() as session, session.begin():
        ticket, _actor = await _visible_ticket(request, session, ticket_id)
        conversation = await events(session, ticket.id, limit=200)
        holder = await session.get(Member, ticket.assignee_id) if ticket.assignee_id else None
        members = {e.member_id: await session.get(Member, e.member_id) for e in conversation if e.member_id}
    suggestions = desk.knowledge.matcher.alternatives(ticket.summary or "", limit=5)
    entries = sorted(desk.knowledge.entries.values(), key=lambda e: (e.id not in suggestions, e.question))
    notice = pending_notice(request)
    response = render(
        request,
        "ticket.html",
        {
            "ticket": ticket,
            "conversation": [
                (
                    _(AUTHORS[e.author]) if e.author in AUTHORS else e.author,
                    member_label(members.get(e.member_id), _) if e.member_id else "",
                    local_time(e.created_at),
                    mask(e.text_masked).text,
                )
                for e in conversation
            ],
            "holder": member_label(holder, _) if holder else "",
            "summary": mask(ticket.summary or "").text,
            "guess": desk.knowledge.entries.get(ticket.bot_intent or ""),
            "entries": entries,
            "suggested": set(suggestions),
            "when": local_time,
            "notice": notice,
            "delivery_problem": mask(ticket.delivery_problem or "").text,
            "max_reply": MAX_REPLY,
        },
    )
    return notice_shown(response, path="/tickets")


async def _claim(
    session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int, _form: dict[str, str], _: Translate
) -> Done:
    return await workflow.claim(session, desk, actor, ticket_id)


async def _reply(
    session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int, form: dict[str, str], _: Translate
) -> Done:
    text = form.get("text", "").strip()
    if not text:
        return Done(_("Bạn chưa viết gì."))
    if len(text) > MAX_REPLY:
        return Done(_("Tin nhắn dài quá {limit} ký tự; bạn chia làm nhiều tin nhé.").format(limit=MAX_REPLY))
    done = await workflow.reply(session, desk, actor, ticket_id, text)
    if done.notice:
        return done
    return Done(_("Đã gửi cho người dân (#{number}).").format(number=ticket_id), done.outgoing)


async def _send(
    session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int, form: dict[str, str], _: Translate
) -> Done:
    return await workflow.send_model_answer(session, desk, actor, ticket_id, form.get("entry", ""))


async def _officers(
    session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int, _form: dict[str, str], _: Translate
) -> Done:
    return await workflow.hand_to_officers(session, desk, actor, ticket_id)


async def _close(
    session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int, _form: dict[str, str], _: Translate
) -> Done:
    return await workflow.close(session, desk, actor, ticket_id)


async def _teach(
    session: AsyncSession, desk: Desk, actor: Actor, ticket_id: int, form: dict[str, str], _: Translate
) -> Done:
    return await workflow.teach(session, desk, actor, ticket_id, form.get("entry", ""))


ACTIONS: dict[str, Action] = {
    "claim": _claim,
    "reply": _reply,
    "send": _send,
    "officers": _officers,
    "close": _close,
    "teach": _teach,
}


async def ticket_action(request: web.Request) -> web.Response:
    """Do one action (CSRF already checked), queue what it causes in the same transaction, and go back
    to the ticket with what the member is told."""
    ticket_id = ticket_number(request.match_info["ticket_id"])
    action = ACTIONS.get(request.match_info["action"])
    if ticket_id is None or action is None:
        raise web.HTTPNotFound()
    form = {k: str(v) for k, v in (await request.post()).items()}
    desk = request.app[DESK]()
    _ = translate(request)
    async with request.app[SESSIONS]() as session, session.begin():
        _ticket, actor = await _visible_ticket(request, session, ticket_id)
        done = await action(session, desk, actor, ticket_id, form, _)
        await enqueue_all(session, done.outgoing)
    raise redirect_with_notice(request, f"/tickets/{ticket_id}", done.notice or _("Xong."), path="/tickets")
