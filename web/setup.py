"""Setup pages: the communes (name, default, team address, timers and duty hours) and each commune's
page with its villages, members and invite codes. Admins change things; a volunteer or officer sees
their own commune's page read-only. Every change is written to the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from core.access import audit
from core.access.accounts import ADMIN, can_see_commune, has_role
from core.helpdesk.communes import (
    TIMER_LIMITS,
    CommuneError,
    Timers,
    describe,
    list_communes,
    read_timers,
    save_commune,
    team_address,
)
from core.helpdesk.members import INVITE_VALIDITY, ROLE_NAMES, ROLES, WEB, commune_members, pending_invites
from core.helpdesk.tickets import LOCAL_OFFSET
from core.helpdesk.villages import residents_by_village
from core.language.i18n import N_, Translate
from core.messages import Address
from core.privacy import mask
from models import Commune
from models.base import as_utc
from web.context import ACCOUNT, CLOCK, DESK, SESSIONS, problem_text, render, require_admin, translate
from web.notices import notice_shown, pending_notice, redirect_with_notice

INVITE_DAYS = (1, 3, 7, 14)
Form = MultiDictProxy[Any]


def admin_only(request: web.Request) -> None:
    require_admin(request, N_("Chỉ quản trị được thay đổi cài đặt."))


def actor(request: web.Request) -> str:
    return audit.web_actor(request[ACCOUNT].username)


def local_moment(moment: datetime | None) -> str:
    """A stored moment in Vietnam's time, with the year."""
    return (as_utc(moment) + LOCAL_OFFSET).strftime("%H:%M %d/%m/%Y") if moment else "—"


def _channels(request: web.Request, current: str | None) -> dict[str, str]:
    """The channels a team address may be on (those running here, and the one it is on), with labels."""
    desk = request.app[DESK]()
    names = [*desk.capabilities, *([current] if current and current not in desk.capabilities else [])]
    return {name: desk.channel_label(name) for name in names}


def _draft(commune: Commune | None) -> dict[str, Any]:
    """The form's values for a commune (or a new one)."""
    timers = Timers.of(commune) if commune is not None else Timers()
    return {
        "slug": commune.slug if commune else "",
        "name": commune.name if commune else "",
        "team_channel": (commune.team_channel or "") if commune else "",
        "team_chat_id": (commune.team_chat_id or "") if commune else "",
        "default": bool(commune.is_default) if commune else False,
        **{name: str(getattr(timers, name)) for name in TIMER_LIMITS},
    }


def _limits(_: Translate) -> dict[str, tuple[str, int, int]]:
    """Each timer's label in the page's language, and the values it may take."""
    return {name: (_(label), low, high) for name, (label, low, high) in TIMER_LIMITS.items()}


def _roles(_: Translate) -> dict[str, str]:
    """The roles a member may have, named in the page's language."""
    return {role: _(ROLE_NAMES[role]) for role in ROLES}


def _typed(form: Form) -> dict[str, Any]:
    fields = ("slug", "name", "team_channel", "team_chat_id", *TIMER_LIMITS)
    return {**{name: str(form.get(name, ""))[:200] for name in fields}, "default": form.get("default") == "on"}


def with_notice(location: str, request: web.Request, notice: str) -> web.HTTPSeeOther:
    """A redirect after a change, carrying what the admin is told."""
    return redirect_with_notice(request, location, notice, path="/setup")


async def commune_list(request: web.Request) -> web.Response:
    return await _list_view(request)


async def _list_view(request: web.Request, draft: dict[str, Any] | None = None, problem: str = "") -> web.Response:
    """Every commune with its team and timers, and a form to add one; others go to their own commune."""
    account = request[ACCOUNT]
    _ = translate(request)
    if not has_role(account, ADMIN):
        if account.commune is None:
            raise web.HTTPForbidden(text=_("Tài khoản này không thuộc xã nào."))
        raise web.HTTPSeeOther(f"/setup/{account.commune}")
    async with request.app[SESSIONS]() as session:
        communes = await list_communes(session)
    values = {
        "communes": communes,
        "draft": draft or _draft(None),
        "channels": _channels(request, None),
        "limits": _limits(_),
        "problem": problem,
        "notice": pending_notice(request),
    }
    return notice_shown(render(request, "setup.html", values, status=400 if problem else 200), path="/setup")


