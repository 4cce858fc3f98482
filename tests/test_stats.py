"""Statistics from a known history: every number of /api/stats, the overview page and both CSVs,
on SQLite and PostgreSQL, with local (Vietnam) day boundaries."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.helpdesk.communes import save_commune
from handlers.context import BotContext
from models import MessageLog, Ticket, User
from tests.dashboard import log_in, make_account, web_client
from tests.fixtures import say

VN = timedelta(hours=7)
PERIOD = "from=2026-11-02&to=2026-11-03"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in Vietnamese local time (November 2026), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - VN


async def _history(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Four residents in two communes over two local days, plus messages just outside the period."""
    async with sessions() as session, session.begin():
        await save_commune(session, "xa-a", "Xã A")
        await save_commune(session, "xa-b", "Xã B")
        users = [
            User(channel="telegram", external_id=str(n), commune=commune, village=village, language=lang)
            for n, (commune, village, lang) in enumerate(
                [("xa-a", "Bản Một", "vi"), ("xa-a", None, "vi"), ("xa-b", None, "en"), ("xa-b", None, "vi")]
            )
        ]
        session.add_all(users)
        await session.flush()
        one, two, three, four = (u.id for u in users)

        def msg(user: int, at: datetime, kind: str = "text", **values: object) -> MessageLog:
            user_row = users[[u.id for u in users].index(user)]
            return MessageLog(
                user_id=user,
                channel="zalo" if user == two else "telegram",
                direction="in",
                chat_kind="private",
                commune=user_row.commune,
                village=user_row.village,
                language=user_row.language,
                kind=kind,
                created_at=at,
                **values,
            )

        session.add_all(
            [
                msg(one, local(2, 8), action="answer", intent="forgot_password", feedback="up"),
                msg(one, local(2, 8, 5), action="answer", intent="forgot_password"),
                msg(one, local(2, 8, 6), kind="button", action="answer", intent="forgot_password"),
                msg(one, local(2, 9), action="clarify"),
                msg(two, local(2, 10), action="escalate"),  # not understood
                msg(two, local(2, 10, 1), action="escalate", intent="human"),  # asked for a person
                msg(three, local(3, 11), action="answer", intent="activate_account", feedback="down"),
                msg(three, local(3, 11, 1), kind="command"),
                msg(four, local(3, 23, 59), action="answer", intent="activate_account"),
                msg(four, local(1, 23, 30), action="answer", intent="old_id_cards"),  # the day before
                msg(four, local(4, 0, 0), action="answer", intent="old_id_cards"),  # the day after
                MessageLog(user_id=one, channel="telegram", direction="out", text_masked="x", created_at=local(2, 8)),
            ]
        )

        def ticket(user: int, commune: str, opened: datetime, **values: object) -> Ticket:
            return Ticket(user_id=user, commune=commune, channel="telegram", created_at=opened, **values)

        session.add_all(
            [
                ticket(
                    one,
                    "xa-a",
                    local(2, 8),
                    first_response_at=local(2, 8, 2),
                    closed_at=local(2, 9),
                    rating=5,
                    status="closed",
                ),
                ticket(
                    two,
                    "xa-a",
                    local(2, 9),
                    first_response_at=local(2, 9, 10),
                    closed_at=local(3, 9),
                    rating=3,
                    status="closed",
                ),
                ticket(three, "xa-b", local(3, 7), first_response_at=local(3, 7, 5)),
                ticket(four, "xa-a", local(1, 7) - timedelta(days=2), closed_at=local(2, 12), status="closed"),
            ]
        )


EXPECTED_ALL = {
    "messages": 9,
    "residents": 4,
    "questions": 7,
    "answered": 4,
    "clarified": 1,
    "escalated": 2,
    "unanswered": 3,
    "feedback": {"up": 1, "down": 1},
    "tickets": {"opened": 3, "closed": 3},
    "first_response_seconds": {"median": 300.0, "p90": 540.0},
    "resolution_seconds": {"median": 45000.0, "p90": 78120.0},
}


