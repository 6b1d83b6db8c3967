"""Care assignments in the admin: the pickers offer only who fits, bad choices are form errors
(never a 500), and every change goes through the audited services."""

import html
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from care.models import CareAssignment
from tests.factories import CareAssignmentFactory, UserFactory

ADD = reverse("admin:care_careassignment_add")


def change_url(assignment) -> str:
    return reverse("admin:care_careassignment_change", args=[assignment.pk])


def form_of(response):
    return response.context["adminform"].form


def assert_refused_with(response, message: str) -> None:
    assert response.status_code == 200, response.status_code
    errors = [str(error) for errors in form_of(response).errors.values() for error in errors]
    assert message in errors
    assert html.escape(message) in response.content.decode()


@pytest.fixture
def people(db):
    return {
        "clinician": UserFactory(role=Role.CLINICIAN),
        "supervisor": UserFactory(role=Role.SUPERVISOR),
        "client": UserFactory(role=Role.CLIENT),
        "partner": UserFactory(role=Role.PARTNER),
        "billing": UserFactory(role=Role.BILLING),
        "admin": UserFactory(role=Role.ADMIN),
        "former clinician": UserFactory(role=Role.CLINICIAN, is_active=False),
        "former client": UserFactory(role=Role.CLIENT, is_active=False),
    }


def test_saving_an_assignment_whose_clinician_is_a_client_is_a_form_error_and_stores_nothing(
    client, superuser, people, signed_in
):
    signed_in(superuser)
    response = client.post(ADD, {"clinician": people["client"].pk, "client": people["client"].pk})
    assert_refused_with(response, "Choose a clinician or a clinical supervisor.")
    assert not CareAssignment.objects.exists()
    assert not AuditEvent.objects.filter(action="care.assignment_created").exists()


@pytest.mark.parametrize("who", ["clinician", "billing", "admin", "former client"])
def test_saving_an_assignment_whose_client_is_not_a_client_is_a_form_error(
    client, superuser, people, signed_in, who
):
    signed_in(superuser)
    response = client.post(ADD, {"clinician": people["clinician"].pk, "client": people[who].pk})
    assert_refused_with(response, "Choose a client or a partner.")
    assert not CareAssignment.objects.exists()


def test_the_clinician_picker_offers_only_active_clinicians_and_supervisors(
    client, superuser, people, signed_in
):
    signed_in(superuser)
    response = client.get(ADD)
    offered = set(form_of(response).fields["clinician"].queryset)
    assert offered == {people["clinician"], people["supervisor"]}
    page = response.content.decode()
    assert people["clinician"].email in page
    assert people["client"].email not in page


def test_the_client_picker_looks_up_only_active_clients_and_partners(
    client, superuser, people, signed_in
):
    signed_in(superuser)
    field = form_of(client.get(ADD)).fields["client"]
    assert set(field.queryset) == {people["client"], people["partner"]}
    lookup = field.widget.url_parameters()
    assert lookup["role__in"] == "client,partner"
    assert lookup["is_active__exact"] == "1"
    # The lookup list the picker opens shows exactly those people.
    popup = client.get(reverse("admin:accounts_user_changelist"), {**lookup, "_popup": "1"})
    assert popup.status_code == 200
    assert set(popup.context["cl"].result_list) == {people["client"], people["partner"]}


def test_an_admin_assigns_a_client_through_the_audited_service(
    client, superuser, people, signed_in
):
    signed_in(superuser)
    response = client.post(
        ADD, {"clinician": people["supervisor"].pk, "client": people["partner"].pk}
    )
    assert response.status_code == 302, response.content[:400]
    assignment = CareAssignment.objects.get()
    assert (assignment.clinician, assignment.client) == (people["supervisor"], people["partner"])
    assert AuditEvent.objects.get(action="care.assignment_created").actor == superuser


def test_a_pair_already_assigned_is_a_form_error_and_nothing_is_added(
    client, superuser, people, signed_in
):
    CareAssignmentFactory(clinician=people["clinician"], client=people["client"])
    signed_in(superuser)
    response = client.post(
        ADD, {"clinician": people["clinician"].pk, "client": people["client"].pk}
    )
    assert_refused_with(response, "This client is already on this clinician's caseload.")
    assert CareAssignment.objects.count() == 1


def test_an_assignment_keeps_its_clinician_and_client_once_made(
    client, superuser, people, signed_in
):
    assignment = CareAssignmentFactory(clinician=people["clinician"], client=people["client"])
    signed_in(superuser)
    response = client.post(
        change_url(assignment),
        {"clinician": people["client"].pk, "client": people["clinician"].pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.clinician, assignment.client) == (people["clinician"], people["client"])


def test_ending_an_assignment_in_the_admin_is_audited_and_it_stays_ended(
    client, superuser, people, signed_in
):
    assignment = CareAssignmentFactory(clinician=people["clinician"], client=people["client"])
    moment = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        signed_in(superuser)
        response = client.post(change_url(assignment), {})  # the "active" box unticked
    assert response.status_code == 302, response.content[:400]
    assignment.refresh_from_db()
    assert (assignment.is_active, assignment.ended_at) == (False, moment)
    assert AuditEvent.objects.get(action="care.assignment_ended").actor == superuser

    # An ended assignment is history: ticking the box again does not reopen it.
    response = client.post(change_url(assignment), {"is_active": "on"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.is_active is False


def test_reopening_an_ended_pair_beside_an_active_one_is_never_a_500(
    client, superuser, people, signed_in
):
    CareAssignmentFactory(clinician=people["clinician"], client=people["client"])
    ended = CareAssignmentFactory(
        clinician=people["clinician"], client=people["client"], is_active=False
    )
    signed_in(superuser)
    response = client.post(
        change_url(ended),
        {"clinician": people["clinician"].pk, "client": people["client"].pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assert CareAssignment.objects.filter(is_active=True).count() == 1


def test_a_role_changed_between_the_form_and_the_save_is_a_message_and_stores_nothing(
    client, superuser, people, signed_in, monkeypatch
):
    import care.admin
    from care.services import care_assignment_create

    def demoted_meanwhile(*, clinician, client, acting_user):
        type(clinician).objects.filter(pk=clinician.pk).update(role=Role.CLIENT)
        clinician.role = Role.CLIENT
        return care_assignment_create(clinician=clinician, client=client, acting_user=acting_user)

    monkeypatch.setattr(care.admin, "care_assignment_create", demoted_meanwhile)
    signed_in(superuser)
    response = client.post(
        ADD, {"clinician": people["clinician"].pk, "client": people["client"].pk}, follow=True
    )
    assert response.redirect_chain == [(ADD, 302)]
    assert "Only clinicians and supervisors hold a caseload." in response.content.decode()
    assert not CareAssignment.objects.exists()
    assert not AuditEvent.objects.filter(action="care.assignment_created").exists()