def _setup_from(request: web.Request, form: Form, current: str | None) -> tuple[str, Address | None, Timers]:
    team = team_address(
        str(form.get("team_channel", "")), str(form.get("team_chat_id", "")), _channels(request, current)
    )
    return str(form.get("name", "")), team, read_timers({name: str(form.get(name, "")) for name in TIMER_LIMITS})


async def add_commune(request: web.Request) -> web.Response:
    admin_only(request)
    _ = translate(request)
    form = await request.post()
    slug = str(form.get("slug", "")).strip()
    now = request.app[CLOCK]()
    try:
        name, team, timers = _setup_from(request, form, None)
        async with request.app[SESSIONS]() as session, session.begin():
            commune = await save_commune(
                session, slug, name, team, form.get("default") == "on", timers=timers, new=True
            )
            await audit.record(session, actor(request), "commune.create", slug, now, after=describe(commune))
    except CommuneError as error:
        return await _list_view(request, _typed(form), problem_text(error, _))
    raise with_notice(f"/setup/{slug}", request, _("Đã thêm xã {commune}.").format(commune=commune.name))


async def commune_page(request: web.Request) -> web.Response:
    return await commune_view(request, request.match_info["slug"])


async def commune_view(
    request: web.Request,
    slug: str,
    *,
    problem: str = "",
    draft: dict[str, Any] | None = None,
    invite: tuple[str, str, str] | None = None,
) -> web.Response:
    """A commune's page: its settings, villages, members and pending codes (forms for admins only).
    `invite` is a code just made (code, role, expiry), shown this once."""
    account = request[ACCOUNT]
    _ = translate(request)
    if not can_see_commune(account, slug):
        raise web.HTTPForbidden(text=_("Tài khoản này không được xem xã đó."))
    desk = request.app[DESK]()
    async with request.app[SESSIONS]() as session:
        commune = await session.get(Commune, slug)
        if commune is None:
            raise web.HTTPNotFound(text=_("Không có xã này."))
        villages, unlisted = await residents_by_village(session, slug)
        members = await commune_members(session, slug)
        invites = await pending_invites(session, slug, request.app[CLOCK]())
    values = {
        "commune": commune,
        "admin": has_role(account, ADMIN),
        "draft": draft or _draft(commune),
        "channels": _channels(request, commune.team_channel),
        "limits": _limits(_),
        "villages": villages,
        "unlisted": [(mask(name).text, count) for name, count in unlisted],
        "members": [
            (m, _("Trang quản trị") if m.channel == WEB else desk.channel_label(m.channel), mask(m.name).text)
            for m in members
        ],
        "web": WEB,
        "roles": _roles(_),
        "invites": invites,
        "invite": invite,
        "invite_days": INVITE_DAYS,
        "default_days": INVITE_VALIDITY.days,
        "when": local_moment,
        "problem": problem,
        "notice": pending_notice(request),
    }
    return notice_shown(render(request, "setup_commune.html", values, status=400 if problem else 200), path="/setup")


async def edit_commune(request: web.Request) -> web.Response:
    admin_only(request)
    _ = translate(request)
    slug = request.match_info["slug"]
    form = await request.post()
    now = request.app[CLOCK]()
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            current = await session.get(Commune, slug)
            if current is None:
                raise web.HTTPNotFound(text=_("Không có xã này."))
            before = describe(current)
            name, team, timers = _setup_from(request, form, current.team_channel)
            commune = await save_commune(
                session, slug, name, team, form.get("default") == "on", timers=timers, unlink_team=team is None
            )
            await audit.record(
                session, actor(request), "commune.edit", slug, now, before=before, after=describe(commune)
            )
    except CommuneError as error:
        return await commune_view(request, slug, problem=problem_text(error, _), draft={**_typed(form), "slug": slug})
    raise with_notice(f"/setup/{slug}", request, _("Đã lưu cài đặt của xã. Các hẹn giờ dùng giá trị mới ngay."))
