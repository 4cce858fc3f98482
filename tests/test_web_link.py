"""A team member who joined on Telegram links a dashboard login: /dangnhap in a private chat sends a
one-time link (through the real router and outbox), the link's page makes the account, and the account
logs in and sees its commune's requests. The link works once, for 15 minutes, and is stored nowhere."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.access.links import issue_token
from core.access.tokens import csrf_for
from core.delivery.sender import Capabilities
from core.delivery.worker import OutboxWorker
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from core.logs import RedactingFormatter
from core.messages import BUTTON, COMMAND, TEXT, Inbound, Outbound
from handlers.context import BotContext
from handlers.router import handle
from models import AuditEntry, Member, WebAccount
from models.base import Base
from tests.dashboard import csrf_of, log_in, web_client
from tests.fixtures import FakeClock, telegram_team

PUBLIC_URL = "https://caunoi.example"
GROUP = "-100800"
VOLUNTEER = "5002"
OFFICER = "5003"
RESIDENT = "6001"
RESIDENT_ELSEWHERE = "6002"
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
PASSWORD = "mat-khau-moi-dai-1"
LINK = re.compile(re.escape(PUBLIC_URL) + r"(/link/\S+)")

_counter = iter(range(1, 1_000_000))


class Instant:
    """The worker's pacing clock: sleeping moves it on at once."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class Telegram:
    """The Telegram chats the outbox delivers to: what each chat received."""

    capabilities = Capabilities(label="Telegram")

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []

    async def deliver(self, chat_id: str, message: Outbound, *, thread_id: int | None = None) -> str | None:
        self.received.append((chat_id, message.text))
        return str(len(self.received))


async def _send(ctx: BotContext, user: str, kind: str, **fields: object) -> list[Outbound]:
    inbound = Inbound("telegram", user, kind, platform_msg_id=str(next(_counter)), received_at=ctx.clock(), **fields)  # type: ignore[arg-type]
    return await handle(ctx, inbound)


async def _delivered(ctx: BotContext, chat: str) -> list[str]:
    """Deliver what the outbox holds; the texts that reached this chat."""
    telegram, instant = Telegram(), Instant()
    worker = OutboxWorker(ctx.sessions, {"telegram": telegram}, monotonic=instant.monotonic, sleep=instant.sleep)
    await worker.drain()
    return [text for to, text in telegram.received if to == chat]


async def _ask_for_link(ctx: BotContext, user: str) -> tuple[str, str]:
    """/dangnhap in a private chat: the member sees no direct reply, then the link arrives; (path, text)."""
    assert await _send(ctx, user, COMMAND, text="/dangnhap") == []
    [text] = await _delivered(ctx, user)
    found = LINK.search(text)
    assert found, text
    return found.group(1), text


async def _join(ctx: BotContext, user: str, commune: str, role: str) -> None:
    async with ctx.sessions() as session, session.begin():
        code = await create_invite(session, commune, role, ctx.clock())
    [welcome] = await _send(ctx, user, COMMAND, text=f"/join {code}", sender_name=f"Người {user}")
    assert "Chào mừng" in welcome.text


async def _open_ticket(ctx: BotContext, user: str, commune: str, question: str) -> None:
    """A resident of `commune` asks for a person about `question`."""
    await _send(ctx, user, COMMAND, text="/caidat")
    await _send(ctx, user, BUTTON, payload="st:lang:vi")
    await _send(ctx, user, BUTTON, payload=f"st:commune:{commune}")
    await _send(ctx, user, BUTTON, payload="st:skip")
    await _send(ctx, user, COMMAND, text="/canbo")
    await _send(ctx, user, TEXT, text=question)
    [opened] = await _send(ctx, user, TEXT, text="Bản Ka Oóc")
    assert "#" in opened.text


@pytest.fixture
async def desk(bot: BotContext) -> BotContext:
    """Dân Hóa (with a team group) and Hướng Lập; a volunteer and an officer of Dân Hóa who joined on
    Telegram; one request for a person in each commune."""
    bot.clock = FakeClock(NOW)
    bot.web_url = PUBLIC_URL
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
        await save_commune(session, "huong-lap", "Hướng Lập")
    await _join(bot, VOLUNTEER, "dan-hoa", "volunteer")
    await _join(bot, OFFICER, "dan-hoa", "officer")
    await _open_ticket(bot, RESIDENT, "dan-hoa", "tôi không nhận được tin nhắn kích hoạt")
    await _open_ticket(bot, RESIDENT_ELSEWHERE, "huong-lap", "quên mật khẩu VNeID thì làm sao")
    await _delivered(bot, "nobody")  # the cards and replies so far, out of the way
    return bot


async def _fill_form(client: TestClient, path: str, username: str, password: str, again: str | None = None) -> str:
    """Open the link and submit its form as a browser would; the answer page's text (status checked by caller)."""
    arrived = await client.get(path, allow_redirects=False)
    assert arrived.status == 303 and arrived.headers["Location"] == "/link"
    page = await client.get("/link")
    assert page.status == 200
    fields = {"csrf": csrf_of(await page.text()), "username": username, "password": password}
    answer = await client.post("/link", data={**fields, "password2": password if again is None else again})
    return f"{answer.status} {await answer.text()}"


