"""The cohort pages (/ops/cohorts/): administrators only (everyone else 404 with a denied audit
row, anonymous to sign in), bad input sent back with 400 and nothing stored, the roster without
clinical detail, and query budgets flat in the number of cohorts."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from audit.selectors import audit_denials_counted
from care.models import CareAssignment
from courses.models import Cohort, EnrollmentStatus, ModuleRelease
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    UserFactory,
    make_track,
)

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
LIST_BUDGET = 12

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def track():
    return make_track(weeks=4, lessons_per_module=1, trauma_weeks=())


@pytest.fixture
def cohort(track):
    return CohortFactory(
        track=track,
        name="Winter",
        start_date=date(2026, 11, 2),
        capacity=6,
        timezone="America/Chicago",
        meeting_weekday=1,
        meeting_time=time(18, 30),
    )


def _urls(cohort):
    return {
        "list": reverse("ops:cohorts"),
        "new": reverse("ops:cohort_new"),
        "edit": reverse("ops:cohort_edit", args=[cohort.pk]),
        "roster": reverse("ops:cohort_roster", args=[cohort.pk]),
    }


def _post_data(of_track, /, **changes):
    data = {
        "track": of_track.pk,
        "name": "Spring",
        "start_date": "2026-12-07",
        "capacity": "8",
        "timezone": "America/Denver",
        "meeting_weekday": "3",
        "meeting_time": "19:00",
    }
    data.update(changes)
    return data


def test_an_administrator_opens_every_cohort_page(client, signed_in, admin_user, cohort):
    signed_in(admin_user)
    for url in _urls(cohort).values():
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort):
    for url in _urls(cohort).values():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "role", [Role.CLIENT, Role.PARTNER, Role.CLINICIAN, Role.SUPERVISOR, Role.BILLING]
)
def test_everyone_but_administrators_gets_404_and_a_denied_audit_row(
    client, signed_in, cohort, role
):
    outsider = UserFactory(role=role)
    signed_in(outsider)
    urls = _urls(cohort)
    for url in urls.values():
        assert client.get(url).status_code == 404, url
    assert client.post(urls["new"], _post_data(cohort.track)).status_code == 404
    assert client.post(urls["edit"], _post_data(cohort.track)).status_code == 404
    assert audit_denials_counted(actor_id=outsider.pk) == 6
    assert Cohort.objects.count() == 1
    cohort.refresh_from_db()
    assert cohort.name == "Winter"


def test_a_cohort_clinician_cannot_open_its_roster(client, signed_in, cohort):
    lead = UserFactory(role=Role.CLINICIAN)
    cohort.clinicians.add(lead)
    signed_in(lead)
    assert client.get(reverse("ops:cohort_roster", args=[cohort.pk])).status_code == 404
    assert audit_denials_counted(actor_id=lead.pk) == 1


def test_a_missing_cohort_is_404_with_a_denied_audit_row(client, signed_in, admin_user):
    signed_in(admin_user)
    assert client.get(reverse("ops:cohort_edit", args=[999_999])).status_code == 404
    assert client.get(reverse("ops:cohort_roster", args=[999_999])).status_code == 404
    assert audit_denials_counted(actor_id=admin_user.pk) == 2


def test_the_list_shows_track_start_seats_meeting_in_the_cohort_zone_and_clinicians(
    client, signed_in, admin_user, cohort
):
    lead = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Rivera")
    cohort.clinicians.add(lead)
    for status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.WITHDRAWN):
        EnrollmentFactory(track=cohort.track, cohort=cohort, status=status)
    signed_in(admin_user)
    html = client.get(reverse("ops:cohorts")).content.decode()
    assert "Winter" in html and cohort.track.title in html
    assert "2 of 6" in html
    assert "Tuesdays at 18:30 (America/Chicago)" in html
    assert "Dr. Rivera" in html


def test_an_administrator_creates_a_cohort_and_it_is_audited(client, signed_in, admin_user, track):
    lead = UserFactory(role=Role.CLINICIAN)
    signed_in(admin_user)
    response = client.post(reverse("ops:cohort_new"), _post_data(track, clinicians=[lead.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("ops:cohorts")
    cohort = Cohort.objects.get(name="Spring")
    assert cohort.timezone == "America/Denver" and cohort.meeting_time == time(19, 0)
    assert list(cohort.clinicians.all()) == [lead]
    assert AuditEvent.objects.filter(action="ops.cohort_created", actor=admin_user).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "winter"}, "name"),  # the track has "Winter"
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"start_date": "2026-13-40"}, "start_date"),
        ({"meeting_time": ""}, "meeting_time"),
        ({"meeting_weekday": "9"}, "meeting_weekday"),
        ({"track": "999999"}, "track"),
        ({"clinicians": ["not-a-number"]}, "clinicians"),
    ],
)
def test_bad_input_is_sent_back_with_400_and_nothing_is_stored(
    client, signed_in, admin_user, cohort, changes, field
):
    signed_in(admin_user)
    response = client.post(reverse("ops:cohort_new"), _post_data(cohort.track, **changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Cohort.objects.count() == 1
    assert not AuditEvent.objects.filter(action="ops.cohort_created").exists()


@pytest.mark.parametrize("role", [Role.CLIENT, Role.BILLING, Role.ADMIN])
def test_only_clinicians_may_be_chosen_as_clinicians(client, signed_in, admin_user, track, role):
    signed_in(admin_user)
    someone = UserFactory(role=role)
    response = client.post(reverse("ops:cohort_new"), _post_data(track, clinicians=[someone.pk]))
    assert response.status_code == 400
    assert "Choose clinicians or clinical supervisors only." in response.content.decode()
    assert not Cohort.objects.exists()


def test_an_edit_below_the_seats_taken_is_sent_back_keeping_what_was_typed(
    client, signed_in, admin_user, cohort
):
    for _ in range(3):
        EnrollmentFactory(track=cohort.track, cohort=cohort, status=EnrollmentStatus.ACTIVE)
    signed_in(admin_user)
    data = _post_data(cohort.track, name="Winter renamed", capacity="2", start_date="2026-11-02")
    response = client.post(reverse("ops:cohort_edit", args=[cohort.pk]), data)
    assert response.status_code == 400
    assert "3 seats are taken" in response.content.decode()
    assert 'value="Winter renamed"' in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.capacity == 6 and cohort.name == "Winter"


def test_an_edit_that_removes_a_clinician_ends_their_assignments(
    client, signed_in, admin_user, cohort
):
    lead = UserFactory(role=Role.CLINICIAN)
    cohort.clinicians.add(lead)
    enrollment = EnrollmentFactory(track=cohort.track, cohort=cohort)
    CareAssignment.objects.create(clinician=lead, client=enrollment.client)
    signed_in(admin_user)
    data = _post_data(cohort.track, name="Winter", start_date="2026-11-02")
    response = client.post(reverse("ops:cohort_edit", args=[cohort.pk]), data)
    assert response.status_code == 302
    assignment = CareAssignment.objects.get(clinician=lead, client=enrollment.client)
    assert not assignment.is_active and assignment.ended_at == NOW
    assert AuditEvent.objects.filter(action="ops.cohort_updated", actor=admin_user).exists()


def test_the_edit_form_shows_the_cohort_as_stored(client, signed_in, admin_user, cohort):
    signed_in(admin_user)
    html = client.get(reverse("ops:cohort_edit", args=[cohort.pk])).content.decode()
    assert 'value="Winter"' in html and 'value="18:30"' in html


def test_other_methods_are_not_allowed(client, signed_in, admin_user, cohort):
    signed_in(admin_user)
    assert client.post(reverse("ops:cohorts")).status_code == 405
    assert client.post(reverse("ops:cohort_roster", args=[cohort.pk])).status_code == 405
    assert client.delete(reverse("ops:cohort_edit", args=[cohort.pk])).status_code == 405


def test_the_roster_shows_name_week_and_status_and_nothing_clinical(
    client, signed_in, admin_user, cohort
):
    alex = UserFactory(role=Role.CLIENT, preferred_name="Alex")
    enrollment = EnrollmentFactory(client=alex, track=cohort.track, cohort=cohort)
    for week in (1, 2):
        ModuleRelease.objects.create(
            enrollment=enrollment, module=cohort.track.modules.get(week=week), reason="schedule"
        )
    EnrollmentFactory(
        client=UserFactory(role=Role.CLIENT, preferred_name="Sam"),
        track=cohort.track,
        cohort=cohort,
        status=EnrollmentStatus.PAUSED,
    )
    signed_in(admin_user)
    response = client.get(reverse("ops:cohort_roster", args=[cohort.pk]))
    html = response.content.decode()
    assert "Alex" in html and "Week 2 of 4" in html and "Active" in html
    assert "Sam" in html and "Not started (4 weeks)" in html and "Paused" in html
    assert "2 of 6 seats taken" in html
    main = html.split("<main", 1)[1].lower()
    for clinical in ("suds", "distress", "worksheet", "check-in", "phq", "risk", "measure"):
        assert clinical not in main, clinical


def _cohorts(track, n):
    leads = [UserFactory(role=Role.CLINICIAN) for _ in range(3)]
    for i in range(n):
        cohort = CohortFactory(track=track, start_date=date(2026, 12, 7))
        cohort.clinicians.add(*leads[: 1 + i % 3])
        EnrollmentFactory(track=track, cohort=cohort, status=EnrollmentStatus.ACTIVE)


def _list_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ops:cohorts"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("size", [2, 40])
def test_the_list_stays_within_its_query_budget_at_2_and_40_cohorts(
    client, signed_in, admin_user, track, django_assert_max_num_queries, size
):
    _cohorts(track, size)
    signed_in(admin_user)
    client.get(reverse("ops:cohorts"))  # warm the session
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(reverse("ops:cohorts"))
    assert response.content.decode().count("Roster of ") == size


def test_the_list_costs_the_same_queries_for_2_and_40_cohorts(client, signed_in, admin_user, track):
    signed_in(admin_user)
    _cohorts(track, 2)
    client.get(reverse("ops:cohorts"))
    few = _list_queries(client)
    _cohorts(track, 38)
    assert _list_queries(client) == few


def test_the_roster_costs_the_same_queries_for_2_and_40_clients(
    client, signed_in, admin_user, cohort
):
    signed_in(admin_user)
    url = reverse("ops:cohort_roster", args=[cohort.pk])

    def enroll(n):
        for _ in range(n):
            EnrollmentFactory(track=cohort.track, cohort=cohort)

    enroll(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    enroll(38)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_form_pages_cost_the_same_queries_for_2_and_40_cohorts(
    client, signed_in, admin_user, cohort
):
    signed_in(admin_user)
    url = reverse("ops:cohort_edit", args=[cohort.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _cohorts(cohort.track, 40)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
