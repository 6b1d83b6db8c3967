"""The console's enrollment pages (/ops/enrollments/): find, detail, move with its preview,
withdraw, complete, re-admit. Administrators only; every change after a fresh sign-in."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import EnrollmentStatus, ModuleRelease
from courses.services.enrollment import enrollment_close, enrollment_create
from tests.factories import PASSWORD, CohortFactory, UserFactory, make_track

S = EnrollmentStatus
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def track(db):
    return make_track(weeks=6, lessons_per_module=1, trauma_weeks=())


@pytest.fixture
def cohorts(track):
    return (
        CohortFactory(track=track, name="November", start_date=date(2026, 11, 2)),
        CohortFactory(track=track, name="December", start_date=date(2026, 12, 7), capacity=2),
    )


@pytest.fixture
def enrollment(track, cohorts, client_a):
    return enrollment_create(client=client_a, track=track, cohort=cohorts[0], now=NOW)


def url(name, enrollment, *args):
    return reverse(f"ops:{name}", args=[enrollment.pk, *args])


def test_an_administrator_finds_a_clients_enrollments_by_email(
    client, signed_in, admin_user, enrollment, client_a
):
    signed_in(admin_user)
    response = client.get(reverse("ops:enrollments"), {"email": client_a.email.upper()})
    assert response.status_code == 200
    assert url("enrollment", enrollment) in response.content.decode()


def test_a_bad_email_in_the_search_is_a_400_with_the_error(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.get(reverse("ops:enrollments"), {"email": "not an address"})
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_the_detail_page_shows_the_enrollment_and_its_actions(
    client, signed_in, admin_user, enrollment
):
    signed_in(admin_user)
    page = client.get(url("enrollment", enrollment)).content.decode()
    assert "November" in page and "Weeks open" in page
    assert url("enrollment_status", enrollment, "withdraw") in page
    assert url("enrollment_status", enrollment, "complete") in page
    assert url("enrollment_status", enrollment, "readmit") not in page
    assert url("enrollment_move", enrollment) in page


@pytest.mark.parametrize("who", ["client_a", "clinician", "billing_user"])
def test_everyone_but_an_administrator_gets_404_with_a_denied_audit(
    client, signed_in, request, enrollment, who
):
    user = request.getfixturevalue(who)
    signed_in(user)
    for address in (
        url("enrollment", enrollment),
        url("enrollment_move", enrollment),
        reverse("ops:enrollments"),
    ):
        assert client.get(address).status_code == 404
    response = client.post(url("enrollment_status", enrollment, "withdraw"), {"reason": "x"})
    assert response.status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == S.ACTIVE
    assert AuditEvent.objects.filter(actor=user, outcome="denied").exists()


def test_anonymous_is_sent_to_sign_in(client, enrollment):
    response = client.get(url("enrollment", enrollment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_enrollment_is_404(client, signed_in, admin_user):
    signed_in(admin_user)
    assert client.get(reverse("ops:enrollment", args=[999999])).status_code == 404


def test_the_move_preview_lists_when_each_week_opens_in_the_clients_zone(
    client, signed_in, admin_user, enrollment, cohorts
):
    signed_in(admin_user)
    response = client.get(url("enrollment_move", enrollment), {"cohort": cohorts[1].pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Already open" in page  # weeks 1-4
    # Week 5 from 7 December: Monday 4 January 2027, 06:00 in the client's zone.
    assert "Mon Jan 4, 2027 06:00" in page
    assert "seats taken 0 / 2" in page
    enrollment.refresh_from_db()
    assert enrollment.cohort_id == cohorts[0].pk  # a preview changes nothing


def test_the_move_page_without_a_cohort_asks_for_one_and_a_bad_one_is_400(
    client, signed_in, admin_user, enrollment, cohorts
):
    signed_in(admin_user)
    assert client.get(url("enrollment_move", enrollment)).status_code == 200
    other = CohortFactory()  # another track's cohort is not a choice
    response = client.get(url("enrollment_move", enrollment), {"cohort": other.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_confirming_the_move_moves_it_and_audits(
    client, signed_in, admin_user, enrollment, cohorts
):
    signed_in(admin_user)
    response = client.post(
        url("enrollment_move", enrollment), {"cohort": cohorts[1].pk, "reason": "Fits work"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("enrollment", enrollment)
    enrollment.refresh_from_db()
    assert enrollment.cohort_id == cohorts[1].pk
    assert AuditEvent.objects.get(action="enrollment.moved").metadata["reason"] == "Fits work"


def test_a_move_without_a_reason_is_400_keeping_the_choice_and_storing_nothing(
    client, signed_in, admin_user, enrollment, cohorts
):
    signed_in(admin_user)
    response = client.post(
        url("enrollment_move", enrollment), {"cohort": cohorts[1].pk, "reason": " "}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required" in page
    assert f'<option value="{cohorts[1].pk}" selected>' in page
    assert "Already open" in page  # the preview stays on the page
    enrollment.refresh_from_db()
    assert enrollment.cohort_id == cohorts[0].pk


def test_a_move_into_a_full_cohort_is_400_with_the_message(
    client, signed_in, admin_user, enrollment, cohorts, track
):
    for _ in range(2):
        enrollment_create(client=UserFactory(), track=track, cohort=cohorts[1], now=NOW)
    signed_in(admin_user)
    response = client.post(
        url("enrollment_move", enrollment), {"cohort": cohorts[1].pk, "reason": "r"}
    )
    assert response.status_code == 400
    assert "That cohort is full." in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.cohort_id == cohorts[0].pk


def test_a_stale_sign_in_is_asked_to_confirm_before_a_move_and_the_move_then_goes_through(
    client, signed_in, admin_user, enrollment, cohorts, clock
):
    signed_in(admin_user)
    clock.shift(6 * 60)
    asked = client.post(
        url("enrollment_move", enrollment), {"cohort": cohorts[1].pk, "reason": "r"}
    )
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    enrollment.refresh_from_db()
    assert enrollment.cohort_id == cohorts[0].pk
    done = client.post(asked["Location"], {"password": PASSWORD})
    assert done.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.cohort_id == cohorts[1].pk


@pytest.mark.parametrize(
    ("action", "status"), [("withdraw", S.WITHDRAWN), ("complete", S.COMPLETED)]
)
def test_withdraw_and_complete_with_a_reason(
    client, signed_in, admin_user, enrollment, action, status
):
    signed_in(admin_user)
    response = client.post(url("enrollment_status", enrollment, action), {"reason": "As agreed"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == status
    assert AuditEvent.objects.filter(
        action="enrollment.status_changed", metadata__reason="As agreed"
    ).exists()


def test_a_status_change_without_a_reason_is_400_and_changes_nothing(
    client, signed_in, admin_user, enrollment
):
    signed_in(admin_user)
    response = client.post(url("enrollment_status", enrollment, "withdraw"), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == S.ACTIVE


def test_readmit_from_withdrawn_and_a_refused_readmit_is_400(
    client, signed_in, admin_user, enrollment
):
    signed_in(admin_user)
    refused = client.post(url("enrollment_status", enrollment, "readmit"), {"reason": "r"})
    assert refused.status_code == 400
    assert "cannot be re-admitted" in refused.content.decode()
    enrollment_close(
        enrollment=enrollment, status=S.WITHDRAWN, reason="r", acting_user=admin_user, now=NOW
    )
    assert (
        url("enrollment_status", enrollment, "readmit")
        in client.get(url("enrollment", enrollment)).content.decode()
    )
    done = client.post(url("enrollment_status", enrollment, "readmit"), {"reason": "Back"})
    assert done.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == S.ACTIVE


def test_a_status_change_asks_for_a_fresh_sign_in(client, signed_in, admin_user, enrollment, clock):
    signed_in(admin_user)
    clock.shift(6 * 60)
    asked = client.post(url("enrollment_status", enrollment, "withdraw"), {"reason": "r"})
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    enrollment.refresh_from_db()
    assert enrollment.status == S.ACTIVE


def test_an_unknown_action_is_404_and_a_get_of_an_action_is_405(
    client, signed_in, admin_user, enrollment
):
    signed_in(admin_user)
    unknown = f"/ops/enrollments/{enrollment.pk}/delete/"
    assert client.post(unknown, {"reason": "r"}).status_code == 404
    assert client.get(url("enrollment_status", enrollment, "withdraw")).status_code == 405


def _pages_queries(client, django_assert_max_num_queries, enrollment, cohorts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for address, data in (
        (url("enrollment", enrollment), {}),
        (url("enrollment_move", enrollment), {"cohort": cohorts[1].pk}),
        (reverse("ops:enrollments"), {"email": enrollment.client.email}),
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(address, data).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_the_pages_queries_stay_flat_as_history_grows(
    client, signed_in, admin_user, enrollment, cohorts, track, django_assert_max_num_queries
):
    signed_in(admin_user)
    few = _pages_queries(client, django_assert_max_num_queries, enrollment, cohorts)
    for _ in range(6):
        enrollment_create(client=UserFactory(), track=track, cohort=cohorts[0], now=NOW)
    old = enrollment_create(
        client=enrollment.client,
        track=make_track(weeks=2, lessons_per_module=1, trauma_weeks=()),
        cohort=None,
        start_date=date(2026, 11, 2),
        now=NOW,
    )
    assert ModuleRelease.objects.filter(enrollment=old).exists()
    many = _pages_queries(client, django_assert_max_num_queries, enrollment, cohorts)
    assert few == many, (few, many)
    for address, data in (
        (url("enrollment", enrollment), {}),
        (url("enrollment_move", enrollment), {"cohort": cohorts[1].pk}),
        (reverse("ops:enrollments"), {"email": enrollment.client.email}),
    ):
        with django_assert_max_num_queries(14):
            client.get(address, data)