async def _accounts(ctx: BotContext) -> list[WebAccount]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(WebAccount).order_by(WebAccount.id)))


async def test_a_volunteer_links_a_login_and_sees_their_communes_requests(desk: BotContext) -> None:
    path, text = await _ask_for_link(desk, VOLUNTEER)
    assert "Tạo tài khoản" in text and "15 phút" in text and "một lần" in text
    async with web_client(desk, clock=desk.clock) as client:
        assert (await _fill_form(client, path, "tnv.hoa", PASSWORD)).startswith("200")
        assert await log_in(client, "tnv.hoa", PASSWORD) == 303
        tickets = await (await client.get("/tickets")).text()
    assert "tin nhắn kích hoạt" in tickets and "quên mật khẩu" not in tickets
    [account] = await _accounts(desk)
    async with desk.sessions() as session:
        member = await session.scalar(select(Member).where(Member.external_id == VOLUNTEER))
        [entry] = await session.scalars(select(AuditEntry).where(AuditEntry.action == "account.link"))
    assert member is not None
    assert (account.role, account.commune, account.member_id) == ("volunteer", "dan-hoa", member.id)
    assert (entry.actor, entry.target) == (f"telegram:{VOLUNTEER}", "tnv.hoa")


async def test_a_communes_chat_admin_gets_no_dashboard_admin_rights(desk: BotContext) -> None:
    """A dashboard admin sees every commune and edits the shared FAQ: a chat admin of one commune gets an
    officer's login of that commune instead."""
    await _join(desk, "5009", "dan-hoa", "admin")
    path, _text = await _ask_for_link(desk, "5009")
    async with web_client(desk, clock=desk.clock) as client:
        assert (await _fill_form(client, path, "qt.danhoa", PASSWORD)).startswith("200")
        assert await log_in(client, "qt.danhoa", PASSWORD) == 303
        tickets = await (await client.get("/tickets")).text()
        knowledge = await client.get("/knowledge", allow_redirects=False)
    assert "quên mật khẩu" not in tickets and knowledge.status == 403
    [account] = await _accounts(desk)
    assert (account.role, account.commune) == ("officer", "dan-hoa")


async def test_a_link_works_once(desk: BotContext) -> None:
    path, _text = await _ask_for_link(desk, VOLUNTEER)
    token = path.removeprefix("/link/")
    async with web_client(desk, clock=desk.clock) as client:
        assert (await _fill_form(client, path, "tnv.hoa", PASSWORD)).startswith("200")
        again = await client.get(path, allow_redirects=False)
        gone = await again.text()
        replayed = await client.post(
            "/link",
            data={"csrf": csrf_for(token), "username": "tnv.hai", "password": PASSWORD, "password2": PASSWORD},
            headers={"Cookie": f"caunoi_link={token}"},
        )
    assert again.status == 410 and "hết hạn hoặc đã được dùng" in gone
    assert replayed.status == 410
    assert [a.username for a in await _accounts(desk)] == ["tnv.hoa"]


async def test_a_linked_member_sets_a_new_password_and_is_logged_out_elsewhere(desk: BotContext) -> None:
    path, _text = await _ask_for_link(desk, VOLUNTEER)
    async with web_client(desk, clock=desk.clock) as client:
        await _fill_form(client, path, "tnv.hoa", PASSWORD)
        assert await log_in(client, "tnv.hoa", PASSWORD) == 303
        path, text = await _ask_for_link(desk, VOLUNTEER)
        assert "Đặt mật khẩu mới cho tài khoản tnv.hoa" in text
        async with web_client(desk, clock=desk.clock) as phone:
            assert (await _fill_form(phone, path, "ignored", "mat-khau-thu-hai-2")).startswith("200")
            assert await log_in(phone, "tnv.hoa", PASSWORD) == 401
            assert await log_in(phone, "tnv.hoa", "mat-khau-thu-hai-2") == 303
        logged_out = await client.get("/tickets", allow_redirects=False)
    assert logged_out.status == 303 and logged_out.headers["Location"].startswith("/login")
    assert [(a.username, a.role) for a in await _accounts(desk)] == [("tnv.hoa", "volunteer")]
    async with desk.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["account.link", "account.password"]


async def test_an_expired_link_is_refused_even_with_the_form_open(desk: BotContext) -> None:
    clock = desk.clock
    assert isinstance(clock, FakeClock)
    path, _text = await _ask_for_link(desk, VOLUNTEER)
    async with web_client(desk, clock=clock) as client:
        clock.advance(minutes=14)
        await client.get(path, allow_redirects=False)
        csrf = csrf_of(await (await client.get("/link")).text())
        clock.advance(minutes=1)
        late = await client.post(
            "/link", data={"csrf": csrf, "username": "tnv.hoa", "password": PASSWORD, "password2": PASSWORD}
        )
        reopened = await client.get(path, allow_redirects=False)
    assert late.status == 410 and reopened.status == 410
    assert await _accounts(desk) == []


