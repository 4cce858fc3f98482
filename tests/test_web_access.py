"""Dashboard access from outside: login, sessions, CSRF, throttling, roles, API tokens, headers."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from core.access.sessions import create_api_token
from handlers.context import BotContext
from models import LoginFailure, WebAccount, WebSession
from tests.dashboard import PASSWORD, csrf_of, log_in, make_account, web_client
from tests.fixtures import FakeClock
from web.security import CONTENT_SECURITY_POLICY, safe_next
from web.server import build_web_app


async def test_anonymous_visitors_are_sent_to_login_and_the_api_answers_401(bot: BotContext) -> None:
    async with web_client(bot) as client:
        page = await client.get("/?from=2026-11-01", allow_redirects=False)
        assert page.status == 303
        location = urlsplit(page.headers["Location"])
        assert location.path == "/login" and parse_qs(location.query)["next"] == ["/?from=2026-11-01"]
        for path in ("/api/stats", "/export/tickets.csv", "/export/daily.csv"):
            assert (await client.get(path)).status == 401, path
        assert (await client.post("/logout", allow_redirects=False)).status == 303  # to /login, nothing done


async def test_login_sets_a_session_cookie_that_is_httponly_lax_and_expires(bot: BotContext) -> None:
    await make_account(bot.sessions, "chi-lan", "admin")
    async with web_client(bot, secure=True) as client:
        page = await client.get("/login")
        login_cookie = page.cookies["caunoi_login"]
        assert login_cookie["httponly"] and login_cookie["secure"]
        response = await client.post(  # over plain http the Secure cookie is not sent back by itself
            "/login",
            data={"csrf": csrf_of(await page.text()), "username": "Chi-Lan", "password": PASSWORD, "next": "/"},
            cookies={"caunoi_login": login_cookie.value},
            allow_redirects=False,
        )
        assert response.status == 303
        cookie = response.cookies["caunoi_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["secure"]
        assert int(cookie["max-age"]) == 12 * 3600
    async with bot.sessions() as session:
        stored = list(await session.scalars(select(WebSession.token_hash)))
    assert stored and cookie.value not in stored  # only a digest is kept


async def test_login_needs_the_forms_csrf_value_and_the_right_password(bot: BotContext) -> None:
    await make_account(bot.sessions, "chi-lan", "admin")
    async with web_client(bot) as client:
        await client.get("/login")
        forged = await client.post("/login", data={"username": "chi-lan", "password": PASSWORD, "csrf": "x"})
        assert forged.status == 403
        assert await log_in(client, "chi-lan", "sai-mat-khau-roi") == 401
        assert await log_in(client, "khong-co-ai") == 401
        assert (await client.get("/", allow_redirects=False)).status == 303
        assert await log_in(client, "chi-lan") == 303
        home = await client.get("/", allow_redirects=False)
        assert home.status == 200 and "Tổng quan" in await home.text()


async def test_a_second_login_page_or_an_icon_request_does_not_spoil_the_first_form(bot: BotContext) -> None:
    """A browser asks for /favicon.ico unprompted (sent to /login while anonymous) and people open two
    tabs: the first form must still log in."""
    await make_account(bot.sessions, "chi-lan", "admin")
    async with web_client(bot) as client:
        first_form = csrf_of(await (await client.get("/login")).text())
        await client.get("/favicon.ico")
        await client.get("/login")
        signed_in = await client.post(
            "/login", data={"csrf": first_form, "username": "chi-lan", "password": PASSWORD}, allow_redirects=False
        )
        assert signed_in.status == 303


async def test_five_wrong_passwords_lock_the_account_for_a_while_even_with_the_right_one(bot: BotContext) -> None:
    await make_account(bot.sessions, "chi-lan", "admin")
    clock = FakeClock(datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    async with web_client(bot, clock=clock) as client:
        for _ in range(5):
            assert await log_in(client, "chi-lan", "doan-bua-mot-cai") == 401
        assert await log_in(client, "chi-lan") == 429
        clock.advance(minutes=16)
        assert await log_in(client, "chi-lan") == 303
    async with bot.sessions() as session:
        keys = list(await session.scalars(select(LoginFailure.key)))
    assert all("chi-lan" not in key and "127.0.0.1" not in key for key in keys)  # names and addresses hashed


async def test_many_failures_from_one_address_throttle_every_account_from_it(bot: BotContext) -> None:
    await make_account(bot.sessions, "chi-lan", "admin")
    async with web_client(bot) as client:
        for n in range(20):
            assert await log_in(client, f"thu-ten-{n}", "doan-bua-mot-cai") == 401
        assert await log_in(client, "chi-lan") == 429


async def test_a_session_ends_at_logout_when_idle_and_after_its_lifetime(bot: BotContext) -> None:
    await make_account(bot.sessions, "chi-lan", "admin")
    clock = FakeClock(datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    async with web_client(bot, clock=clock) as client:
        assert await log_in(client, "chi-lan") == 303
        clock.advance(hours=1, minutes=59)
        assert (await client.get("/", allow_redirects=False)).status == 200
        clock.advance(hours=2, minutes=1)
        assert (await client.get("/", allow_redirects=False)).status == 303  # idle too long
        assert await log_in(client, "chi-lan") == 303
        for _ in range(7):
            clock.advance(hours=1, minutes=50)
            await client.get("/", allow_redirects=False)
        assert (await client.get("/", allow_redirects=False)).status == 303  # past 12 hours
        assert await log_in(client, "chi-lan") == 303
        home = await client.get("/")
        without_token = await client.post("/logout", data={}, allow_redirects=False)
        assert without_token.status == 403
        out = await client.post("/logout", data={"csrf": csrf_of(await home.text())}, allow_redirects=False)
        assert out.status == 303 and out.headers["Location"] == "/login"
        assert (await client.get("/", allow_redirects=False)).status == 303


async def test_a_stolen_cookie_from_another_session_does_not_carry_its_csrf(bot: BotContext) -> None:
    await make_account(bot.sessions, "chi-lan", "admin")
    await make_account(bot.sessions, "anh-tuan", "admin")
    async with web_client(bot) as first, web_client(bot) as second:
        await log_in(first, "chi-lan")
        await log_in(second, "anh-tuan")
        first_token = csrf_of(await (await first.get("/")).text())
        refused = await second.post("/logout", data={"csrf": first_token}, allow_redirects=False)
        assert refused.status == 403


async def test_volunteers_see_only_their_commune(bot: BotContext) -> None:
    await make_account(bot.sessions, "tnv-a", "volunteer", "xa-a")
    await make_account(bot.sessions, "admin", "admin", "xa-b")
    async with web_client(bot) as client:
        await log_in(client, "tnv-a")
        own = await client.get("/api/stats?from=2026-11-01&to=2026-11-02")
        assert own.status == 200 and (await own.json())["commune"] == ["xa-a"]
        for path in ("/api/stats", "/export/daily.csv", "/export/tickets.csv", "/"):
            assert (await client.get(f"{path}?commune=xa-b")).status == 403, path
        page = await (await client.get("/")).text()
        assert 'value="xa-b"' not in page and 'value="xa-a"' in page
    async with web_client(bot) as client:
        await log_in(client, "admin")
        everyone = await client.get("/api/stats?from=2026-11-01&to=2026-11-02")
        assert (await everyone.json())["commune"] is None
        assert (await client.get("/api/stats?commune=xa-a")).status == 200


async def test_an_api_token_reads_statistics_and_nothing_else(bot: BotContext) -> None:
    await make_account(bot.sessions, "bao-cao", "admin")
    async with bot.sessions() as session, session.begin():
        account = await session.scalar(select(WebAccount).where(WebAccount.username == "bao-cao"))
        assert account is not None
        token = await create_api_token(session, account, "sheet", datetime.now(UTC))
    bearer = {"Authorization": f"Bearer {token}"}
    async with web_client(bot) as client:
        assert (await client.get("/api/stats?from=2026-11-01&to=2026-11-30", headers=bearer)).status == 200
        assert (await client.get("/export/daily.csv", headers=bearer)).status == 200
        assert (await client.get("/", headers=bearer, allow_redirects=False)).status == 403
        assert (await client.post("/logout", headers=bearer, allow_redirects=False)).status == 403
        wrong = {"Authorization": f"Bearer {token[:-2]}xx"}
        assert (await client.get("/api/stats", headers=wrong)).status == 401


async def test_bad_filters_get_a_clear_400(bot: BotContext) -> None:
    await make_account(bot.sessions, "admin", "admin")
    async with web_client(bot) as client:
        await log_in(client, "admin")
        for query in (
            "from=2026-13-01",
            "to=hom-nay",
            "from=2026-11-05&to=2026-11-01",
            "channel=<b>",
            "from=2020-01-01",
        ):
            response = await client.get(f"/api/stats?{query}")
            assert response.status == 400, query
            assert "error" in await response.json()
        page = await client.get("/?from=2026-13-01")
        assert page.status == 400 and "YYYY-MM-DD" in await page.text()


async def test_every_answer_carries_the_security_headers(bot: BotContext) -> None:
    await make_account(bot.sessions, "admin", "admin")
    async with web_client(bot) as client:
        responses = [await client.get("/login"), await client.get("/nowhere"), await client.get("/static/style.css")]
        await log_in(client, "admin")
        responses.append(await client.get("/"))
        for response in responses:
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
        assert responses[-1].headers["Cache-Control"] == "no-store"


async def test_login_never_redirects_to_another_site(bot: BotContext) -> None:
    await make_account(bot.sessions, "admin", "admin")
    for target in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aX: y",
    ):
        async with web_client(bot) as client:
            page = await client.get("/login")
            response = await client.post(
                "/login",
                data={"csrf": csrf_of(await page.text()), "username": "admin", "password": PASSWORD, "next": target},
                allow_redirects=False,
            )
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//") and "evil" not in location, target
    assert safe_next("/?from=2026-11-01") == "/?from=2026-11-01"


async def test_huge_forms_are_refused(bot: BotContext) -> None:
    async with TestClient(TestServer(build_web_app(bot.sessions, lambda: bot.desk))) as client:
        page = await client.get("/login")
        response = await client.post(
            "/login", data={"csrf": csrf_of(await page.text()), "username": "x" * 200_000, "password": "y"}
        )
        assert response.status == 413