async def test_api_stats_counts_a_known_history(bot: BotContext) -> None:
    await _history(bot.sessions)
    await make_account(bot.sessions, "admin", "admin", "xa-a")
    await make_account(bot.sessions, "tnv-b", "volunteer", "xa-b")
    async with web_client(bot) as client:
        await log_in(client, "admin")
        every = await (await client.get(f"/api/stats?{PERIOD}")).json()
        for key, value in EXPECTED_ALL.items():
            assert every[key] == value, key
        assert every["rating"] == {"count": 2, "mean": 4.0, "distribution": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}}
        assert every["top_intents"] == [
            {"intent": "activate_account", "count": 2},
            {"intent": "forgot_password", "count": 2},
        ]
        assert every["rates"] == {
            "containment": round(4 / 7, 4),
            "clarification": round(1 / 7, 4),
            "handover": round(2 / 7, 4),
            "feedback_up": 0.5,
        }
        assert [(d["day"], d["messages"]) for d in every["daily"]] == [("2026-11-02", 6), ("2026-11-03", 3)]
        assert every["villages"][0] == {
            "village": "",
            **{k: every["villages"][0][k] for k in every["villages"][0] if k != "village"},
        }
        assert {v["village"]: v["messages"] for v in every["villages"]} == {"": 5, "Bản Một": 4}

        a = await (await client.get(f"/api/stats?{PERIOD}&commune=xa-a")).json()
        assert (a["messages"], a["residents"], a["questions"], a["answered"]) == (6, 2, 5, 2)
        assert a["tickets"] == {"opened": 2, "closed": 3}
        assert a["first_response_seconds"] == {"median": 360.0, "p90": 552.0}

        zalo = await (await client.get(f"/api/stats?{PERIOD}&channel=zalo")).json()
        assert (zalo["messages"], zalo["escalated"], zalo["answered"]) == (2, 2, 0)
        english = await (await client.get(f"/api/stats?{PERIOD}&language=en")).json()
        assert (english["messages"], english["feedback"]) == (2, {"up": 0, "down": 1})

        one_day = await (await client.get("/api/stats?from=2026-11-03&to=2026-11-03")).json()
        assert one_day["messages"] == 3 and one_day["tickets"] == {"opened": 1, "closed": 1}
    async with web_client(bot) as client:
        await log_in(client, "tnv-b")
        b = await (await client.get(f"/api/stats?{PERIOD}")).json()
        assert (b["messages"], b["residents"], b["tickets"]["opened"]) == (3, 2, 1)


async def test_the_page_and_the_csvs_show_the_same_numbers_as_the_api(bot: BotContext) -> None:
    await _history(bot.sessions)
    await make_account(bot.sessions, "admin", "admin")
    async with web_client(bot) as client:
        await log_in(client, "admin")
        api = await (await client.get(f"/api/stats?{PERIOD}")).json()
        page = await (await client.get(f"/?{PERIOD}")).text()
        shown = dict(re.findall(r'data-stat="([a-z-]+)">([^<]*)', page))
        for name in ("messages", "residents", "questions", "answered", "clarified", "escalated", "unanswered"):
            assert shown[name].split()[0] == str(api[name]), name
        assert shown["tickets"] == f"{api['tickets']['opened']} / {api['tickets']['closed']}"
        assert shown["first-response"] == "5 phút · 9 phút"
        assert page.count("<svg") == 5 and "<table>" in page

        daily = list(csv.DictReader(io.StringIO(await (await client.get(f"/export/daily.csv?{PERIOD}")).text())))
        rows = {(r["day"], r["commune"]): r for r in daily}
        assert set(rows) == {("2026-11-02", "xa-a"), ("2026-11-03", "xa-a"), ("2026-11-03", "xa-b")}
        assert sum(int(r["messages"]) for r in daily) == api["messages"]
        assert sum(int(r["answered"]) for r in daily) == api["answered"]
        assert sum(int(r["tickets_opened"]) for r in daily) == api["tickets"]["opened"]
        assert sum(int(r["tickets_closed"]) for r in daily) == api["tickets"]["closed"]
        assert (rows[("2026-11-02", "xa-a")]["tickets_closed"], rows[("2026-11-03", "xa-a")]["messages"]) == ("2", "0")

        response = await client.get(f"/export/tickets.csv?{PERIOD}")
        assert response.headers["Content-Disposition"].startswith("attachment;")
        tickets = list(csv.DictReader(io.StringIO(await response.text())))
        assert len(tickets) == api["tickets"]["opened"]
        assert sorted(r["rating"] for r in tickets) == ["", "3", "5"]
        assert [r["first_response_seconds"] for r in tickets] == ["120.0", "600.0", "300.0"]
        assert all("text" not in column and "summary" not in column for column in tickets[0])


async def test_messages_the_bot_really_handled_are_counted_as_it_answered_them(bot: BotContext) -> None:
    """No hand-made rows: residents talk to the bot, and the numbers follow what it did."""
    questions = ["quên mật khẩu vneid thì làm sao", "xin chao", "asdkjh qwe zzz", "cho gặp cán bộ"]
    actions = []
    for n, text in enumerate(questions):
        replies = await say(bot, text, user=f"resident-{n % 2}")
        actions.append(next(r.action for r in replies if r.action))
    await make_account(bot.sessions, "admin", "admin")
    async with web_client(bot) as client:
        await log_in(client, "admin")
        numbers = await (await client.get("/api/stats")).json()
    assert numbers["messages"] == numbers["questions"] == len(questions)
    assert numbers["residents"] == 2
    assert numbers["answered"] == actions.count("answer") >= 1
    assert numbers["escalated"] == actions.count("escalate") >= 1
    assert numbers["clarified"] == actions.count("clarify")
