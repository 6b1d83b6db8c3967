"""Message links, one-click unsubscribe and the preferences page."""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from audit.selectors import audit_denials_counted
from notifications.models import MANDATORY_KINDS, Channel, Kind, Notification, Preference
from tests.html_checker import report


def test_a_message_link_takes_its_recipient_to_the_page(client, client_a, signed_in):
    n = Notification.objects.create(
        user=client_a, kind=Kind.MODULE_RELEASED, dedupe_key="x", link_target="courses:dashboard"
    )
    signed_in(client_a)
    response = client.get(reverse("notifications:link", args=[n.link_token]))
    assert response["Location"] == reverse("courses:dashboard")


def test_a_signed_out_recipient_signs_in_first_and_comes_back(client, client_a):
    n = Notification.objects.create(user=client_a, kind=Kind.MODULE_RELEASED, dedupe_key="x")
    response = client.get(reverse("notifications:link", args=[n.link_token]))
    assert response["Location"].startswith(reverse("account_login"))
    assert n.link_token in response["Location"]


def test_someone_elses_link_is_404_and_audited(client, client_a, client_b, signed_in):
    n = Notification.objects.create(user=client_a, kind=Kind.MODULE_RELEASED, dedupe_key="x")
    signed_in(client_b)
    assert client.get(reverse("notifications:link", args=[n.link_token])).status_code == 404
    assert client.get(reverse("notifications:link", args=["nope"])).status_code == 404
    assert audit_denials_counted(actor_id=client_b.pk) == 2


@pytest.mark.parametrize("token", ["a\x00b", "x" * 10_000], ids=["nul", "10k"])
def test_a_message_link_that_is_no_token_of_ours_is_the_same_404(
    client, client_a, signed_in, token
):
    """A NUL reached PostgreSQL and was a 500 there."""
    signed_in(client_a)
    assert client.get(reverse("notifications:link", args=[token])).status_code == 404
    assert audit_denials_counted(actor_id=client_a.pk) == 1


def test_unsubscribe_needs_no_sign_in_and_asks_before_acting(client, client_a):
    pref = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    url = reverse("notifications:unsubscribe", args=[pref.unsubscribe_token])
    assert "Stop these messages?" in client.get(url).content.decode()
    pref.refresh_from_db()
    assert pref.channel == Channel.EMAIL  # a link scanner's GET changes nothing
    assert "Done" in client.post(url).content.decode()
    pref.refresh_from_db()
    assert pref.channel == Channel.NONE
    assert client.get(reverse("notifications:unsubscribe", args=["nope"])).status_code == 404


# RFC 8058: the mail provider POSTs this body to the List-Unsubscribe address, without cookies
# and so without a CSRF token, in either form encoding.
ONE_CLICK = {
    "urlencoded": {
        "data": "List-Unsubscribe=One-Click",
        "content_type": "application/x-www-form-urlencoded",
    },
    "multipart": {"data": {"List-Unsubscribe": "One-Click"}},  # the test client's default
}


def _unsubscribe_url(pref) -> str:
    return reverse("notifications:unsubscribe", args=[pref.unsubscribe_token])


