"""/stats for commune admins, through the real router and database: the numbers are the dashboard's
(`core.stats.overview`) for the admin's communes, today and the last 7 local days; anyone else is refused."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from core.helpdesk.communes import save_commune
from core.helpdesk.members import create_invite
from core.language.i18n import translator
from core.messages import BUTTON, COMMAND, TEXT, Inbound, Outbound
from core.stats.overview import Overview, overview
from core.stats.period import Scope
from handlers import stats
from handlers.context import BotContext
from handlers.router import command_menu, handle
from tests.fixtures import FakeClock, telegram_team

GROUP = "-100700"
ADMIN = "5001"
VOLUNTEER = "5002"
OFFICER = "5003"
RESIDENT_A = "6001"
RESIDENT_B = "6002"
RESIDENT_ELSEWHERE = "6003"
# 09:00 in Quảng Trị (UTC+7) on 30 November: the admin's "today".
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
WEEK_START = date(2026, 11, 24)

_counter = iter(range(1, 1_000_000))


async def _send(ctx: BotContext, user: str, kind: str, **fields: object) -> list[Outbound]:
    """One event in a private chat with the bot on Telegram, at the bot's (fake) time."""
    inbound = Inbound("telegram", user, kind, platform_msg_id=str(next(_counter)), received_at=ctx.clock(), **fields)  # type: ignore[arg-type]
    return await handle(ctx, inbound)


async def _ask(ctx: BotContext, user: str, text: str) -> list[str]:
    """A typed question; the payloads of the reply's buttons."""
    replies = await _send(ctx, user, TEXT, text=text)
    assert replies
    return [button.data for reply in replies for button in reply.choices()]


def _feedback(payloads: list[str], value: str) -> str:
    [payload] = [p for p in payloads if p.startswith(f"fb:{value}:")]
    return payload


async def _stats(ctx: BotContext, user: str) -> str:
    [reply] = await _send(ctx, user, COMMAND, text="/stats")
    return reply.text


async def _choose_commune(ctx: BotContext, user: str, slug: str) -> None:
    """The resident picks their commune in /caidat, as a resident does (the last press is logged with it)."""
    await _send(ctx, user, COMMAND, text="/caidat")
    await _send(ctx, user, BUTTON, payload="st:lang:vi")
    await _send(ctx, user, BUTTON, payload=f"st:commune:{slug}")
    [saved] = await _send(ctx, user, BUTTON, payload="st:skip")
    assert "Đã lưu" in saved.text


async def _join(ctx: BotContext, user: str, commune: str, role: str) -> None:
    async with ctx.sessions() as session, session.begin():
        code = await create_invite(session, commune, role, ctx.clock())
    [welcome] = await _send(ctx, user, COMMAND, text=f"/join {code}", sender_name=f"Người {user}")
    assert "Chào mừng" in welcome.text


