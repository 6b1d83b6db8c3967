"""The client's DSAP pages (/me/plan/, /me/plan/edit/): their own, whatever their billing or
enrollment; staff get 404 with a denied audit row; one client never sees another's plan; a
refused part comes back (400) with everything typed; the pages cost the same however many
versions there are."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import Action, AuditEvent, Outcome
from daily.models import Dsap
from daily.services.plan import dsap_save

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
PAGE, EDIT = "daily:plan", "daily:plan_edit"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _form(**sections):
    return {key: sections.get(key, "") for key in ("bottom_lines", "warning_signs", "anchors")}


def test_a_client_without_a_plan_is_invited_to_write_one(client, client_a, signed_in):
    signed_in(client_a)
    page = client.get(reverse(PAGE)).content.decode()
    assert "Write my plan" in page and reverse(EDIT) in page
    assert "earlier versions are kept" in page


def test_a_client_writes_the_plan_reads_it_and_changes_it_as_a_new_version(
    client, client_a, signed_in
):
    signed_in(client_a)
    response = client.post(
        reverse(EDIT), _form(bottom_lines="No apps after 10", anchors="Walk\n\nCall Sam\n")
    )
    assert response.status_code == 302 and response.url == reverse(PAGE)
    page = client.get(reverse(PAGE)).content.decode()
    assert "No apps after 10" in page
    assert "<li>Walk</li>" in page and "<li>Call Sam</li>" in page
    assert "Version 1" in page and "Earlier versions are kept." in page
    edit = client.get(reverse(EDIT)).content.decode()
    assert "No apps after 10" in edit and "version 2" in edit
    client.post(reverse(EDIT), _form(bottom_lines="No apps after 10", anchors="Walk"))
    assert list(Dsap.objects.values_list("version", flat=True)) == [2, 1]
    response = client.post(reverse(EDIT), _form(bottom_lines="No apps after 10", anchors="Walk"),
                           follow=True)  # fmt: skip
    assert "Nothing had changed" in response.content.decode()
    assert Dsap.objects.count() == 2


def test_only_the_first_twelve_anchors_are_used_and_the_page_says_so(client, client_a, signed_in):
    dsap_save(client=client_a, sections={"anchors": "\n".join(f"A{n}" for n in range(14))}, now=NOW)
    signed_in(client_a)
    page = client.get(reverse(PAGE)).content.decode()
    assert "<li>A11</li>" in page and "<li>A12</li>" not in page
    assert "first 12 anchors" in page


def test_a_refused_part_keeps_everything_typed_and_stores_nothing(client, client_a, signed_in):
    signed_in(client_a)
    response = client.post(
        reverse(EDIT), _form(bottom_lines="x" * 4001, warning_signs="Late nights alone")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Late nights alone" in page and "4,001" in page
    response = client.post(reverse(EDIT), _form(anchors="Walk\x00"))
    assert response.status_code == 400
    assert not Dsap.objects.exists()


def test_wrong_methods_are_refused_after_the_door(client, client_a, signed_in):
    signed_in(client_a)
    assert client.post(reverse(PAGE)).status_code == 405
    assert client.put(reverse(EDIT)).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in (PAGE, EDIT):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("staff", ["clinician", "other_clinician", "billing_user", "admin_user"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_get_404_and_a_denied_row_and_nothing_is_stored(
    staff, method, request, client, client_a, signed_in
):
    dsap_save(client=client_a, sections={"bottom_lines": "CANARY-dsap-77"}, now=NOW)
    user = request.getfixturevalue(staff)
    signed_in(user)
    for name in (PAGE, EDIT):
        response = getattr(client, method)(reverse(name), _form(anchors="x"))
        assert response.status_code == 404
        assert "CANARY" not in response.content.decode()
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user)
    assert denied.exists() and {d.outcome for d in denied} == {Outcome.DENIED}
    assert Dsap.objects.count() == 1


def test_one_clients_plan_never_shows_to_another(client, client_a, client_b, signed_in):
    dsap_save(client=client_a, sections={"anchors": "CANARY-dsap-a"}, now=NOW)
    signed_in(client_b)
    for name in (PAGE, EDIT):
        assert "CANARY" not in client.get(reverse(name)).content.decode()
    client.post(reverse(EDIT), _form(anchors="Mine"))
    assert Dsap.objects.get(client=client_b).anchors == "Mine"
    assert Dsap.objects.get(client=client_a).anchors == "CANARY-dsap-a"


def test_the_plan_pages_cost_the_same_however_many_versions(
    client, client_a, signed_in, django_assert_max_num_queries
):
    signed_in(client_a)
    for url in (reverse(PAGE), reverse(EDIT)):
        client.get(url)  # warm the session
    counts = []
    for first, last in ((1, 1), (2, 12)):
        for n in range(first, last + 1):
            dsap_save(client=client_a, sections={"anchors": f"Walk, take {n}"}, now=NOW)
        # Session and user; the client's current plan.
        for url in (reverse(PAGE), reverse(EDIT)):
            with django_assert_max_num_queries(3) as captured:
                assert "Walk, take" in client.get(url).content.decode()
            counts.append(len(captured.captured_queries))
    assert counts[:2] == counts[2:], counts
