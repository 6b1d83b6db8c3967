"""The browser harness hands every HTML page and htmx fragment the server sends to `page` to
the Nu Html Checker, exactly as sent."""

import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse

pytestmark = pytest.mark.browser

BROKEN = (
    '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body>'
    '<p><span><ul><li>a rule</li></ul></span></p><form hx-post="/x"></form></body></html>'
)


def broken(request):
    return HttpResponse(BROKEN)


# The site plus one invalid page, for this module's test (settings.ROOT_URLCONF below).
urlpatterns = [path("broken/", broken), path("", include("ehab.urls"))]


def test_every_page_and_fragment_the_server_sends_goes_to_the_checker(
    page, page_documents, html_checker, live_server, settings
):
    settings.ROOT_URLCONF = __name__
    page.goto("/help/")
    page.goto("/no-such-page/")  # error pages are checked too
    page.goto(reverse("account_login"))
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()  # a POST answered with the form again
    page.get_by_role("heading", level=1).wait_for()
    page.evaluate("fetch('/broken/', {headers: {'HX-Request': 'true'}}).then(r => r.text())")
    page.goto("/broken/")

    base = live_server.url
    assert [(kind, url) for kind, url, _html in page_documents] == [
        ("document", f"{base}/help/"),
        ("document", f"{base}/no-such-page/"),
        ("document", f"{base}/accounts/login/"),
        ("document", f"POST {base}/accounts/login/"),
        ("fragment", f"{base}/broken/"),
        ("document", f"{base}/broken/"),
    ]
    problems = html_checker.check(page_documents[-1][2], url="/broken/")
    messages = " ".join(problem.message for problem in problems)
    assert "hx-post" in messages and "“p”" in messages, problems
    # This test's own invalid page and fragment must not fail it at teardown; the real pages
    # it received still count.
    del page_documents[-2:]
