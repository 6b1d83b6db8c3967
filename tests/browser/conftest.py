"""The browser harness: one headless Chromium per session, a fresh context per test.

Tests here drive Debian's Chromium (/usr/bin/chromium) through Playwright against pytest-django's
`live_server` (which brings `transactional_db` with it). The live server runs in this process, so
`django.core.mail.outbox` and the ORM are shared with the test.

The site's CSP (script-src 'self' + nonce) stays enforced: axe-core is injected with
`page.evaluate`, which goes through the DevTools protocol and is not subject to the page's CSP
(only `add_script_tag`, which we do not use, would be blocked). So there is no `bypass_csp`, and a
page that breaks its own CSP shows up in `page_problems` as it would for a real visitor.

Every HTML page the live server sends to `page` (each navigation, form post and error page; not
redirects) is checked with the Nu Html Checker (tests/html_checker.py) exactly as sent, and so is
every htmx fragment (inside a minimal document's body); `HtmlCapture` keeps them on the server
side. A test that received invalid HTML fails at teardown, listing URL, line and message.
"""

from pathlib import Path

import pytest
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


class HtmlCapture:
    """WSGI middleware around the live server's application: while `sink` is a list, every
    HTML page (a request the browser makes as a document, Sec-Fetch-Dest: document) and htmx
    fragment (HX-Request: true) the server answers, redirects aside, is appended to it as
    (kind, url, body): exactly the bytes sent, whatever the browser does next.

    Capturing on the server, not from Playwright's response events, because a browser that has
    already navigated on has discarded the previous page's body by the time the event is read.
    """

    def __init__(self, app, base_url: str):
        self.app = app
        self.base_url = base_url
        self.sink: list | None = None

    def __call__(self, environ, start_response):
        sink = self.sink
        if environ.get("HTTP_SEC_FETCH_DEST") == "document":
            kind = "document"
        elif environ.get("HTTP_HX_REQUEST") == "true":
            kind = "fragment"
        else:
            kind = None
        if sink is None or kind is None:
            return self.app(environ, start_response)
        sent = {}

        def capturing_start_response(status, headers, exc_info=None):
            sent["status"] = int(status.split()[0])
            sent["type"] = next((v for k, v in headers if k.lower() == "content-type"), "")
            return start_response(status, headers, exc_info)

        result = self.app(environ, capturing_start_response)
        media_type = sent.get("type", "").split(";")[0].strip().lower()
        if media_type != "text/html" or 300 <= sent.get("status", 200) < 400:
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        url = self.base_url + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            url += "?" + environ["QUERY_STRING"]
        if environ.get("REQUEST_METHOD", "GET") != "GET":
            url = f"{environ['REQUEST_METHOD']} {url}"
        sink.append((kind, url, body))
        return [body]


@pytest.fixture(scope="session")
def html_capture(live_server):
    """The live server's application, wrapped once in an HtmlCapture."""
    httpd = live_server.thread.httpd
    capture = HtmlCapture(httpd.get_app(), live_server.url)
    httpd.set_app(capture)
    yield capture
    httpd.set_app(capture.app)


@pytest.fixture
def page_documents():
    """(kind, url, html) of every HTML page ("document") and htmx response ("fragment") the
    server sent to `page`, as sent."""
    return []


@pytest.fixture
def page(browser, live_server, html_capture, page_problems, page_documents, html_checker):
    """A page in a fresh context (no cookies or storage from other tests), closed afterwards;
    every HTML page and fragment the server sent it must be valid HTML."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            page_problems.append(f"CSP on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_problems.append(f"script error on {page.url}: {error}"))
    html_capture.sink = page_documents
    try:
        yield page
        context.close()
    finally:
        html_capture.sink = None

    problems = []
    for kind, url, html in page_documents:
        if kind == "document":
            problems.extend(html_checker.check(html, url=url))
        else:
            problems.extend(html_checker.check_fragment(html, url=f"{url} (htmx fragment)"))
    if problems:
        what = f"{len(page_documents)} page(s) and fragment(s) this test received"
        pytest.fail(report(problems, what=what), pytrace=False)