@pytest.fixture
async def desk(bot: BotContext) -> BotContext:
    """Two communes; members of Dân Hóa who joined with invite codes; residents who chose their commune
    eight days ago, then wrote: Dân Hóa's residents 9 messages today (6 typed, one answer marked 👎, one
    request for a person answered after 30 minutes, closed and rated 4) and 2 three days ago (a question
    and its 👍; plus one 7 days ago, outside the week); Hướng Lập's resident 3 questions today."""
    clock = FakeClock(NOW - timedelta(days=8))
    bot.clock = clock
    async with bot.sessions() as session, session.begin():
        await save_commune(session, "dan-hoa", "Dân Hóa", team=telegram_team(GROUP), is_default=True)
        await save_commune(session, "huong-lap", "Hướng Lập")
    for person, role in ((ADMIN, "admin"), (VOLUNTEER, "volunteer"), (OFFICER, "officer")):
        await _join(bot, person, "dan-hoa", role)
    await _choose_commune(bot, RESIDENT_A, "dan-hoa")
    await _choose_commune(bot, RESIDENT_B, "dan-hoa")
    await _choose_commune(bot, RESIDENT_ELSEWHERE, "huong-lap")

    clock.now = NOW - timedelta(days=7)  # the day before the 7 days
    await _ask(bot, RESIDENT_A, "làm định danh điện tử ở đâu")
    clock.now = NOW - timedelta(days=3)
    answered = await _ask(bot, RESIDENT_A, "làm định danh điện tử ở đâu")
    await _send(bot, RESIDENT_A, BUTTON, payload=_feedback(answered, "up"))

    clock.now = NOW
    answered = await _ask(bot, RESIDENT_A, "làm định danh điện tử ở đâu")  # 1
    await _send(bot, RESIDENT_A, BUTTON, payload=_feedback(answered, "down"))  # 2
    await _ask(bot, RESIDENT_A, "con trâu nhà tôi bị ốm")  # 3
    await _ask(bot, RESIDENT_A, "xyzzy plugh frobozz")  # 4
    await _ask(bot, RESIDENT_B, "quên mật khẩu VNeID thì làm sao")  # 5
    await _send(bot, RESIDENT_B, COMMAND, text="/canbo")  # 6
    await _ask(bot, RESIDENT_B, "tôi không nhận được tin nhắn kích hoạt")  # 7
    [opened] = await _send(bot, RESIDENT_B, TEXT, text="Bản Ka Oóc")  # 8
    assert "#1" in opened.text
    for text in ("làm định danh điện tử ở đâu", "cần mang giấy tờ gì", "quên mật khẩu"):
        await _ask(bot, RESIDENT_ELSEWHERE, text)

    clock.advance(minutes=30)
    entry = next(iter(bot.knowledge.entries))
    [sent] = await _send(bot, VOLUNTEER, BUTTON, payload=f"tv:send:1:{entry}")
    assert "Đã gửi" in sent.text
    [closed] = await _send(bot, VOLUNTEER, BUTTON, payload="tv:close:1")
    assert "Đã đóng" in closed.text
    [thanks] = await _send(bot, RESIDENT_B, BUTTON, payload="rt:1:4")  # 9
    assert "Cảm ơn" in thanks.text
    return bot


async def _overview(ctx: BotContext, start: date, communes: tuple[str, ...]) -> Overview:
    async with ctx.sessions() as session:
        return await overview(session, Scope(start, TODAY, communes))


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def _expected_period(numbers: Overview) -> list[str]:
    """The lines of one period, written out from the overview's numbers."""
    m, t = numbers.messages, numbers.tickets
    lines = [f"• Tin nhắn: {m['messages']} · người dân: {m['residents']}"]
    if m["questions"]:
        lines += [
            f"• Bot trả lời ngay: {m['answered']}/{m['questions']} câu hỏi ({_percent(numbers.share('answered'))})",
            f"• Hỏi lại cho rõ: {_percent(numbers.share('clarified'))}"
            f" · chuyển cho người: {_percent(numbers.share('escalated'))}",
            f"• Chưa trả lời được: {m['unanswered']}",
        ]
    else:
        lines.append("• Chưa có câu hỏi gõ chữ.")
    lines.append(f"• Yêu cầu gặp người: mở {t.opened} · đóng {t.closed}")
    assert t.first_response.median == 30 * 60  # the one request, answered after 30 minutes
    lines.append("• Chờ người trả lời (trung vị): 30 phút")
    assert t.rating_mean == 4 and t.rating_count == 1
    lines.append("• Đánh giá: 4,0/5 (1 lượt)")
    lines.append(f"• Bot được chấm: 👍 {m['feedback_up']} · 👎 {m['feedback_down']}")
    return lines


async def test_an_admin_gets_the_dashboard_numbers_of_today_and_the_last_7_days(desk: BotContext) -> None:
    text = await _stats(desk, ADMIN)
    today = await _overview(desk, TODAY, ("dan-hoa",))
    week = await _overview(desk, WEEK_START, ("dan-hoa",))
    assert text.split("\n") == [
        "📊 Số liệu xã Dân Hóa",
        "",
        "Hôm nay (30/11)",
        *_expected_period(today),
        "",
        "7 ngày qua (24/11–30/11)",
        *_expected_period(week),
        "",
        "Xem thêm trên trang quản trị.",
    ]
    # What the residents of Dân Hóa sent, counted by hand: the other commune's messages are not in it,
    # nor the one of 7 days ago, nor the members' commands.
    assert (today.messages["messages"], today.messages["residents"], today.messages["questions"]) == (9, 2, 6)
    assert (week.messages["messages"], week.messages["residents"], week.messages["questions"]) == (11, 2, 7)
    assert (today.tickets.opened, today.tickets.closed) == (1, 1)
    assert "• Tin nhắn: 9 · người dân: 2" in text and "• Tin nhắn: 11 · người dân: 2" in text
    assert "• Bot được chấm: 👍 0 · 👎 1" in text and "• Bot được chấm: 👍 1 · 👎 1" in text