def _outside() -> Client:
    """A request from outside the site: no cookies, and the CSRF check enforced as in
    production (the default test client skips it)."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("encoding", ONE_CLICK)
def test_a_mail_providers_one_click_post_switches_that_kind_off(client_a, encoding):
    pref = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    other = Preference.objects.create(user=client_a, kind=Kind.CHECKIN_REMINDER)
    response = _outside().post(_unsubscribe_url(pref), **ONE_CLICK[encoding])
    assert response.status_code == 200
    assert "You won't get this kind of message any more" in response.content.decode()
    pref.refresh_from_db()
    other.refresh_from_db()
    assert pref.channel == Channel.NONE
    assert other.channel == Channel.EMAIL  # only the kind the message was about


def test_opening_the_unsubscribe_link_changes_nothing(client_a):
    """Mail scanners follow links: the page only asks."""
    pref = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    response = _outside().get(_unsubscribe_url(pref), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Stop these messages?" in response.content.decode()
    pref.refresh_from_db()
    assert pref.channel == Channel.EMAIL


@pytest.mark.parametrize(
    "body",
    [
        {"data": {}},
        {"data": {"List-Unsubscribe": "Yes"}},
        {"data": {"List-Unsubscribe": ["One-Click", "One-Click"]}},
        {"data": "List-Unsubscribe=One-Click", "content_type": "text/plain"},
        {"data": '{"List-Unsubscribe": "One-Click"}', "content_type": "application/json"},
    ],
    ids=["empty", "another value", "the value twice", "text/plain", "json"],
)
def test_a_cross_site_post_without_the_one_click_body_is_refused_and_changes_nothing(
    client_a, body
):
    pref = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    response = _outside().post(
        _unsubscribe_url(pref), **body, HTTP_ORIGIN="https://elsewhere.example"
    )
    assert response.status_code == 403
    pref.refresh_from_db()
    assert pref.channel == Channel.EMAIL


def test_the_pages_own_button_still_works_with_its_csrf_token(client_a):
    pref = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    browser = _outside()
    page = browser.get(_unsubscribe_url(pref)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(_unsubscribe_url(pref), {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "You won't get this kind of message any more" in response.content.decode()
    pref.refresh_from_db()
    assert pref.channel == Channel.NONE


@pytest.mark.parametrize("kind", sorted(MANDATORY_KINDS))
def test_a_message_that_cannot_be_switched_off_says_so_and_stays_on(client_a, kind):
    pref = Preference.objects.create(user=client_a, kind=kind)
    page = _outside().get(_unsubscribe_url(pref)).content.decode()
    assert "can't be switched off" in page
    assert "Stop these messages" not in page  # no button that would do nothing
    for response in (
        _outside().post(_unsubscribe_url(pref), **ONE_CLICK["urlencoded"]),
        Client().post(_unsubscribe_url(pref)),  # a form post that passed the CSRF check
    ):
        assert response.status_code == 200
        assert "can't be switched off" in response.content.decode()
        assert "You won't get this kind of message" not in response.content.decode()
    pref.refresh_from_db()
    assert pref.channel == Channel.EMAIL


@pytest.mark.parametrize(
    "token",
    ["nope", "x" * 10_000, "a\x00b", "évt", "%2e%2e"],
    ids=["short", "10k", "nul", "accented", "dots"],
)
def test_an_unknown_unsubscribe_link_answers_a_calm_page_that_changes_and_reveals_nothing(
    client_a, token
):
    pref = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    url = reverse("notifications:unsubscribe", args=[token])
    for response in (
        _outside().get(url),
        _outside().post(url, **ONE_CLICK["urlencoded"]),
        Client().post(url),
    ):
        assert response.status_code == 404
        page = response.content.decode()
        assert "This link doesn't work" in page
        assert client_a.email not in page and "Alex" not in page
    pref.refresh_from_db()
    assert pref.channel == Channel.EMAIL


def test_every_answer_of_the_unsubscribe_link_is_valid_html(client_a, html_checker):
    pref = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    stays_on = Preference.objects.create(user=client_a, kind=Kind.WELCOME)
    answers = {
        "ask": Client().get(_unsubscribe_url(pref)),
        "stays on": Client().get(_unsubscribe_url(stays_on)),
        "unknown": Client().get(reverse("notifications:unsubscribe", args=["nope"])),
        "done": Client().post(_unsubscribe_url(pref), **ONE_CLICK["urlencoded"]),
    }
    problems = [
        problem
        for name, response in answers.items()
        for problem in html_checker.check(response.content, url=name)
    ]
    assert not problems, report(problems, what="the unsubscribe answers")


def _views(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def test_only_the_stripe_webhook_and_the_unsubscribe_link_skip_the_csrf_check(db):
    exempt = {path for path, view in _views(get_resolver()) if getattr(view, "csrf_exempt", 0)}
    assert exempt == {"payments/stripe/webhook/", "u/<str:token>/"}


def test_the_preferences_page_saves_channels_and_quiet_hours(client, client_a, signed_in):
    signed_in(client_a)
    data = {
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "reminder_time": "20:15",
        "kind_module_released": "email",
        "kind_module_not_started": "none",
        "kind_module_not_finished": "none",
        "kind_checkin_reminder": "email",
        "kind_inactivity_nudge": "email",
        "kind_feedback_ready": "none",
        "kind_appointment_reminder": "email",
        "kind_appointment_soon": "none",
    }
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    prefs = dict(Preference.objects.filter(user=client_a).values_list("kind", "channel"))
    assert prefs[Kind.MODULE_NOT_STARTED] == Channel.NONE
    assert prefs[Kind.CHECKIN_REMINDER] == Channel.EMAIL
    assert prefs[Kind.FEEDBACK_READY] == Channel.NONE  # a reply's message can be switched off
    assert prefs[Kind.APPOINTMENT_SOON] == Channel.NONE  # so can a session's reminder
    settings_row = client_a.delivery_settings
    assert settings_row.quiet_start.strftime("%H:%M") == "22:00"


def test_bad_preferences_input_is_refused_with_a_message(client, client_a, signed_in):
    signed_in(client_a)
    response = client.post(
        reverse("notifications:preferences"),
        {
            "quiet_start": "25:99",
            "quiet_end": "x",
            "reminder_time": "\x00",
            "kind_module_released": "carrier-pigeon",
        },  # fmt: skip
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Preference.objects.filter(user=client_a).exists()


def test_a_message_link_lands_on_the_element_it_is_about(client, client_a, signed_in):
    n = Notification.objects.create(
        user=client_a, kind=Kind.MODULE_RELEASED, link_target="courses:my_work",
        link_anchor="client-12",
    )  # fmt: skip
    signed_in(client_a)
    response = client.get(reverse("notifications:link", args=[n.link_token]))
    assert response["Location"] == reverse("courses:my_work") + "#client-12"


def test_a_message_link_whose_page_was_renamed_lands_on_home_not_an_error(
    client, client_a, signed_in
):
    n = Notification.objects.create(
        user=client_a, kind=Kind.MODULE_RELEASED, link_target="gone:page", link_anchor="x y"
    )
    signed_in(client_a)
    response = client.get(reverse("notifications:link", args=[n.link_token]))
    assert response.status_code == 302 and response["Location"] == reverse("home")
