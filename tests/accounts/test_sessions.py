"""A-5: sessions rotate at sign-in, expire when idle or old, and end on the server at sign-out."""

import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from audit.models import Action, AuditEvent
from tests.factories import PASSWORD


def _sign_in_with_form(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client.cookies["sessionid"].value


def test_the_session_key_changes_at_sign_in(client, client_a):
    client.get(reverse("account_login"))
    client.session.save()  # an anonymous session exists before sign-in
    before = client.session.session_key
    after = _sign_in_with_form(client, client_a)
    assert before and after and before != after
    assert not Session.objects.filter(session_key=before).exists()


def test_sign_out_ends_the_session_on_the_server(client, client_a):
    key = _sign_in_with_form(client, client_a)
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie does not sign anyone in.
    client.cookies["sessionid"] = key
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_client_is_signed_out_after_thirty_idle_minutes(client, client_a):
    with time_machine.travel("2026-11-28 12:00:00Z", tick=False) as clock:
        _sign_in_with_form(client, client_a)
        clock.shift(29 * 60)
        assert client.get(reverse("courses:dashboard")).status_code == 200
        clock.shift(29 * 60)  # active 29 minutes ago: still fine
        assert client.get(reverse("courses:dashboard")).status_code == 200
        clock.shift(31 * 60)
        response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    expired = AuditEvent.objects.get(action=Action.SESSION_EXPIRED)
    assert expired.metadata == {"reason": "idle"}


def test_staff_are_signed_out_after_fifteen_idle_minutes(client, clinician, signed_in):
    with time_machine.travel("2026-11-28 12:00:00Z", tick=False) as clock:
        signed_in(clinician)
        clock.shift(14 * 60)
        assert client.get(reverse("care:caseload")).status_code == 200
        clock.shift(16 * 60)
        response = client.get(reverse("care:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_no_session_outlives_twelve_hours_however_active(client, client_a):
    with time_machine.travel("2026-11-28 08:00:00Z", tick=False) as clock:
        _sign_in_with_form(client, client_a)
        for _ in range(12 * 4 + 1):  # active every quarter hour, just past 12 h
            clock.shift(15 * 60)
            response = client.get(reverse("courses:dashboard"))
            if response.status_code != 200:
                break
    assert response.status_code == 302
    expired = AuditEvent.objects.get(action=Action.SESSION_EXPIRED)
    assert expired.metadata == {"reason": "absolute"}


def test_an_htmx_request_after_expiry_is_told_to_go_to_sign_in(client, client_a):
    with time_machine.travel("2026-11-28 12:00:00Z", tick=False) as clock:
        _sign_in_with_form(client, client_a)
        clock.shift(31 * 60)
        response = client.get(reverse("courses:dashboard"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("account_login")


def test_the_session_cookie_does_not_persist_past_the_browser(client, client_a):
    _sign_in_with_form(client, client_a)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert not cookie["max-age"] and not cookie["expires"]