async def test_another_communes_messages_are_not_in_the_admins_numbers(desk: BotContext) -> None:
    everywhere = await _overview(desk, TODAY, ("dan-hoa", "huong-lap"))
    assert everywhere.messages["messages"] == 9 + 3  # the other commune did write today
    text = await _stats(desk, ADMIN)
    assert "Hướng Lập" not in text
    assert "• Tin nhắn: 9 · người dân: 2" in text and "• Tin nhắn: 11 · người dân: 2" in text  # today, 7 days


async def test_an_admin_of_two_communes_gets_both_together_and_one_line_each(desk: BotContext) -> None:
    await _join(desk, ADMIN, "huong-lap", "admin")
    lines = (await _stats(desk, ADMIN)).split("\n")
    both = await _overview(desk, TODAY, ("dan-hoa", "huong-lap"))
    assert lines[0] == "📊 Số liệu 2 xã: Dân Hóa, Hướng Lập"
    assert lines[3] == f"• Tin nhắn: {both.messages['messages']} · người dân: {both.messages['residents']}"
    assert both.messages["messages"] == 12 and both.messages["residents"] == 3
    at = lines.index("Theo xã, 7 ngày qua:")
    dan_hoa = await _overview(desk, WEEK_START, ("dan-hoa",))
    huong_lap = await _overview(desk, WEEK_START, ("huong-lap",))
    assert lines[at + 1 : at + 3] == [
        f"• Dân Hóa: 11 tin nhắn · bot trả lời ngay {_percent(dan_hoa.share('answered'))} · 1 yêu cầu",
        f"• Hướng Lập: 3 tin nhắn · bot trả lời ngay {_percent(huong_lap.share('answered'))} · 0 yêu cầu",
    ]
    assert lines[-1] == "Xem thêm trên trang quản trị."


@pytest.mark.parametrize("person", [RESIDENT_A, RESIDENT_ELSEWHERE, VOLUNTEER, OFFICER, "9999"])
async def test_everyone_but_an_admin_is_refused_without_numbers(desk: BotContext, person: str) -> None:
    text = await _stats(desk, person)
    assert "chỉ dành cho quản trị xã" in text
    assert not re.search(r"\d", text) and "Tin nhắn" not in text


async def test_stats_is_not_in_the_menu_nor_answered_in_the_team_chat(desk: BotContext) -> None:
    assert "stats" not in [name for name, _text in command_menu()]
    in_group = await _send(desk, ADMIN, COMMAND, text="/stats", chat_id=GROUP)
    assert in_group == []


async def test_an_admin_with_a_quiet_commune_gets_zeros_and_dashes(desk: BotContext) -> None:
    async with desk.sessions() as session, session.begin():
        await save_commune(session, "a-luoi", "A Lưới")
    await _join(desk, "5100", "a-luoi", "admin")
    lines = (await _stats(desk, "5100")).split("\n")
    assert lines[:10] == [
        "📊 Số liệu xã A Lưới",
        "",
        "Hôm nay (30/11)",
        "• Tin nhắn: 0 · người dân: 0",
        "• Chưa có câu hỏi gõ chữ.",
        "• Yêu cầu gặp người: mở 0 · đóng 0",
        "• Chờ người trả lời (trung vị): chưa có",
        "• Đánh giá: chưa có",
        "• Bot được chấm: 👍 0 · 👎 0",
        "",
    ]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (None, "chưa có"),
        (0, "0 giây"),
        (45.4, "45 giây"),
        (59.6, "1 phút"),
        (12 * 60 + 10, "12 phút"),
        (60 * 60, "1 giờ"),
        (2 * 3600 + 5 * 60, "2 giờ 5 phút"),
        (47 * 3600 + 59 * 60, "47 giờ 59 phút"),
        (48 * 3600, "2 ngày"),
        (3 * 86400 + 4 * 3600 + 10 * 60, "3 ngày 4 giờ"),
    ],
)
def test_waiting_times_are_in_plain_words(seconds: float | None, words: str) -> None:
    assert stats.duration(translator("vi"), seconds) == words


def test_the_numbers_speak_the_admins_language() -> None:
    assert stats.decimal(translator("vi"), 4.5) == "4,5" and stats.decimal(translator("en"), 4.5) == "4.5"
    assert stats.duration(translator("en"), 2 * 3600 + 5 * 60) == "2 h 5 min"
