"""The browser harness (tests/browser.py) against a tiny site with a strict Content-Security-Policy: a page that
keeps to the policy renders and leaves the console clean; one that breaks it is caught."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.browser import chromium_available, open_page, require_chromium, screenshot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
POLICY = {"Content-Security-Policy": "default-src 'self'"}
HEAD = '<!doctype html><html lang="vi"><head><meta charset="utf-8">' + (
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Cầu Nối</title></head>'
)
GOOD = (
    HEAD + "<body><h1>Hàng chờ hỗ trợ</h1>"
    '<svg id="logo" role="img" aria-label="Cầu Nối" width="48" height="48" viewBox="0 0 48 48">'
    '<path d="M4 36 Q24 4 44 36" fill="none" stroke="#0b6e4f" stroke-width="6"/></svg></body></html>'
)
# An inline script (refused by the policy) and a script from our own origin that throws.
BAD = HEAD + "<body><p>x</p><script>document.title = 'ran'</script><script src=\"/throws.js\"></script></body></html>"


def _site() -> web.Application:
    async def good(_request: web.Request) -> web.Response:
        return web.Response(text=GOOD, content_type="text/html", headers=POLICY)

    async def bad(_request: web.Request) -> web.Response:
        return web.Response(text=BAD, content_type="text/html", headers=POLICY)

    async def throws(_request: web.Request) -> web.Response:
        return web.Response(text="throw new Error('boom from throws.js')", content_type="text/javascript")

    app = web.Application()
    app.router.add_get("/", good)
    app.router.add_get("/bad", bad)
    app.router.add_get("/throws.js", throws)
    return app


@pytest.fixture
async def site() -> AsyncIterator[str]:
    server = TestServer(_site(), host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/"))
    await server.close()


async def test_a_page_within_its_policy_renders_and_leaves_the_console_clean(site: str, tmp_path: Path) -> None:
    async with open_page(site) as browsing:
        page = browsing.page
        await page.goto("/")
        await page.locator("h1").wait_for(state="visible")
        assert await page.locator("h1").inner_text() == "Hàng chờ hỗ trợ"
        box = await page.locator("#logo").bounding_box()
        assert box is not None and box["width"] == 48 and box["height"] == 48
        assert await page.evaluate("innerWidth") == 1280
        png = await page.screenshot()
        assert png.startswith(PNG_SIGNATURE)
        written = await screenshot(page, tmp_path / "docs" / "queue.png")
        assert written.read_bytes().startswith(PNG_SIGNATURE)
        assert browsing.errors == []


async def test_a_policy_violation_and_an_uncaught_exception_are_recorded(site: str) -> None:
    async with open_page(site, check_errors=False) as browsing:
        page = browsing.page
        async with page.expect_event("pageerror"):
            await page.goto("/bad")
        await page.evaluate("0")
        assert await page.title() == "Cầu Nối", "the policy should have refused the inline script"
        assert any("Content Security Policy" in line and "inline script" in line for line in browsing.errors)
        assert any(line.startswith("page error:") and "boom from throws.js" in line for line in browsing.errors)
        with pytest.raises(AssertionError, match="Content Security Policy"):
            browsing.assert_no_errors()


async def test_leaving_the_block_fails_the_test_when_the_console_showed_an_error(site: str) -> None:
    with pytest.raises(AssertionError, match="the browser reported errors"):
        async with open_page(site) as browsing:
            await browsing.page.goto("/bad")


async def test_the_phone_viewport_is_360_wide_with_touch(site: str) -> None:
    async with open_page(site, phone=True) as browsing:
        page = browsing.page
        await page.goto("/")
        assert await page.evaluate("[innerWidth, innerHeight]") == [360, 740]
        assert await page.evaluate("navigator.maxTouchPoints") > 0
        assert await page.evaluate("matchMedia('(pointer: coarse)').matches") is True


def test_without_chromium_a_browser_test_skips_locally_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("tests.browser.CHROMIUM", tmp_path / "no-chromium")
    assert not chromium_available()
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        require_chromium()
