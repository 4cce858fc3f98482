"""Admins' changes on a commune's page: villages (add, rename, remove), members (role, removal) and
one-time invite codes (made and shown once, or revoked). Each is written to the audit log, never a code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import audit
from core.delivery.outbox import enqueue_all
from core.helpdesk import workflow
from core.helpdesk.members import (
    INVITE_VALIDITY,
    ROLE_NAMES,
    MemberError,
    change_role,
    create_invite,
    member_of,
    remove_member,
    revoke_invite,
)
from core.helpdesk.villages import VillageError, add_village, remove_village, rename_village, village_of
from core.privacy import mask
from models import Commune
from web.context import CLOCK, DESK, SESSIONS, problem_text, translate
from web.setup import INVITE_DAYS, Form, actor, admin_only, commune_view, local_moment, with_notice

# One change: given the session, the request, the commune, the form, the row's id from the path and when;
# returns what the admin is told (in the page's language, `translate(request)`).
Change = Callable[[AsyncSession, web.Request, Commune, Form, int, datetime], Awaitable[str]]


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        raise web.HTTPNotFound()
    return int(text)


async def _apply(request: web.Request, change: Change) -> web.Response:
    """Check the role, do one change in one transaction, and go back to the commune's page with a notice;
    a refused change shows the page again with why."""
    admin_only(request)
    _ = translate(request)
    slug = request.match_info["slug"]
    form = await request.post()
    row = _number(request.match_info.get("id", "0"))
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            commune = await session.get(Commune, slug)
            if commune is None:
                raise web.HTTPNotFound(text=_("Không có xã này."))
            notice = await change(session, request, commune, form, row, request.app[CLOCK]())
    except (VillageError, MemberError) as error:
        return await commune_view(request, slug, problem=problem_text(error, _))
    raise with_notice(f"/setup/{slug}", request, notice)


async def _village_add(
    session: AsyncSession, request: web.Request, commune: Commune, form: Form, _row: int, now: datetime
) -> str:
    village = await add_village(session, commune.slug, str(form.get("name", "")), now)
    await audit.record(session, actor(request), "village.add", commune.slug, now, after={"name": village.name})
    _ = translate(request)
    return _("Đã thêm thôn {village}.").format(village=village.name)


async def _village_rename(
    session: AsyncSession, request: web.Request, commune: Commune, form: Form, row: int, now: datetime
) -> str:
    _ = translate(request)
    village = await village_of(session, commune.slug, row)
    if village is None:
        raise web.HTTPNotFound(text=_("Không có thôn này."))
    old = village.name
    moved = await rename_village(session, village, str(form.get("name", "")))
    after = {"name": village.name, "residents_moved": moved}
    await audit.record(session, actor(request), "village.rename", commune.slug, now, before={"name": old}, after=after)
    return _("Đã đổi tên thôn {old} thành {new} ({count} người dân theo tên mới).").format(
        old=old, new=village.name, count=moved
    )


async def _village_remove(
    session: AsyncSession, request: web.Request, commune: Commune, _form: Form, row: int, now: datetime
) -> str:
    _ = translate(request)
    village = await village_of(session, commune.slug, row)
    if village is None:
        raise web.HTTPNotFound(text=_("Không có thôn này."))
    name = village.name
    await remove_village(session, village)
    await audit.record(session, actor(request), "village.remove", commune.slug, now, before={"name": name})
    return _("Đã bỏ thôn {village} khỏi danh sách; người dân vẫn giữ tên thôn họ đã gõ.").format(village=name)


async def _member_role(
    session: AsyncSession, request: web.Request, commune: Commune, form: Form, row: int, now: datetime
) -> str:
    _ = translate(request)
    member = await member_of(session, commune.slug, row)
    if member is None:
        raise web.HTTPNotFound(text=_("Không có thành viên này."))
    before = {"name": mask(member.name).text, "role": member.role}
    await change_role(session, member, str(form.get("role", "")))
    after = {"name": mask(member.name).text, "role": member.role}
    await audit.record(session, actor(request), "member.role", f"{commune.slug}/{member.id}", now, before, after)
    name = after["name"] or _("Thành viên")
    return _("{member} giờ là {role}.").format(member=name, role=_(ROLE_NAMES[member.role]))


async def _member_remove(
    session: AsyncSession, request: web.Request, commune: Commune, _form: Form, row: int, now: datetime
) -> str:
    _ = translate(request)
    member = await member_of(session, commune.slug, row)
    if member is None:
        raise web.HTTPNotFound(text=_("Không có thành viên này."))
    before = {"name": mask(member.name).text, "role": member.role, "channel": member.channel}
    target = f"{commune.slug}/{member.id}"
    released = await remove_member(session, member)
    desk = request.app[DESK]()
    for ticket in released:
        await enqueue_all(session, await workflow.refresh_card(session, desk, ticket))
    after = {"released_tickets": [t.id for t in released]}
    await audit.record(session, actor(request), "member.remove", target, now, before=before, after=after)
    name = before["name"] or _("thành viên")
    return _("Đã bỏ {member} khỏi tổ; {count} yêu cầu họ đang giữ trở về tổ.").format(member=name, count=len(released))


async def _invite_revoke(
    session: AsyncSession, request: web.Request, commune: Commune, _form: Form, row: int, now: datetime
) -> str:
    _ = translate(request)
    invite = await revoke_invite(session, commune.slug, row, now)
    if invite is None:
        raise web.HTTPNotFound(text=_("Không có mã mời nào đang chờ với số này."))
    before = {"invite": invite.id, "role": invite.role}
    await audit.record(session, actor(request), "invite.revoke", commune.slug, now, before=before)
    return _("Đã hủy mã mời; không ai dùng được mã đó nữa.")


async def village_add(request: web.Request) -> web.Response:
    return await _apply(request, _village_add)


async def village_rename(request: web.Request) -> web.Response:
    return await _apply(request, _village_rename)


async def village_remove(request: web.Request) -> web.Response:
    return await _apply(request, _village_remove)


async def member_role(request: web.Request) -> web.Response:
    return await _apply(request, _member_role)


async def member_remove(request: web.Request) -> web.Response:
    return await _apply(request, _member_remove)


async def invite_revoke(request: web.Request) -> web.Response:
    return await _apply(request, _invite_revoke)


async def invite_create(request: web.Request) -> web.Response:
    """Make a one-time code and show it on this answer only (never stored, logged or redirected with)."""
    admin_only(request)
    _ = translate(request)
    slug = request.match_info["slug"]
    form = await request.post()
    role = str(form.get("role", ""))
    days = str(form.get("days", ""))
    valid = timedelta(days=int(days)) if days in {str(d) for d in INVITE_DAYS} else INVITE_VALIDITY
    now = request.app[CLOCK]()
    if role not in ROLE_NAMES:
        return await commune_view(request, slug, problem=_("Chọn vai trò cho mã mời."))
    async with request.app[SESSIONS]() as session, session.begin():
        if await session.get(Commune, slug) is None:
            raise web.HTTPNotFound(text=_("Không có xã này."))
        code = await create_invite(session, slug, role, now, valid)
        after = {"role": role, "expires_at": local_moment(now + valid)}
        await audit.record(session, actor(request), "invite.create", slug, now, after=after)
    return await commune_view(request, slug, invite=(code, _(ROLE_NAMES[role]), local_moment(now + valid)))
