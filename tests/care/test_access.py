"""A-1, A-2: a clinician reaches only their own clients; missing and forbidden look the same."""

import re

from django.urls import reverse

from audit.models import Action, AuditEvent, Outcome
from audit.selectors import audit_denials_counted
from care.models import CareAssignment
from care.permissions import access_client


def test_the_assigned_clinician_opens_the_client_and_the_read_is_audited(
    client, clinician, client_a, signed_in
):
    signed_in(clinician)
    response = client.get(reverse("care:client_detail", args=[client_a.pk]))
    assert response.status_code == 200
    viewed = AuditEvent.objects.get(action=Action.RECORD_VIEWED)
    assert (viewed.actor, viewed.subject) == (clinician, client_a)


def test_another_clinician_gets_404_and_a_denied_event(
    client, other_clinician, client_a, signed_in
):
    signed_in(other_clinician)
    response = client.get(reverse("care:client_detail", args=[client_a.pk]))
    assert response.status_code == 404
    denied = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert denied.actor == other_clinician
    assert denied.outcome == Outcome.DENIED
    assert denied.target_id == str(client_a.pk)


def test_a_missing_client_looks_exactly_like_a_forbidden_one(
    client, clinician, client_b, signed_in
):
    signed_in(clinician)
    forbidden = client.get(reverse("care:client_detail", args=[client_b.pk]))
    missing = client.get(reverse("care:client_detail", args=[999_999]))
    assert forbidden.status_code == missing.status_code == 404
    # Identical but for the per-response CSRF token in the sign-out form.
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", forbidden.content) == token.sub(b"", missing.content)
    assert audit_denials_counted() == 2


def test_an_ended_assignment_closes_the_record(client, clinician, client_a, signed_in):
    CareAssignment.objects.filter(clinician=clinician).update(is_active=False)
    signed_in(clinician)
    assert client.get(reverse("care:client_detail", args=[client_a.pk])).status_code == 404


def test_the_caseload_lists_only_assigned_clients(client, clinician, client_a, client_b, signed_in):
    signed_in(clinician)
    response = client.get(reverse("care:caseload"))
    assert response.status_code == 200
    assert client_a.preferred_name in response.content.decode()
    assert client_b.preferred_name not in response.content.decode()


def test_the_caseload_page_query_count_stays_flat(
    client, clinician, signed_in, django_assert_max_num_queries
):
    from tests.factories import CareAssignmentFactory

    for _ in range(30):
        CareAssignmentFactory(clinician=clinician)
    signed_in(clinician)
    # The caseload's seven reads (care/selectors/caseload.py: with the group absences) and the
    # page's own.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("care:caseload")).status_code == 200


def test_billing_and_admin_roles_see_no_client_record(billing_user, admin_user, client_a):
    import pytest
    from django.http import Http404

    for user in (billing_user, admin_user):
        with pytest.raises(Http404):
            access_client(user=user, client_id=client_a.pk)


def test_a_client_reaches_only_their_own_record(client_a, client_b):
    import pytest
    from django.http import Http404

    assert access_client(user=client_a, client_id=client_a.pk) == client_a
    with pytest.raises(Http404):
        access_client(user=client_a, client_id=client_b.pk)
