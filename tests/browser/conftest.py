"""The browser harness: one headless Chromium per session, a fresh context per test.

Tests here drive Debian's Chromium (/usr/bin/chromium) through Playwright against pytest-django's
`live_server` (which brings `transactional_db` with it). The live server runs in this process, so
`django.core.mail.outbox` and the ORM are shared with the test.

The site's CSP (script-src 'self' + nonce) stays enforced: axe-core is injected with
`page.evaluate`, which goes through the DevTools protocol and is not subject to the page's CSP
(only `add_script_tag`, which we do not use, would be blocked). So there is no `bypass_csp`, and a
page that breaks its own CSP shows up in `page_problems` as it would for a real visitor.

Every HTML document the server sends to `page` (each navigation, form post and error page; not
redirects) is checked with the Nu Html Checker (tests/html_checker.py) as the server sent it, and
so is every htmx fragment (inside a minimal document's body). A test that received invalid HTML
fails at teardown, listing the URL, line and message of each error.
"""

import contextlib
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from tests.html_checker import report

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


def _html_kind(response) -> str | None:
    """`document` for a page, `fragment` for an htmx response, None for anything else."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "text/html" or 300 <= response.status < 400:  # a redirect has no body
        return None
    if response.request.resource_type == "document":
        return "document"
    if response.request.headers.get("hx-request") == "true":
        return "fragment"
    return None


@pytest.fixture
def page_documents():
    """(kind, url, html) of every HTML document ("document") and htmx response ("fragment")
    `page` received, as the server sent it."""
    return []


@pytest.fixture
def page(browser, live_server, page_problems, page_documents, html_checker):
    """A page in a fresh context (no cookies or storage from other tests), closed afterwards;
    every HTML document it received must be valid HTML."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    unread: list[str] = []

    def on_response(response):
        kind = _html_kind(response)
        if kind is None:
            return
        try:
            page_documents.append((kind, response.url, response.body()))
        except PlaywrightError as exc:
            unread.append(f"{response.url}: {exc}")

    page.on("response", on_response)

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            page_problems.append(f"CSP on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_problems.append(f"script error on {page.url}: {error}"))
    yield page
    # A round trip, so response events still queued run while the page is open (a crashed page
    # raises: what it received so far is still checked).
    with contextlib.suppress(PlaywrightError):
        page.evaluate("0")
    context.close()

    problems = []
    for kind, url, html in page_documents:
        if kind == "document":
            problems.extend(html_checker.check(html, url=url))
        else:
            problems.extend(html_checker.check_fragment(html, url=f"{url} (htmx fragment)"))
    if problems or unread:
        what = f"{len(page_documents)} page(s) and fragment(s) this test received"
        lines = [report(problems, what=what)]
        lines.extend(f"- could not read the HTML of {item}" for item in unread)
        pytest.fail("\n".join(lines), pytrace=False)
