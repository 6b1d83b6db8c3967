"""The browser harness hands every HTML document a test receives to the Nu Html Checker."""

import pytest

pytestmark = pytest.mark.browser

BROKEN = (
    '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body>'
    '<p><span><ul><li>a rule</li></ul></span></p><form hx-post="/x"></form></body></html>'
)


def test_every_html_document_the_page_receives_goes_to_the_checker(
    page, page_documents, html_checker, live_server
):
    page.goto("/help/")
    page.goto("/no-such-page/")  # error pages are checked too
    page.route(
        "**/broken/",
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=BROKEN
        ),
    )
    with page.expect_response(lambda response: response.url.endswith("/broken/")):
        page.goto("/broken/")

    received = [(kind, url) for kind, url, _html in page_documents]
    assert received == [
        ("document", live_server.url + path) for path in ("/help/", "/no-such-page/", "/broken/")
    ]
    problems = html_checker.check(page_documents[-1][2], url="/broken/")
    messages = " ".join(problem.message for problem in problems)
    assert "hx-post" in messages and "“p”" in messages, problems
    # This test's own invalid page must not fail it at teardown; the two real pages still count.
    page_documents.pop()
