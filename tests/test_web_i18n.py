"""The dashboard in two languages: Vietnamese by default (the msgids themselves), English from the
`lang` cookie that the switch in every page's header sets, and the switch never leaving the site."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from handlers.context import BotContext
from tests.dashboard import csrf_of, log_in, make_account, web_client

# Letters only Vietnamese (among the two languages) writes: Latin with diacritics, including đ and ư.
VIETNAMESE_LETTER = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff]")
# What an English page still writes in Vietnamese on purpose: the project's name and the switch's own
# name for Vietnamese (each language is named in itself).
NAMES = ("Cầu Nối", "Tiếng Việt")
CSRF_VALUE = re.compile(r'name="csrf" value="[^"]+"')


def _leftovers(page: str) -> list[str]:
    """The bits of Vietnamese left on a page meant to be English, with a little context each."""
    for name in NAMES:
        page = page.replace(name, "")
    return [page[max(0, m.start() - 30) : m.end() + 30] for m in VIETNAMESE_LETTER.finditer(page)]


def _same_page(page: str) -> str:
    return CSRF_VALUE.sub('name="csrf" value=""', page)


async def _switch(client: TestClient, code: str, back: str) -> str:
    response = await client.get(f"/language/{code}", params={"next": back})
    assert response.status == 200 and response.url.path == back
    return await response.text()


async def test_english_login_page_and_overview_have_no_vietnamese_left(bot: BotContext) -> None:
    """Needs the English catalogue with the dashboard's texts (locales/en/LC_MESSAGES/messages.po)."""
    await make_account(bot.sessions, "chi-lan", "admin")
    async with web_client(bot) as client:
        login = await _switch(client, "en", "/login")
        assert '<html lang="en">' in login
        assert "<h1>Log in</h1>" in login and "Username" in login and "Password" in login
        assert _leftovers(login) == []
        assert await log_in(client, "chi-lan") == 303
        overview = await (await client.get("/")).text()
        assert '<html lang="en">' in overview
        for english in ("<h1>Overview</h1>", "Key numbers", "Messages from residents", "No data yet", "Log out"):
            assert english in overview, english
        assert _leftovers(overview) == []


async def test_the_switch_sets_the_cookie_and_goes_back_only_to_a_local_path(bot: BotContext) -> None:
    async with web_client(bot) as client:  # logged out: the login page has the switch too
        login = await (await client.get("/login")).text()
        assert 'href="/language/en?next=/login"' in login and 'href="/language/vi?next=/login"' in login
        switched = await client.get("/language/en", params={"next": "/tickets?state=all"}, allow_redirects=False)
        assert switched.status == 303 and switched.headers["Location"] == "/tickets?state=all"
        cookie = switched.cookies["lang"]
        assert cookie.value == "en" and cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
        assert int(cookie["max-age"]) > 30 * 24 * 3600
        assert '<html lang="en">' in await (await client.get("/login")).text()
        for elsewhere in ("//evil.example", "https://evil.example", "/\\evil.example", "evil.example", ""):
            response = await client.get("/language/vi", params={"next": elsewhere}, allow_redirects=False)
            assert response.status == 303 and response.headers["Location"] == "/", elsewhere
        assert '<html lang="vi">' in await (await client.get("/login")).text()
        unknown = await client.get("/language/fr", params={"next": "/login"}, allow_redirects=False)
        assert unknown.status == 404 and "lang" not in unknown.cookies


async def test_a_page_answering_a_form_switches_back_to_the_page_the_form_was_on(bot: BotContext) -> None:
    async with web_client(bot) as client:
        base = str(client.make_url(""))
        refused = await client.post("/login", data={"csrf": "x"}, headers={"Referer": f"{base}/login?next=%2Ftickets"})
        assert refused.status == 403
        assert 'href="/language/en?next=/login%3Fnext%3D%252Ftickets"' in await refused.text()
        foreign = await client.post("/login", data={"csrf": "x"}, headers={"Referer": "https://evil.example/x"})
        assert 'href="/language/en?next=/"' in await foreign.text()


async def test_without_a_choice_the_pages_are_vietnamese_and_unknown_languages_too(bot: BotContext) -> None:
    await make_account(bot.sessions, "chi-lan", "admin")
    async with web_client(bot) as client:
        login = await (await client.get("/login")).text()
        assert '<html lang="vi">' in login and "<h1>Đăng nhập</h1>" in login and "Tên đăng nhập" in login
        for cookie in ("vi", "fr", "../en", ""):
            page = await (await client.get("/login", cookies={"lang": cookie})).text()
            assert _same_page(page) == _same_page(login), cookie
        assert await log_in(client, "chi-lan") == 303
        overview = await (await client.get("/")).text()
        assert '<html lang="vi">' in overview and csrf_of(overview)
        for vietnamese in ("<h1>Tổng quan</h1>", "Số liệu chính", "Tin nhắn của người dân", "Chưa có dữ liệu"):
            assert vietnamese in overview, vietnamese
        assert _same_page(await (await client.get("/", cookies={"lang": "xx"})).text()) == _same_page(overview)
