"""Setup pages: communes with their team address and timers, villages, members and invite codes,
admins only for changes, and an audit entry (before and after, never a code) for every change."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.access import audit
from core.access.accounts import account_named
from core.helpdesk.communes import list_communes, save_commune
from core.helpdesk.members import redeem_invite
from core.helpdesk.web_members import web_actor
from handlers.context import BotContext
from models import AuditEntry, Member, User, Village
from models.base import utcnow
from tests.dashboard import csrf_of, log_in, make_account, web_client

CODE = re.compile(r"/join ([A-Z0-9]{10})")
FORM = {
    "name": "Dân Hóa",
    "team_channel": "telegram",
    "team_chat_id": "-100777",
    "remind_after_minutes": "20",
    "escalate_after_minutes": "90",
    "autoclose_after_hours": "48",
    "duty_start_hour": "6",
    "duty_end_hour": "18",
}


async def _csrf(client: TestClient, path: str = "/setup/dan-hoa") -> str:
    return csrf_of(await (await client.get(path)).text())


async def _audit(bot: BotContext, action: str) -> list[AuditEntry]:
    async with bot.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_an_admin_edits_a_commune_and_its_timers_and_core_sees_them(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dan Hoa")
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        listing = await (await client.get("/setup")).text()
        assert 'href="/setup/dan-hoa"' in listing and 'href="/audit"' in listing
        saved = await client.post(
            "/setup/dan-hoa", data={**FORM, "csrf": await _csrf(client), "default": "on"}, allow_redirects=False
        )
        assert saved.status == 303
        page = await (await client.get("/setup/dan-hoa")).text()
    assert "Đã lưu cài đặt" in page and 'value="-100777"' in page
    async with bot.sessions() as session:
        [commune] = await list_communes(session)
    assert (commune.name, commune.team_channel, commune.team_chat_id, commune.is_default) == (
        "Dân Hóa",
        "telegram",
        "-100777",
        True,
    )
    assert (commune.remind_after_minutes, commune.escalate_after_minutes, commune.autoclose_after_hours) == (20, 90, 48)
    assert (commune.duty_start_hour, commune.duty_end_hour) == (6, 18)
    [entry] = await _audit(bot, "commune.edit")
    assert entry.actor == "web:quan-tri" and entry.target == "dan-hoa"
    assert entry.before is not None and entry.after is not None
    assert (entry.before["team"], entry.after["team"]) == (None, "telegram:-100777")
    assert (entry.before["remind_after_minutes"], entry.after["remind_after_minutes"]) == (15, 20)


async def test_an_added_commune_is_listed_and_a_cleared_team_sends_tickets_to_the_queue(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        added = await client.post(
            "/setup", data={**FORM, "slug": "dan-hoa", "csrf": await _csrf(client, "/setup")}, allow_redirects=False
        )
        assert added.status == 303 and added.headers["Location"] == "/setup/dan-hoa"
        cleared = {**FORM, "team_channel": "", "team_chat_id": "", "csrf": await _csrf(client)}
        assert (await client.post("/setup/dan-hoa", data=cleared)).status == 200
    async with bot.sessions() as session:
        [commune] = await list_communes(session)
    assert commune.team_chat_id is None and commune.team_channel is None
    [created] = await _audit(bot, "commune.create")
    assert created.before is None and created.after is not None and created.after["team"] == "telegram:-100777"
    [edited] = await _audit(bot, "commune.edit")
    assert edited.before is not None and edited.after is not None
    assert (edited.before["team"], edited.after["team"]) == ("telegram:-100777", None)


async def test_bad_settings_are_refused_with_a_reason_and_change_nothing(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa")
        await save_commune(session, "thuong-trach", "Thượng Trạch")
    cases = {
        "Thời gian chuyển cán bộ phải dài hơn thời gian nhắc tổ": {"escalate_after_minutes": "10"},
        "Giờ bắt đầu trực phải sớm hơn giờ kết thúc trực": {"duty_start_hour": "18", "duty_end_hour": "7"},
        "Nhắc tổ sau (phút): cần một số nguyên từ 1 đến 1440": {"remind_after_minutes": "mười"},
        "Giờ kết thúc trực: cần một số nguyên từ 1 đến 24": {"duty_end_hour": "25"},
        "chọn một kênh đang chạy": {"team_channel": "fax"},
        "mã nhóm chat chỉ gồm chữ, số": {"team_chat_id": "-100 777"},
        "Tên xã: cần từ 1 đến 128 ký tự": {"name": "   "},
    }
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        for message, change in cases.items():
            answer = await client.post("/setup/dan-hoa", data={**FORM, "csrf": await _csrf(client), **change})
            assert answer.status == 400, message
            assert message in await answer.text(), message
        taken = {**FORM, "team_chat_id": "-100999", "csrf": await _csrf(client, "/setup/thuong-trach")}
        assert (await client.post("/setup/thuong-trach", data=taken)).status == 200
        shared = await client.post("/setup/dan-hoa", data={**FORM, "team_chat_id": "-100999", "csrf": taken["csrf"]})
        assert shared.status == 400 and "đã là địa chỉ tổ của xã Dân Hóa" in await shared.text()
        for slug, message in [("Dan Hoa", "Mã xã: 1–40 ký tự"), ("dan-hoa", "Đã có xã mã &#39;dan-hoa&#39;")]:
            answer = await client.post("/setup", data={**FORM, "slug": slug, "csrf": taken["csrf"]})
            assert answer.status == 400 and message in await answer.text()
    async with bot.sessions() as session:
        commune = next(c for c in await list_communes(session) if c.slug == "dan-hoa")
    assert (commune.name, commune.team_chat_id, commune.remind_after_minutes) == ("Dân Hóa", None, 15)
    assert not await _audit(bot, "commune.create")
    assert [e.target for e in await _audit(bot, "commune.edit")] == ["thuong-trach"]


async def test_villages_are_added_renamed_and_removed_with_their_residents_counted(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin", "dan-hoa")
    async with bot.sessions() as session, session.begin():
        session.add_all(
            [
                User(channel="telegram", external_id="1", commune="dan-hoa", village="thôn Một"),
                User(channel="telegram", external_id="2", commune="dan-hoa", village="Thon mot"),
                User(channel="telegram", external_id="3", commune="dan-hoa", village="Bản Khe"),
            ]
        )
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        csrf = await _csrf(client)
        added = await client.post("/setup/dan-hoa/villages", data={"csrf": csrf, "name": " Thôn  Một "})
        page = await added.text()
        assert added.status == 200 and "Đã thêm thôn Thôn Một" in page
        assert '<th scope="row">Thôn Một</th>\n    <td>2</td>' in page and "Bản Khe · 1 người" in page
        again = await client.post("/setup/dan-hoa/villages", data={"csrf": csrf, "name": "thon mot"})
        assert again.status == 400 and "Xã này đã có thôn &#39;Thôn Một&#39;" in await again.text()
        async with bot.sessions() as session:
            village = await session.scalar(select(Village))
        assert village is not None
        renamed = await client.post(
            f"/setup/dan-hoa/villages/{village.id}/rename", data={"csrf": csrf, "name": "Thôn 1"}
        )
        assert "2 người dân theo tên mới" in await renamed.text()
        async with bot.sessions() as session:
            typed = sorted(str(u.village) for u in await session.scalars(select(User).where(User.commune == "dan-hoa")))
        assert typed == ["Bản Khe", "Thôn 1", "Thôn 1"]
        removed = await client.post(f"/setup/dan-hoa/villages/{village.id}/remove", data={"csrf": csrf})
        assert "Đã bỏ thôn Thôn 1" in await removed.text()
        assert (await client.post(f"/setup/dan-hoa/villages/{village.id}/remove", data={"csrf": csrf})).status == 404
    async with bot.sessions() as session:
        assert await session.scalar(select(Village)) is None
    [add] = await _audit(bot, "village.add")
    [rename] = await _audit(bot, "village.rename")
    [remove] = await _audit(bot, "village.remove")
    assert add.after == {"name": "Thôn Một"}
    assert rename.before == {"name": "Thôn Một"} and rename.after == {"name": "Thôn 1", "residents_moved": 2}
    assert remove.before == {"name": "Thôn 1"} and remove.after is None


async def test_an_invite_code_is_shown_once_redeems_in_core_and_never_reaches_the_audit_log(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin", "dan-hoa")
    async with bot.sessions() as session, session.begin():
        account = await account_named(session, "quan-tri")
        assert account is not None and await web_actor(session, account, "dan-hoa") is not None
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        csrf = await _csrf(client)
        made = await client.post("/setup/dan-hoa/invites", data={"csrf": csrf, "role": "officer", "days": "3"})
        page = await made.text()
        found = CODE.search(page)
        assert made.status == 200 and found and "cán bộ" in page
        code = found.group(1)
        assert code not in await (await client.get("/setup/dan-hoa")).text()
        async with bot.sessions() as session, session.begin():
            member = await redeem_invite(session, code, "telegram", "9001", "Chị Lan", utcnow())
            assert member is not None and (member.commune, member.role) == ("dan-hoa", "officer")
            assert await redeem_invite(session, code, "telegram", "9002", "Anh Tú", utcnow()) is None
        members_page = await (await client.get("/setup/dan-hoa")).text()
        assert '<th scope="row">Chị Lan</th>' in members_page
        assert "<td>Trang quản trị</td>" in members_page and "theo tài khoản đăng nhập" in members_page
        role = await client.post(f"/setup/dan-hoa/members/{member.id}/role", data={"csrf": csrf, "role": "volunteer"})
        assert "Chị Lan giờ là tình nguyện viên" in await role.text()
        bad = await client.post(f"/setup/dan-hoa/members/{member.id}/role", data={"csrf": csrf, "role": "boss"})
        assert bad.status == 400 and "Vai trò phải là một trong" in await bad.text()
        gone = await client.post(f"/setup/dan-hoa/members/{member.id}/remove", data={"csrf": csrf})
        assert "Đã bỏ Chị Lan khỏi tổ" in await gone.text()
        second = CODE.search(
            await (await client.post("/setup/dan-hoa/invites", data={"csrf": csrf, "role": "volunteer"})).text()
        )
        assert second
        pending = await (await client.get("/setup/dan-hoa")).text()
        [invite_id] = re.findall(r"/setup/dan-hoa/invites/(\d+)/revoke", pending)
        revoked = await client.post(f"/setup/dan-hoa/invites/{invite_id}/revoke", data={"csrf": csrf})
        assert "Đã hủy mã mời" in await revoked.text()
    async with bot.sessions() as session, session.begin():
        assert await redeem_invite(session, second.group(1), "telegram", "9003", "Chú Ba", utcnow()) is None
        assert await session.get(Member, member.id) is None
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.actor == "web:quan-tri")))
    assert [e.action for e in entries] == [
        "invite.create",
        "member.role",
        "member.remove",
        "invite.create",
        "invite.revoke",
    ]
    assert entries[0].after is not None and entries[0].after["role"] == "officer"
    assert (entries[1].before, entries[1].after) == (
        {"name": "Chị Lan", "role": "officer"},
        {"name": "Chị Lan", "role": "volunteer"},
    )
    logged = " ".join(f"{e.target} {e.before} {e.after}" for e in entries)
    assert code not in logged and second.group(1) not in logged


async def test_a_volunteer_reads_their_own_commune_and_may_change_nothing(bot: BotContext) -> None:
    await make_account(bot.sessions, "tnv", "volunteer", "dan-hoa")
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "thuong-trach", "Thượng Trạch")
    async with web_client(bot) as client:
        await log_in(client, "tnv")
        assert (await client.get("/setup", allow_redirects=False)).headers["Location"] == "/setup/dan-hoa"
        page = await (await client.get("/setup/dan-hoa")).text()
        assert "Thành viên tổ hỗ trợ" in page and "Nhắc tổ sau (phút)" in page and 'action="/setup' not in page
        assert 'href="/setup"' not in page and 'href="/audit"' not in page
        assert (await client.get("/setup/thuong-trach")).status == 403
        assert (await client.get("/audit")).status == 403
        csrf = csrf_of(page)
        for path, data in [
            ("/setup/dan-hoa", FORM),
            ("/setup", {**FORM, "slug": "moi"}),
            ("/setup/dan-hoa/villages", {"name": "Thôn 2"}),
            ("/setup/dan-hoa/invites", {"role": "admin"}),
        ]:
            assert (await client.post(path, data={**data, "csrf": csrf})).status == 403, path
    async with bot.sessions() as session:
        assert await session.scalar(select(Village)) is None
        assert not list(await session.scalars(select(AuditEntry)))
        commune = next(c for c in await list_communes(session) if c.slug == "dan-hoa")
    assert commune.team_chat_id is None


async def test_a_change_without_the_csrf_token_is_refused(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin", "dan-hoa")
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        assert (await client.post("/setup/dan-hoa", data=FORM)).status == 403
        assert (await client.post("/setup/dan-hoa/invites", data={"role": "admin", "csrf": "x" * 40})).status == 403
    async with bot.sessions() as session:
        assert not list(await session.scalars(select(AuditEntry)))
        assert (await session.scalars(select(Village))).first() is None


async def test_the_audit_page_filters_pages_and_shows_before_and_after(bot: BotContext) -> None:
    await make_account(bot.sessions, "quan-tri", "admin")
    now = utcnow()
    async with bot.sessions() as session, session.begin():
        for n in range(audit.PAGE_SIZE + 1):
            await audit.record(session, "web:an", "village.add", f"xa-{n}", now, after={"name": f"Thôn {n}"})
        await audit.record(session, "cli", "commune.edit", "dan-hoa", now, {"name": "Dan Hoa"}, {"name": "Dân Hóa"})
    async with web_client(bot) as client:
        await log_in(client, "quan-tri")
        first = await (await client.get("/audit")).text()
        assert first.index("commune.edit") < first.index("village.add")  # newest first
        assert '<tr class="changed"><th scope="row">name</th><td data-audit="before">Dan Hoa</td>' in first
        assert "Cũ hơn" in first and first.count("<li>") == audit.PAGE_SIZE
        older = await (await client.get("/audit?page=2")).text()
        assert older.count("<li>") == 2 and "Mới hơn" in older and "Cũ hơn" not in older
        only = await (await client.get("/audit?actor=cli")).text()
        assert only.count("<li>") == 1 and "village.add</strong>" not in only
        by_action = await (await client.get("/audit?action=village.add&page=2")).text()
        assert by_action.count("<li>") == 1 and "xa-0" in by_action
