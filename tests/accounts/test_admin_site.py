"""B-1 in the Django admin: every add and change form of every registered model answers hostile
input with the form and its errors (or a refusal), never a 500, and a refused post stores
nothing.

The Django test client re-raises a server error as an exception, so a 500 fails loudly here.
A new admin (or a new field on one) is swept without a change to this file."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from courses.models import EnrollmentStatus
from courses.services.pacing import pacing_pause
from payments.models import BillingAccount, Plan
from tests.factories import (
    CareAssignmentFactory,
    CohortFactory,
    EnrollmentFactory,
    UserFactory,
    make_track,
)

HOSTILE = {
    "empty": "",
    "a NUL byte": "a\x00b",
    "10k characters": "x" * 10_000,
    "a negative number": "-1",
    "a number too large for any column": "9" * 30,
    "a float overflow": "1e400",
    "not a number": "NaN",
    "an impossible date": "2026-13-45",
    "an HTML payload": "<script>alert(1)</script>",
    "an SQL payload": "' OR '1'='1' --",
    "an RTL override": "\u202eevil",
}


def registered_admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def as_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def form_field_names(response) -> list[str]:
    return list(response.context["adminform"].form.fields)


def hostile_post(names: list[str], value: str) -> dict:
    return {name: value for name in names}


def rows_of_every_model() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model, _ in registered_admins()}


def assert_answered_without_an_error_page(response, where: str) -> None:
    assert response.status_code in (200, 302, 400), f"{where}: {response.status_code}"


@pytest.fixture
def records(db, client_a, superuser):
    """One record of every model whose change form an administrator can open, in each state that
    changes which fields the form has."""
    track = make_track(weeks=4, lessons_per_module=1)
    cohort = CohortFactory(track=track)
    cohort.clinicians.add(UserFactory(role=Role.CLINICIAN))
    active = EnrollmentFactory(client=client_a, track=track, cohort=cohort)
    paused = EnrollmentFactory(track=track)
    pacing_pause(
        enrollment=paused, reason_code="life_event", author=superuser,
        now=datetime(2026, 11, 4, 15, 0, tzinfo=UTC),
    )  # fmt: skip
    finished = EnrollmentFactory(track=track, status=EnrollmentStatus.COMPLETED)
    sold = Plan.objects.create(track=track, slug="sold", kind="full", amount=Decimal("900"))
    BillingAccount.objects.create(enrollment=active, plan=sold)
    unsold = Plan.objects.create(
        track=track, slug="unsold", kind="installments", installments=3, amount=Decimal("300")
    )
    ended = CareAssignmentFactory(client=client_a, is_active=False)
    return [
        client_a,
        CareAssignmentFactory(client=client_a),
        ended,
        cohort,
        CohortFactory(track=track),
        active,
        paused,
        finished,
        sold,
        unsold,
    ]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=list(HOSTILE))
def test_every_admin_add_form_refuses_hostile_input_without_an_error_page(
    client, superuser, signed_in, value
):
    signed_in(superuser)
    swept = 0
    for model, model_admin in registered_admins():
        if not model_admin.has_add_permission(as_request(superuser)):
            continue  # ledgers and content: the admin refuses adding them at all
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}_add"
        url = reverse(name)
        page = client.get(url)
        assert page.status_code == 200, f"{name}: {page.status_code}"
        before = rows_of_every_model()
        response = client.post(url, hostile_post(form_field_names(page), value))
        assert_answered_without_an_error_page(response, name)
        if response.status_code != 302:
            assert rows_of_every_model() == before, f"{name} stored something it refused"
        swept += 1
    assert swept >= 5  # users, care assignments, cohorts, enrollments, plans


@pytest.mark.parametrize("value", HOSTILE.values(), ids=list(HOSTILE))
def test_every_admin_change_form_refuses_hostile_input_without_an_error_page(
    client, superuser, signed_in, records, value
):
    signed_in(superuser)
    for record in records:
        opts = record._meta
        name = f"admin:{opts.app_label}_{opts.model_name}_change"
        url = reverse(name, args=[record.pk])
        page = client.get(url)
        assert page.status_code == 200, f"{name}: {page.status_code}"
        fields = form_field_names(page)
        events = AuditEvent.objects.count()
        stored = type(record).objects.filter(pk=record.pk).values().get()
        response = client.post(url, hostile_post(fields, value))
        assert_answered_without_an_error_page(response, f"{name} #{record.pk}")
        if response.status_code != 302:
            assert type(record).objects.filter(pk=record.pk).values().get() == stored
            assert AuditEvent.objects.count() == events


def test_every_registered_admin_is_swept(records):
    """The sweep above opens a change form for every model an administrator may change."""
    request = as_request(User.objects.get(role=Role.ADMIN))
    changeable = {
        model
        for model, model_admin in registered_admins()
        if model_admin.has_change_permission(request)
    }
    assert changeable == {type(record) for record in records}