def _tampered(token: str) -> list[str]:
    member, expires, mac = token.split(".")
    flipped = mac[:10] + ("A" if mac[10] != "A" else "B") + mac[11:]
    return [
        f"{member}.{expires}.{flipped}",  # one character of the signature changed
        f"{int(member) + 1}.{expires}.{mac}",  # the officer's membership, with the volunteer's signature
        f"{member}.{int(expires) + 3600}.{mac}",  # an hour more
        f"{member}.{expires}",
        "not-a-token",
    ]


async def test_forged_and_tampered_links_are_refused(desk: BotContext) -> None:
    path, _text = await _ask_for_link(desk, VOLUNTEER)
    async with desk.sessions() as session:
        member = await session.scalar(select(Member).where(Member.external_id == VOLUNTEER))
    assert member is not None
    forged = issue_token(b"another key, guessed by an attacker", member, None, desk.clock())
    async with web_client(desk, clock=desk.clock) as client:
        for token in [*_tampered(path.removeprefix("/link/")), forged]:
            answer = await client.get(f"/link/{token}", allow_redirects=False)
            assert answer.status == 410, token
            assert "caunoi_link" not in answer.cookies or not answer.cookies["caunoi_link"].value
            posted = await client.post(
                "/link",
                data={"csrf": csrf_for(token), "username": "tnv.gia", "password": PASSWORD, "password2": PASSWORD},
                headers={"Cookie": f"caunoi_link={token}"},
            )
            assert posted.status == 410, token
        assert (await client.get(path, allow_redirects=False)).status == 303  # the real one still works
    assert await _accounts(desk) == []


async def test_a_weak_password_or_a_taken_name_keeps_the_link_usable(desk: BotContext) -> None:
    path, _text = await _ask_for_link(desk, OFFICER)
    async with web_client(desk, clock=desk.clock) as client:
        short = await _fill_form(client, path, "cb.hoa", "ngan")
        mismatch = await _fill_form(client, path, "cb.hoa", PASSWORD, again=PASSWORD + "x")
        done = await _fill_form(client, path, "cb.hoa", PASSWORD)
    assert short.startswith("400") and "ít nhất 10 ký tự" in short
    assert mismatch.startswith("400") and "không giống nhau" in mismatch
    assert done.startswith("200")
    assert [(a.username, a.role) for a in await _accounts(desk)] == [("cb.hoa", "officer")]


@pytest.mark.parametrize("chat", [GROUP, "-100999"])
async def test_a_group_chat_gets_a_hint_and_no_link(desk: BotContext, chat: str) -> None:
    for command in ("/dangnhap", "/web@CauNoiBot"):
        [hint] = await _send(desk, VOLUNTEER, COMMAND, text=command, chat_id=chat)
        assert "tin nhắn riêng" in hint.text and "/link/" not in hint.text
    assert not [text for text in await _delivered(desk, VOLUNTEER) if "/link/" in text]


async def test_a_resident_is_told_it_is_for_team_members(desk: BotContext) -> None:
    [reply] = await _send(desk, RESIDENT, COMMAND, text="/web")
    assert "chỉ dành cho thành viên tổ hỗ trợ" in reply.text
    assert not [text for text in await _delivered(desk, RESIDENT) if "/link/" in text]


async def test_without_a_public_address_the_bot_says_the_dashboard_is_not_set_up(desk: BotContext) -> None:
    desk.web_url = ""
    [reply] = await _send(desk, VOLUNTEER, COMMAND, text="/dangnhap")
    assert "chưa có địa chỉ công khai" in reply.text
    assert await _delivered(desk, VOLUNTEER) == []


async def test_the_token_is_in_no_table_and_no_log_line(desk: BotContext) -> None:
    """Tables are scanned once the link is used; log lines are read as the bot writes them, through its
    redacting formatter, with even the web server's access log on (it does see the link's path)."""
    written, raw = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(written), logging.StreamHandler(raw)]
    handlers[0].setFormatter(RedactingFormatter("%(name)s: %(message)s"))
    root, access = logging.getLogger(), logging.getLogger("aiohttp.access")  # access: quiet in production
    levels = root.level, access.level
    root.setLevel(logging.DEBUG)
    access.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    try:
        path, _text = await _ask_for_link(desk, VOLUNTEER)
        async with web_client(desk, clock=desk.clock) as client:
            assert (await _fill_form(client, path, "tnv.hoa", PASSWORD)).startswith("200")
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(levels[0])
        access.setLevel(levels[1])
    signature = path.rsplit(".", 1)[1]
    async with desk.sessions() as session:
        rows = [
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in (await session.execute(select(table))).all()
        ]
    assert len(rows) > 20 and any("tnv.hoa" in row for row in rows)  # the scan does read the data
    assert not [row for row in rows if signature in row]
    assert signature in raw.getvalue() and "GET /link/[redacted]" in written.getvalue()
    assert signature not in written.getvalue()
