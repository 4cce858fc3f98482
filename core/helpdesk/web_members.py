"""Dashboard accounts as members of the ticket workflow, so a ticket handled on the web follows the
same rules (and shows the same way in the team chat) as one handled on Telegram or Zalo."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.helpdesk.members import WEB, membership
from core.helpdesk.tickets import ACT_VIEW
from core.helpdesk.workflow import Actor, permitted
from models import Commune, Member, Ticket, WebAccount

ADMIN = "admin"


async def web_actor(session: AsyncSession, account: WebAccount, commune: str | None) -> Actor | None:
    """Who a dashboard account acts as on a ticket of `commune`: its linked chat membership there when
    it has one, else its own web membership (made on first use; an admin gets one in each commune it
    acts in, a volunteer or officer only in theirs). None when the account may not act there."""
    if account.member_id is not None:
        linked = await session.get(Member, account.member_id)
        if linked is not None and linked.commune == commune:
            return Actor(linked.channel, linked.external_id)
    target = commune if commune is not None else account.commune
    if account.role != ADMIN and target != account.commune:
        return None
    if target is None:  # an admin of every commune, on a ticket of no commune: any commune's membership counts
        target = await session.scalar(select(Commune.slug).order_by(Commune.slug).limit(1))
        if target is None:
            return None
    identity = Actor(WEB, str(account.id))
    if await membership(session, target, WEB, identity.external_id) is None:
        session.add(
            Member(
                commune=target, role=account.role, channel=WEB, external_id=identity.external_id, name=account.username
            )
        )
        await session.flush()
    return identity


async def visible_ticket(session: AsyncSession, account: WebAccount, ticket_id: int) -> tuple[Ticket, Actor] | None:
    """The ticket and who the account acts as on it, or None when the account may not see it."""
    ticket = await session.get(Ticket, ticket_id)
    actor = await web_actor(session, account, ticket.commune) if ticket is not None else None
    if ticket is None or actor is None or await permitted(session, actor, ticket_id, ACT_VIEW) is None:
        return None
    return ticket, actor
