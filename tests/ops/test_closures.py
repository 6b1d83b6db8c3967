"""Account closures in the administrators' console (/ops/closures/): the list, completing one
behind a fresh sign-in (who and when kept, records retained), for administrators alone."""

import pytest
import time_machine
from django.urls import reverse

from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from daily.models import Checkin
from records.models import ClosureRequest
from records.services import closure_complete, closure_request
from tests.factories import CheckinFactory, UserFactory
from tests.records.history import NOW


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def closure(client_a, clock):
    CheckinFactory(client=client_a)
    return closure_request(client=client_a, reason="private-reason-canary", now=NOW)


def test_administrators_see_who_asked_and_when_but_not_the_reason(
    client, admin_user, closure, client_a, signed_in
):
    signed_in(admin_user)
    page = client.get(reverse("ops:closures")).content.decode()
    assert client_a.email in page
    assert "Waiting" in page
    assert "private-reason-canary" not in page


@pytest.mark.parametrize("who", ["client_a", "client_b", "clinician", "billing_user"])
def test_everyone_else_gets_404_and_a_denied_audit_row(client, closure, signed_in, who, request):
    person = request.getfixturevalue(who)
    if not person.is_active:
        person.is_active = True
        person.save(update_fields=["is_active"])
    signed_in(person)
    before = audit_denials_counted()
    assert client.get(reverse("ops:closures")).status_code == 404
    url = reverse("ops:closure_complete", args=[closure.pk])
    assert client.post(url).status_code == 404
    assert audit_denials_counted() >= before + 1
    closure.refresh_from_db()
    assert closure.status == ClosureRequest.Status.OPEN


def test_completing_asks_for_a_fresh_sign_in_first(client, admin_user, closure, signed_in, clock):
    signed_in(admin_user)
    clock.shift(6 * 60)
    response = client.post(reverse("ops:closure_complete", args=[closure.pk]))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    closure.refresh_from_db()
    assert closure.status == ClosureRequest.Status.OPEN


def test_completing_records_who_and_when_and_keeps_the_records(
    client, admin_user, closure, client_a, signed_in
):
    signed_in(admin_user)
    response = client.post(reverse("ops:closure_complete", args=[closure.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("ops:closures")
    closure.refresh_from_db()
    assert closure.status == ClosureRequest.Status.COMPLETED
    assert (closure.completed_by, closure.completed_at) == (admin_user, NOW)
    event = AuditEvent.objects.get(action=Action.ACCOUNT_CLOSURE_COMPLETED)
    assert event.actor == admin_user and event.subject == client_a
    assert event.metadata == {"retention_years": 7}
    client_a.refresh_from_db()
    assert not client_a.is_active
    assert Checkin.objects.filter(client=client_a).count() == 1
    page = client.get(reverse("ops:closures")).content.decode()
    assert "The closure is complete. The records are kept." in page


def test_completing_twice_completes_once(client, admin_user, closure, signed_in):
    signed_in(admin_user)
    url = reverse("ops:closure_complete", args=[closure.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "already complete" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_CLOSURE_COMPLETED).count() == 1


def test_an_unknown_closure_is_a_denied_404(client, admin_user, signed_in, db):
    signed_in(admin_user)
    before = audit_denials_counted(actor_id=admin_user.pk)
    assert client.post(reverse("ops:closure_complete", args=[999999])).status_code == 404
    assert audit_denials_counted(actor_id=admin_user.pk) == before + 1


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_makes_the_same_few_queries_for_one_closure_or_thirty(
    client, admin_user, signed_in, clock, django_assert_max_num_queries, count
):
    for _ in range(count):
        person = UserFactory()
        done = closure_request(client=person, reason="", now=NOW)
        if count > 1:
            closure_complete(request=done, by=admin_user, now=NOW)
    signed_in(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("ops:closures"))
    assert response.content.decode().count('id="closure-') == count


def test_the_console_links_to_the_closures(client, admin_user, signed_in):
    signed_in(admin_user)
    page = client.get(reverse("accounts:console")).content.decode()
    assert reverse("ops:closures") in page and "Account closures" in page
