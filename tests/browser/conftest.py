"""The browser harness: one headless Chromium per session, a fresh context per test.

Tests here drive Debian's Chromium (/usr/bin/chromium) through Playwright against pytest-django's
`live_server` (which brings `transactional_db` with it). The live server runs in this process, so
`django.core.mail.outbox` and the ORM are shared with the test.

The site's CSP (script-src 'self' + nonce) stays enforced: axe-core is injected with
`page.evaluate`, which goes through the DevTools protocol and is not subject to the page's CSP
(only `add_script_tag`, which we do not use, would be blocked). So there is no `bypass_csp`, and a
page that breaks its own CSP shows up in `page_problems` as it would for a real visitor.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
# Actions and navigations; `expect` assertions get their own (shorter) default below.
ACTION_TIMEOUT_MS = 10_000
EXPECT_TIMEOUT_MS = 5_000

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium package "
            "(apt-get install chromium). They are not skipped, so a missing browser is noticed.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page_problems():
    """CSP violations and uncaught script errors seen by `page`; a journey asserts it is empty."""
    return []


@pytest.fixture
def page(browser, live_server, page_problems):
    """A page in a fresh context (no cookies or storage from other tests), closed afterwards."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            page_problems.append(f"CSP on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_problems.append(f"script error on {page.url}: {error}"))
    yield page
    context.close()
