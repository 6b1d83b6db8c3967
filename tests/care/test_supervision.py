"""A-2: a clinical supervisor sees the caseloads of the clinicians they actively supervise and can
open those clients' records; an ended supervision or assignment closes them (A-1: the same 404
as a missing record, with a denied row in the trail)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.http import Http404
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent, Outcome
from care.models import CareAssignment, Supervision
from care.permissions import access_client
from care.selectors import clients_visible_to
from care.selectors.caseload import caseload_rows
from tests.factories import CareAssignmentFactory, UserFactory

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def supervisor(db, clinician):
    """A clinical supervisor who supervises `clinician` (who follows client_a)."""
    user = UserFactory(role=Role.SUPERVISOR, preferred_name="Dr. Lead")
    Supervision.objects.create(supervisor=user, clinician=clinician)
    return user


def detail(client):
    return reverse("care:client_detail", args=[client.pk])


def denied_rows(user) -> int:
    return AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED, actor=user, outcome=Outcome.DENIED
    ).count()


def test_a_supervisor_opens_a_supervisees_client_and_the_read_is_audited(
    client, supervisor, client_a, signed_in
):
    signed_in(supervisor)
    assert client.get(detail(client_a)).status_code == 200
    viewed = AuditEvent.objects.get(action=Action.RECORD_VIEWED)
    assert (viewed.actor, viewed.subject) == (supervisor, client_a)


def test_a_supervisor_sees_their_supervisees_caseload_with_a_clinician_column(
    client, supervisor, clinician, client_a, signed_in
):
    own = UserFactory(role=Role.CLIENT, preferred_name="Morgan")
    CareAssignmentFactory(clinician=supervisor, client=own)

    signed_in(supervisor)
    page = client.get(reverse("care:caseload")).content.decode()

    assert '<th scope="col">Clinician</th>' in page
    assert f'href="{detail(client_a)}">Alex</a>' in page
    assert f'href="{detail(own)}">Morgan</a>' in page
    assert ">Dr. Assigned</td>" in page and ">Dr. Lead</td>" in page


def test_a_clinician_without_supervisees_has_no_clinician_column(
    client, clinician, client_a, signed_in
):
    signed_in(clinician)
    assert (
        '<th scope="col">Clinician</th>'
        not in client.get(reverse("care:caseload")).content.decode()
    )


def test_a_supervisor_does_not_reach_another_clinicians_client(
    client, supervisor, other_clinician, client_b, signed_in
):
    CareAssignmentFactory(clinician=other_clinician, client=client_b)

    signed_in(supervisor)
    assert client.get(detail(client_b)).status_code == 404
    assert client.post(detail(client_b)).status_code == 404
    assert denied_rows(supervisor) == 1  # counted per minute: one row, two denials
    assert "Blake" not in client.get(reverse("care:caseload")).content.decode()


def test_an_ended_supervision_closes_the_records_and_the_caseload(
    client, supervisor, client_a, signed_in
):
    Supervision.objects.filter(supervisor=supervisor).update(is_active=False, ended_at=NOW)

    signed_in(supervisor)
    assert client.get(detail(client_a)).status_code == 404
    assert denied_rows(supervisor) == 1
    assert caseload_rows(viewer=supervisor, now=NOW).total == 0
    assert "Alex" not in client.get(reverse("care:caseload")).content.decode()


def test_an_ended_assignment_closes_the_record_to_the_supervisor_too(
    client, supervisor, clinician, client_a, signed_in
):
    CareAssignment.objects.filter(clinician=clinician, client=client_a).update(
        is_active=False, ended_at=NOW
    )
    signed_in(supervisor)
    assert client.get(detail(client_a)).status_code == 404
    assert denied_rows(supervisor) == 1


def test_supervision_reaches_only_one_level_down(supervisor, client_b):
    # The supervisor's own supervisor sees the supervisor's clients, not their supervisees'.
    head = UserFactory(role=Role.SUPERVISOR)
    Supervision.objects.create(supervisor=head, clinician=supervisor)
    CareAssignmentFactory(clinician=supervisor, client=client_b)

    assert list(clients_visible_to(user=head)) == [client_b]


def test_only_a_supervisor_role_supervises(clinician, other_clinician, client_a):
    # A supervision row naming a plain clinician as the supervisor grants nothing: the role decides.
    Supervision.objects.create(supervisor=other_clinician, clinician=clinician)

    with pytest.raises(Http404):
        access_client(user=other_clinician, client_id=client_a.pk)
    assert caseload_rows(viewer=other_clinician, now=NOW).total == 0


def test_a_client_reached_through_two_clinicians_is_one_row_naming_both(
    supervisor, clinician, other_clinician, client_a
):
    Supervision.objects.create(supervisor=supervisor, clinician=other_clinician)
    CareAssignmentFactory(clinician=other_clinician, client=client_a)

    caseload = caseload_rows(viewer=supervisor, now=NOW)

    assert caseload.total == 1 and caseload.shows_clinicians
    assert {c.pk for c in caseload.rows[0].clinicians} == {clinician.pk, other_clinician.pk}
    assert list(clients_visible_to(user=supervisor)) == [client_a]


def test_the_supervisee_keeps_their_own_caseload_and_sees_nothing_of_the_supervisors(
    supervisor, clinician, client_a, client_b
):
    CareAssignmentFactory(clinician=supervisor, client=client_b)
    assert list(clients_visible_to(user=clinician)) == [client_a]
    with pytest.raises(Http404):
        access_client(user=clinician, client_id=client_b.pk)
