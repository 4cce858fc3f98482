"""Headless Chromium for the suite: Debian's /usr/bin/chromium driven by Playwright's async API.

The browser is the distribution's package (`.ci/run` installs it with apt); Playwright's own download
(`playwright install`) is never used. Each `open_page` launches a browser (about a second), opens one
context with the asked-for viewport, and records what a real user's console would show as errors:
`console.error`, uncaught exceptions, Content-Security-Policy violations, resources that failed to load.

    async with open_page(base_url) as browsing:
        await browsing.page.goto("/")
        ...
    # leaving the block fails the test if anything was recorded (check_errors=False to look yourself)

Without /usr/bin/chromium a browser test is skipped on a developer's machine and fails under CI
(the environment variable CI is set), so CI never passes by skipping the browser.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import ConsoleMessage, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = (1280, 800)
PHONE = (360, 740)  # a small Android phone, the helpers' usual screen
TIMEOUT_MS = 10_000  # a missing element fails the test in 10 s, not Playwright's 30


@dataclass
class Browsing:
    """An open page and the errors its console has shown so far (one line each)."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def assert_no_errors(self) -> None:
        assert not self.errors, "the browser reported errors:\n" + "\n".join(self.errors)


def chromium_available() -> bool:
    """Whether Debian's Chromium is installed where the suite expects it."""
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def require_chromium() -> None:
    """Skip the calling test without Chromium; under CI (CI set) fail it instead."""
    if chromium_available():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium fonts-dejavu-core)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


def launch_args() -> list[str]:
    """Flags for a container or CI machine: /tmp instead of a small /dev/shm, and no sandbox as root (Chromium
    refuses to start sandboxed as root; Playwright also adds --no-sandbox itself unless chromium_sandbox=True)."""
    args = ["--disable-dev-shm-usage"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


def _console_error(message: ConsoleMessage) -> str | None:
    if message.type != "error":
        return None
    url = message.location.get("url", "")
    if url.endswith("/favicon.ico"):
        return None  # Chromium asks every origin for /favicon.ico unprompted; a page that names no icon has none
    return f"console: {message.text}" + (f" ({url})" if url else "")


@asynccontextmanager
async def open_page(
    base_url: str,
    *,
    width: int | None = None,
    height: int | None = None,
    phone: bool = False,
    check_errors: bool = True,
) -> AsyncIterator[Browsing]:
    """A page in headless Chromium; relative URLs in `page.goto` resolve against `base_url`.

    The viewport is 1280x800, or with `phone=True` 360x740 with a touch screen and a mobile user agent's
    layout (`width`/`height` override either). With `check_errors` (the default) leaving the block fails the
    test if the console showed an error, unless the block already failed.
    """
    require_chromium()
    default_width, default_height = PHONE if phone else DESKTOP
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=launch_args())
        try:
            context = await browser.new_context(
                base_url=base_url,
                viewport={"width": width or default_width, "height": height or default_height},
                is_mobile=phone,
                has_touch=phone,
                locale="vi-VN",
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = await context.new_page()
            browsing = Browsing(page)

            def on_console(message: ConsoleMessage) -> None:
                line = _console_error(message)
                if line is not None:
                    browsing.errors.append(line)

            def on_page_error(error: PlaywrightError) -> None:
                browsing.errors.append(f"page error: {error.name}: {error.message}")

            page.on("console", on_console)
            page.on("pageerror", on_page_error)
            yield browsing
            if check_errors:
                await page.evaluate("0")  # a round trip, so messages the page logged before now have arrived
                browsing.assert_no_errors()
        finally:
            await browser.close()


async def screenshot(page: Page, path: Path | str, *, full_page: bool = True) -> Path:
    """Write the page as a PNG at `path` (parent folders created), for docs/; returns the path."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise ValueError(f"{target}: a screenshot is a .png")
    target.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=target, full_page=full_page, type="png", animations="disabled")
    return target
