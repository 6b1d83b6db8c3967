"""Staff create cohorts and enrollments in the admin, through the services."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import Enrollment, EnrollmentStatus, PacingAction, PacingKind
from courses.services.enrollment import enrollment_create
from courses.services.pacing import pacing_action_record
from courses.services.releases import release_sweep
from tests.factories import CohortFactory, TrackFactory, UserFactory, make_track


def test_an_admin_enrolls_a_client_in_a_cohort(client, admin_user, client_a, signed_in):
    cohort = CohortFactory()
    signed_in(admin_user)
    response = client.post(
        reverse("admin:courses_enrollment_add"),
        {
            "client": client_a.pk,
            "track": cohort.track.pk,
            "cohort": cohort.pk,
            "start_date": "2026-11-02",
            "status": EnrollmentStatus.ACTIVE,
        },
    )
    assert response.status_code == 302, response.content[:400]
    enrollment = Enrollment.objects.get()
    assert (enrollment.client, enrollment.cohort) == (client_a, cohort)
    assert AuditEvent.objects.get(action="enrollment.created").actor == admin_user


def test_the_admin_form_refuses_a_cohort_of_another_track(client, admin_user, client_a, signed_in):
    cohort = CohortFactory()
    other_track = TrackFactory()
    signed_in(admin_user)
    response = client.post(
        reverse("admin:courses_enrollment_add"),
        {
            "client": client_a.pk,
            "track": other_track.pk,
            "cohort": cohort.pk,
            "start_date": "2026-11-02",
            "status": EnrollmentStatus.ACTIVE,
        },
    )
    assert response.status_code == 200
    assert "That cohort runs another track." in response.content.decode()
    assert not Enrollment.objects.exists()


def test_the_admin_form_refuses_a_transition_outside_the_map(client, admin_user, signed_in):
    from tests.factories import EnrollmentFactory

    enrollment = EnrollmentFactory(client=UserFactory(), status=EnrollmentStatus.COMPLETED)
    signed_in(admin_user)
    response = client.post(
        reverse("admin:courses_enrollment_change", args=[enrollment.pk]),
        {"status": EnrollmentStatus.ACTIVE},
    )
    assert response.status_code == 200
    assert "cannot go from completed to active" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


# --- Status changes go through the pacing and enrollment services --------------------------------


def change_url(enrollment) -> str:
    return reverse("admin:courses_enrollment_change", args=[enrollment.pk])


def released_weeks(enrollment) -> list[int]:
    return sorted(enrollment.releases.values_list("module__week", flat=True))


@pytest.fixture
def live_enrollment(db, client_a, admin_user):
    """Rolling enrollment from Monday 2 November 2026; week 1 opened that day."""
    track = make_track(weeks=12, lessons_per_module=1)
    return enrollment_create(
        client=client_a,
        track=track,
        start_date=date(2026, 11, 2),
        acting_user=admin_user,
        now=datetime(2026, 11, 2, 12, 0, tzinfo=UTC),
    )


PAUSED_AT = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


def test_pausing_in_the_admin_and_resuming_three_weeks_later_moves_the_weeks_back(
    client, admin_user, live_enrollment, signed_in
):
    enrollment = live_enrollment
    assert released_weeks(enrollment) == [1]
    with time_machine.travel(datetime(2026, 11, 4, 15, 0, tzinfo=UTC), tick=False) as clock:
        signed_in(admin_user)
        response = client.post(
            change_url(enrollment),
            {"status": EnrollmentStatus.PAUSED, "reason_code": "life_event", "note": ""},
        )
        assert response.status_code == 302, response.content[:400]

        clock.move_to(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # three weeks later
        signed_in(admin_user)
        response = client.post(
            change_url(enrollment),
            {"status": EnrollmentStatus.ACTIVE, "reason_code": "client_request", "note": ""},
        )
        assert response.status_code == 302, response.content[:400]

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.paused_days == 21
    assert enrollment.paused_since is None
    # Weeks 2-4 fell due during the pause; none of them opened at the resume.
    assert released_weeks(enrollment) == [1]
    # Week 2 now opens three weeks late: Monday 30 November, 06:00 in New York.
    assert enrollment.next_release_at == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    release_sweep(now=datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    assert released_weeks(enrollment) == [1, 2]
    log = PacingAction.objects.filter(enrollment=enrollment).order_by("created_at")
    assert [(a.kind, a.reason_code, a.author) for a in log] == [
        (PacingKind.PAUSE, "life_event", admin_user),
        (PacingKind.RESUME, "client_request", admin_user),
    ]
    assert {
        e.action for e in AuditEvent.objects.filter(actor=admin_user, action__startswith="pacing.")
    } == {"pacing.pause", "pacing.resume"}


@pytest.mark.parametrize(
    ("start", "to"),
    [(EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED), (EnrollmentStatus.PAUSED, "active")],
)
def test_a_pause_or_resume_in_the_admin_needs_a_reason(
    client, admin_user, live_enrollment, signed_in, start, to
):
    enrollment = live_enrollment
    if start == EnrollmentStatus.PAUSED:
        pacing_action_record(
            enrollment=enrollment, kind=PacingKind.PAUSE, reason_code="life_event",
            author=admin_user, now=PAUSED_AT,
        )  # fmt: skip
    before = PacingAction.objects.count()
    signed_in(admin_user)
    response = client.post(change_url(enrollment), {"status": to, "reason_code": "", "note": ""})
    assert response.status_code == 200
    assert "Choose a reason: it goes in the pacing log." in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == start
    assert PacingAction.objects.count() == before


def test_an_admin_withdraws_a_paused_enrollment_and_the_change_is_audited(
    client, admin_user, live_enrollment, signed_in
):
    enrollment = live_enrollment
    pacing_action_record(
        enrollment=enrollment, kind=PacingKind.PAUSE, reason_code="life_event",
        author=admin_user, now=PAUSED_AT,
    )  # fmt: skip
    with time_machine.travel(datetime(2026, 11, 10, 15, 0, tzinfo=UTC), tick=False):
        signed_in(admin_user)
        response = client.post(change_url(enrollment), {"status": EnrollmentStatus.WITHDRAWN})
    assert response.status_code == 302, response.content[:400]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    change = AuditEvent.objects.filter(action="enrollment.status_changed").latest("pk")
    assert change.actor == admin_user
    assert change.metadata == {"from": "paused", "to": "withdrawn"}


def test_a_note_on_a_change_that_keeps_no_note_is_refused_rather_than_dropped(
    client, admin_user, live_enrollment, signed_in
):
    signed_in(admin_user)
    response = client.post(
        change_url(live_enrollment),
        {"status": EnrollmentStatus.COMPLETED, "reason_code": "", "note": "Finished early."},
    )
    assert response.status_code == 200
    assert "Kept only for a pause or a resume; leave it empty." in response.content.decode()
    live_enrollment.refresh_from_db()
    assert live_enrollment.status == EnrollmentStatus.ACTIVE


def test_the_fields_the_services_keep_cannot_be_edited_in_the_admin(
    client, admin_user, live_enrollment, signed_in
):
    enrollment = live_enrollment
    signed_in(admin_user)
    form = client.get(change_url(enrollment)).context["adminform"].form
    assert set(form.fields) == {"status", "reason_code", "note"}
    response = client.post(
        change_url(enrollment),
        {
            "status": EnrollmentStatus.ACTIVE,
            "paused_days": "40",
            "paused_since": "2026-11-01 00:00",
            "next_release_at": "2030-01-01 00:00",
            "start_date": "2020-01-01",
        },
    )
    assert response.status_code == 302
    fresh = Enrollment.objects.get(pk=enrollment.pk)
    assert (fresh.paused_days, fresh.paused_since, fresh.start_date) == (0, None, date(2026, 11, 2))
    assert fresh.next_release_at == enrollment.next_release_at


def test_a_refusal_after_the_form_s_check_is_a_message_and_nothing_is_kept(
    client, admin_user, live_enrollment, signed_in, monkeypatch
):
    import courses.admin

    enrollment = live_enrollment

    def withdrawn_meanwhile(**kwargs):
        Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.WITHDRAWN)
        return pacing_action_record(**kwargs)

    monkeypatch.setattr(courses.admin, "pacing_action_record", withdrawn_meanwhile)
    signed_in(admin_user)
    url = change_url(enrollment)
    response = client.post(
        url, {"status": EnrollmentStatus.PAUSED, "reason_code": "life_event"}, follow=True
    )
    assert response.redirect_chain == [(url, 302)]
    assert "Only an active program can be paused." in response.content.decode()
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.paused_since) == (EnrollmentStatus.ACTIVE, None)
    assert not PacingAction.objects.exists()
