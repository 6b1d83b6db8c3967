"""Closing an account (/me/records/close/): a calm page that states how long records are kept,
a confirmation, then the request recorded, the care team and administrators told discreetly,
access ended (signed out, no more sign-in), and every record kept."""

import pytest
import time_machine
from django.urls import reverse

from accounts.services import account_deactivate
from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from daily.models import Checkin
from notifications.models import Kind, Notification
from records.models import ClosureRequest
from records.services import ClosureError, closure_request
from tests.factories import PASSWORD, CheckinFactory
from tests.records.history import NOW

REASON = "reason-canary-moving-away"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _close(client, **data):
    return client.post(reverse("records:close"), data)


def test_the_page_explains_what_happens_and_how_long_records_are_kept(client, client_a, signed_in):
    signed_in(client_a)
    page = client.get(reverse("records:close")).content.decode()
    assert "Your access ends as soon as you confirm" in page
    assert "at least 7 years" in page
    assert "The message they get says nothing about your care" in page


def test_the_retention_period_follows_its_setting(client, client_a, signed_in, settings):
    settings.EHAB_RECORDS_RETENTION_YEARS = 10
    signed_in(client_a)
    assert "at least 10 years" in client.get(reverse("records:close")).content.decode()


def test_without_the_confirmation_nothing_happens_and_the_reason_typed_is_kept(
    client, client_a, signed_in, clock
):
    signed_in(client_a)
    response = _close(client, reason=REASON)
    assert response.status_code == 400
    page = response.content.decode()
    assert REASON in page
    assert "Please tick the box to confirm" in page
    client_a.refresh_from_db()
    assert client_a.is_active
    assert not ClosureRequest.objects.exists()
    assert not Notification.objects.filter(kind=Kind.ACCOUNT_CLOSURE).exists()


def test_closing_records_the_request_ends_access_and_signs_the_client_out(
    client, client_a, clinician, signed_in, clock
):
    CheckinFactory(client=client_a)
    signed_in(client_a)
    response = _close(client, confirm="on", reason=REASON)
    assert response.status_code == 302
    assert response["Location"] == reverse("records:closed")
    closure = ClosureRequest.objects.get()
    assert (closure.client, closure.requested_at, closure.reason) == (client_a, NOW, REASON)
    assert closure.status == ClosureRequest.Status.OPEN
    client_a.refresh_from_db()
    assert not client_a.is_active
    # Signed out: the next page asks for a sign-in, and signing in again is refused.
    after = client.get(reverse("records:home"))
    assert after["Location"].startswith(reverse("account_login"))
    assert "Your account is closed" in client.get(reverse("records:closed")).content.decode()
    login = client.post(reverse("account_login"), {"login": client_a.email, "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == reverse("account_inactive")
    # The records stay.
    assert Checkin.objects.filter(client=client_a).count() == 1


def test_closing_is_audited_without_the_reasons_words(client, client_a, signed_in, clock):
    signed_in(client_a)
    _close(client, confirm="on", reason=REASON)
    requested = AuditEvent.objects.get(action=Action.ACCOUNT_CLOSURE_REQUESTED)
    assert requested.actor == client_a and requested.metadata == {"reason_given": True}
    ended = AuditEvent.objects.get(action=Action.ACCOUNT_DEACTIVATED)
    assert ended.subject == client_a and ended.metadata == {"reason": "closure_requested"}
    assert REASON not in str(list(AuditEvent.objects.values("metadata", "target_id")))


def test_the_care_team_and_administrators_are_told_and_nobody_else(
    client, client_a, clinician, other_clinician, billing_user, admin_user, signed_in, clock
):
    signed_in(client_a)
    _close(client, confirm="on")
    told = {n.user: n.link_target for n in Notification.objects.filter(kind=Kind.ACCOUNT_CLOSURE)}
    assert told == {clinician: "care:caseload", admin_user: "ops:closures"}


def test_a_second_request_while_one_is_open_is_refused_by_the_service(client_a, clock):
    closure_request(client=client_a, reason="", now=NOW)
    with pytest.raises(ClosureError):
        closure_request(client=client_a, reason="", now=NOW)
    assert ClosureRequest.objects.count() == 1


def test_the_close_page_is_for_clients_only(client, clinician, billing_user, signed_in):
    for person in (clinician, billing_user):
        before = audit_denials_counted(actor_id=person.pk)
        signed_in(person)
        assert client.get(reverse("records:close")).status_code == 404
        assert client.post(reverse("records:close"), {"confirm": "on"}).status_code == 404
        assert audit_denials_counted(actor_id=person.pk) >= before + 1
    assert not ClosureRequest.objects.exists()


def test_deactivating_twice_changes_nothing_more(client_a, admin_user):
    account_deactivate(user=client_a, acting_user=admin_user, reason="test")
    account_deactivate(user=client_a, acting_user=admin_user, reason="test")
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_DEACTIVATED).count() == 1


def test_closing_ends_the_clients_sessions_on_their_other_devices_too(
    client, client_a, signed_in, clock
):
    from django.test import Client

    from tests.conftest import sign_in

    phone = sign_in(Client(), client_a)
    assert phone.get(reverse("records:home")).status_code == 200
    signed_in(client_a)
    _close(client, confirm="on")
    response = phone.get(reverse("records:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_close_page_costs_a_few_queries(
    client, client_a, signed_in, django_assert_max_num_queries
):
    signed_in(client_a)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("records:close")).status_code == 200
