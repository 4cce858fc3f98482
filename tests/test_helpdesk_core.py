"""The restructured core, from outside: the dialog registry, payloads, dialogs that leave each other
alone, requests for a person that always become visible tickets, a message log of residents only,
and an outbox woken by commits (in-process, and across processes on PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from conversations.dialog import Command, Dialog, Turn
from core.database import create_engine, session_factory
from core.delivery import worker as worker_module
from core.delivery.outbox import enqueue_all, watch_commits
from core.delivery.sender import Capabilities, Undeliverable
from core.delivery.worker import OutboxWorker
from core.helpdesk import workflow
from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite, redeem_invite
from core.helpdesk.tickets import all_tickets
from core.helpdesk.users import get_or_create_user
from core.messages import BUTTON, COMMAND, TEXT, Address, Inbound, Outbound
from core.payloads import MAX_BYTES, PayloadError, pack
from handlers.context import BotContext
from handlers.jobs import on_delivery_failure
from handlers.registry import DIALOGS, build_registry
from handlers.router import handle
from models import MessageLog, OutboxMessage, Ticket, User
from models.base import utcnow
from tests.fixtures import queue_message, telegram_team

GROUP = "-100700"
_ids = count(1)


async def _say(ctx: BotContext, user: str, kind: str = TEXT, **fields: object) -> list[Outbound]:
    inbound = Inbound("telegram", user, kind, platform_msg_id=f"h{next(_ids)}", **fields)  # type: ignore[arg-type]
    return await handle(ctx, inbound)


async def _nothing(turn: Turn) -> list[Outbound]:
    return []


def test_the_registry_refuses_a_prefix_or_command_declared_twice() -> None:
    build_registry()  # the shipped dialogs are consistent
    with pytest.raises(PayloadError):
        build_registry([*DIALOGS, Dialog("copy", prefixes=("ck",))])
    with pytest.raises(ValueError, match="/menu"):
        build_registry([*DIALOGS, Dialog("copy", commands=(Command("menu", "again", _nothing),))])


def test_payloads_are_checked_in_one_place() -> None:
    assert pack("tv", "claim", 12) == "tv:claim:12"
    with pytest.raises(PayloadError):
        pack("tv", "send", 1, "x" * MAX_BYTES)
    with pytest.raises(PayloadError):
        pack("faq", "a:b")


async def test_opening_a_ticket_does_not_erase_a_running_checklist(bot: BotContext) -> None:
    [first] = await _say(bot, "r1", BUTTON, payload="ck:start")
    age = first.choices()[1].data
    [second] = await _say(bot, "r1", BUTTON, payload=age)
    assert "thẻ căn cước" in second.text
    await _say(bot, "r1", COMMAND, text="/canbo")
    await _say(bot, "r1", TEXT, text="con tôi chưa có thẻ")
    await _say(bot, "r1", TEXT, text="bản Ka Ai")
    await _say(bot, "r1", BUTTON, payload="es:back")
    [resumed] = await _say(bot, "r1", BUTTON, payload="ck:resume")
    assert resumed.text == second.text  # the checklist is still at its second question


async def test_with_no_commune_a_request_for_a_person_is_a_ticket_and_the_resident_is_told_so(
    bot: BotContext,
) -> None:
    await _say(bot, "r2", COMMAND, text="/canbo")
    await _say(bot, "r2", TEXT, text="tôi quên mật khẩu VNeID")
    [opened] = await _say(bot, "r2", TEXT, text="bản Ka Ai")
    assert "#1" in opened.text and "chưa được nối" in opened.text
    async with bot.sessions() as session:
        [ticket] = await all_tickets(session, open_only=True)
    assert ticket.commune is None and ticket.team_chat_id is None and "mật khẩu" in ticket.summary


async def test_without_a_team_the_ticket_waits_in_the_queue_admins_see(bot: BotContext) -> None:
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", is_default=True)
        code = await create_invite(session, "dan-hoa", "admin", utcnow())
    await _say(bot, "admin-1", COMMAND, text=f"/join {code}")
    await _say(bot, "r3", COMMAND, text="/canbo xin gọi lại cho tôi")
    [opened] = await _say(bot, "r3", TEXT, text="bản Ka Ai")
    assert "Dân Hóa chưa nối" in opened.text
    [listing] = await _say(bot, "admin-1", COMMAND, text="/queue")
    assert "#1" in listing.text
    async with bot.sessions() as session:
        posted = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert posted == 0  # nobody was pretended to


async def test_chatter_in_a_team_chat_is_not_logged_as_residents_questions(bot: BotContext) -> None:
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
    assert await _say(bot, "volunteer-9", TEXT, text="đi họp lúc 3h nhé", chat_id=GROUP) == []
    await _say(bot, "r4", TEXT, text="làm định danh ở đâu")
    async with bot.sessions() as session:
        people = list(await session.scalars(select(User.external_id)))
        rows = list(await session.scalars(select(MessageLog)))
    assert people == ["r4"]
    assert {(r.chat_kind, r.commune) for r in rows} == {("private", None)} and len(rows) == 2


async def test_a_commit_that_queued_messages_wakes_the_outbox_and_no_other(bot: BotContext) -> None:
    woken: list[int] = []
    stop = watch_commits(bot.sessions, lambda: woken.append(1))
    try:
        async with bot.sessions() as session, session.begin():
            await queue_message(session, "test", "42", Outbound("một"))
        assert len(woken) == 1
        async with bot.sessions() as session, session.begin():
            await session.execute(select(1))
        with pytest.raises(RuntimeError):
            async with bot.sessions() as session, session.begin():
                await queue_message(session, "test", "42", Outbound("hai"))
                raise RuntimeError("rolled back")
        async with bot.sessions() as session, session.begin():
            await session.execute(select(1))
        assert len(woken) == 1
    finally:
        stop()


class _Recorder:
    capabilities = Capabilities(label="test")

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.failures = 0

    async def deliver(self, chat_id: str, message: Outbound, *, thread_id: int | None = None) -> str | None:
        if message.text == "lỗi":
            self.failures += 1
            raise RuntimeError("a bug in the sender")
        self.arrived.set()
        return "1"


async def test_another_process_commit_wakes_the_worker_on_postgresql(
    bot: BotContext, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    monkeypatch.setattr(worker_module, "IDLE_WAKE_SECONDS", 3600.0)  # without a notification: an hour
    sender = _Recorder()
    worker = OutboxWorker(bot.sessions, {"test": sender}, lease=timedelta(hours=3))
    running = asyncio.create_task(worker.run())
    try:
        await worker.drain()
        other = create_engine(database_url)  # another process's engine: no in-process wake-up
        try:
            async with session_factory(other)() as session, session.begin():
                await queue_message(session, "test", "42", Outbound("từ tiến trình khác"))
        finally:
            await other.dispose()
        await asyncio.wait_for(sender.arrived.wait(), 60)
    finally:
        worker.stop()
        await running


async def test_a_sender_bug_is_retried_not_given_up_at_once(bot: BotContext) -> None:
    sender = _Recorder()
    worker = OutboxWorker(bot.sessions, {"test": sender})
    async with bot.sessions() as session, session.begin():
        await queue_message(session, "test", GROUP, Outbound("lỗi"), purpose="anchor", ticket=1)
    await worker.drain()
    async with bot.sessions() as session:
        row = await session.scalar(select(OutboxMessage))
    assert row is not None and sender.failures == 1
    assert row.status == "pending" and row.attempts == 1 and "RuntimeError" in (row.last_error or "")


class _GroupRefuses(_Recorder):
    """A platform where the team's group has removed the bot."""

    async def deliver(self, chat_id: str, message: Outbound, *, thread_id: int | None = None) -> str | None:
        if chat_id == GROUP:
            raise Undeliverable("bot was kicked from the group")
        return await super().deliver(chat_id, message, thread_id=thread_id)


async def test_a_card_the_team_never_got_is_shown_to_the_communes_admins(bot: BotContext) -> None:
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=Address("test", GROUP, group=True), is_default=True)
        code = await create_invite(session, "dan-hoa", "admin", utcnow())
        await redeem_invite(session, code, "test", "admin-1", "Chị Lan", utcnow())
        resident = await get_or_create_user(session, "test", "r5")
        opened = await workflow.open_request(session, bot.desk, resident, problem="xin gọi lại", reason="asked")
        await enqueue_all(session, opened.outgoing)
    worker = OutboxWorker(bot.sessions, {"test": _GroupRefuses()}, on_failure=on_delivery_failure)
    await worker.drain()
    async with bot.sessions() as session:
        ticket = await session.get(Ticket, opened.ticket.id)
        to_admin = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == "admin-1")))
    assert ticket is not None and ticket.delivery_problem is not None and "kicked" in ticket.delivery_problem
    assert len(to_admin) == 1 and to_admin[0].status == "sent"
