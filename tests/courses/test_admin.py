"""Staff create cohorts and enrollments in the admin, through the services."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from courses.models import Cohort, Enrollment, EnrollmentStatus, PacingAction, PacingKind
from courses.services.enrollment import enrollment_create
from courses.services.pacing import pacing_pause
from courses.services.releases import release_sweep
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    TrackFactory,
    UserFactory,
    make_track,
)


def test_an_admin_enrolls_a_client_in_a_cohort(client, superuser, client_a, signed_in):
    cohort = CohortFactory()
    signed_in(superuser)
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
    assert AuditEvent.objects.get(action="enrollment.created").actor == superuser


def test_the_admin_form_refuses_a_cohort_of_another_track(client, superuser, client_a, signed_in):
    cohort = CohortFactory()
    other_track = TrackFactory()
    signed_in(superuser)
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


def test_the_client_picker_of_an_enrollment_looks_up_only_active_clients_and_partners(
    client, superuser, client_a, clinician, signed_in
):
    partner = UserFactory(role=Role.PARTNER)
    UserFactory(role=Role.CLIENT, is_active=False)
    signed_in(superuser)
    field = (
        client.get(reverse("admin:courses_enrollment_add"))
        .context["adminform"]
        .form.fields["client"]
    )
    assert set(field.queryset) == {client_a, partner}
    assert field.widget.url_parameters()["role__in"] == "client,partner"
    response = client.post(
        reverse("admin:courses_enrollment_add"),
        {
            "client": clinician.pk,
            "track": TrackFactory().pk,
            "start_date": "2026-11-02",
            "status": EnrollmentStatus.ACTIVE,
        },
    )
    assert response.status_code == 200
    assert "Choose a client or a partner." in response.content.decode()
    assert not Enrollment.objects.exists()


def test_the_admin_form_refuses_a_transition_outside_the_map(client, superuser, signed_in):
    enrollment = EnrollmentFactory(client=UserFactory(), status=EnrollmentStatus.COMPLETED)
    signed_in(superuser)
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
def live_enrollment(db, client_a, superuser):
    """Rolling enrollment from Monday 2 November 2026; week 1 opened that day."""
    track = make_track(weeks=12, lessons_per_module=1)
    return enrollment_create(
        client=client_a,
        track=track,
        start_date=date(2026, 11, 2),
        acting_user=superuser,
        now=datetime(2026, 11, 2, 12, 0, tzinfo=UTC),
    )


PAUSED_AT = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


def test_pausing_in_the_admin_and_resuming_three_weeks_later_moves_the_weeks_back(
    client, superuser, live_enrollment, signed_in
):
    enrollment = live_enrollment
    assert released_weeks(enrollment) == [1]
    with time_machine.travel(datetime(2026, 11, 4, 15, 0, tzinfo=UTC), tick=False) as clock:
        signed_in(superuser)
        response = client.post(
            change_url(enrollment),
            {"status": EnrollmentStatus.PAUSED, "reason_code": "life_event", "note": ""},
        )
        assert response.status_code == 302, response.content[:400]

        clock.move_to(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # three weeks later
        signed_in(superuser)
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
        (PacingKind.PAUSE, "life_event", superuser),
        (PacingKind.RESUME, "client_request", superuser),
    ]
    assert {
        e.action for e in AuditEvent.objects.filter(actor=superuser, action__startswith="pacing.")
    } == {"pacing.pause", "pacing.resume"}


@pytest.mark.parametrize(
    ("start", "to"),
    [(EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED), (EnrollmentStatus.PAUSED, "active")],
)
def test_a_pause_or_resume_in_the_admin_needs_a_reason(
    client, superuser, live_enrollment, signed_in, start, to
):
    enrollment = live_enrollment
    if start == EnrollmentStatus.PAUSED:
        pacing_pause(
            enrollment=enrollment, reason_code="life_event",
            author=superuser, now=PAUSED_AT,
        )  # fmt: skip
    before = PacingAction.objects.count()
    signed_in(superuser)
    response = client.post(change_url(enrollment), {"status": to, "reason_code": "", "note": ""})
    assert response.status_code == 200
    assert "Choose a reason: it goes in the pacing log." in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == start
    assert PacingAction.objects.count() == before


def test_an_admin_withdraws_a_paused_enrollment_and_the_change_is_audited(
    client, superuser, live_enrollment, signed_in
):
    enrollment = live_enrollment
    pacing_pause(
        enrollment=enrollment, reason_code="life_event",
        author=superuser, now=PAUSED_AT,
    )  # fmt: skip
    with time_machine.travel(datetime(2026, 11, 10, 15, 0, tzinfo=UTC), tick=False):
        signed_in(superuser)
        response = client.post(change_url(enrollment), {"status": EnrollmentStatus.WITHDRAWN})
    assert response.status_code == 302, response.content[:400]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    change = AuditEvent.objects.filter(action="enrollment.status_changed").latest("pk")
    assert change.actor == superuser
    assert change.metadata == {"from": "paused", "to": "withdrawn"}


def test_a_note_on_a_change_that_keeps_no_note_is_refused_rather_than_dropped(
    client, superuser, live_enrollment, signed_in
):
    signed_in(superuser)
    response = client.post(
        change_url(live_enrollment),
        {"status": EnrollmentStatus.COMPLETED, "reason_code": "", "note": "Finished early."},
    )
    assert response.status_code == 200
    assert "Kept only for a pause or a resume; leave it empty." in response.content.decode()
    live_enrollment.refresh_from_db()
    assert live_enrollment.status == EnrollmentStatus.ACTIVE


def test_the_fields_the_services_keep_cannot_be_edited_in_the_admin(
    client, superuser, live_enrollment, signed_in
):
    enrollment = live_enrollment
    signed_in(superuser)
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
    client, superuser, live_enrollment, signed_in, monkeypatch
):
    import courses.admin

    enrollment = live_enrollment

    def withdrawn_meanwhile(**kwargs):
        Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.WITHDRAWN)
        return pacing_pause(**kwargs)

    monkeypatch.setattr(courses.admin, "pacing_pause", withdrawn_meanwhile)
    signed_in(superuser)
    url = change_url(enrollment)
    response = client.post(
        url, {"status": EnrollmentStatus.PAUSED, "reason_code": "life_event"}, follow=True
    )
    assert response.redirect_chain == [(url, 302)]
    assert "Only an active program can be paused." in response.content.decode()
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.paused_since) == (EnrollmentStatus.ACTIVE, None)
    assert not PacingAction.objects.exists()


# --- Cohorts ------------------------------------------------------------------------------------

COHORT_ADD = reverse("admin:courses_cohort_add")
NOV_20 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def cohort_url(cohort) -> str:
    return reverse("admin:courses_cohort_change", args=[cohort.pk])


def cohort_data(cohort=None, **changes) -> dict:
    data = {
        "track": cohort.track.pk if cohort else TrackFactory().pk,
        "name": cohort.name if cohort else "Spring group",
        "start_date": (cohort.start_date if cohort else date(2026, 12, 7)).isoformat(),
        "capacity": cohort.capacity if cohort else 8,
        "timezone": "America/New_York",
        "meeting_weekday": "",
        "meeting_time": "",
        "clinicians": [c.pk for c in cohort.clinicians.all()] if cohort else [],
    }
    data.update(changes)
    return data


def test_the_cohort_clinician_picker_offers_only_active_clinicians_and_supervisors(
    client, superuser, clinician, client_a, signed_in
):
    supervisor = UserFactory(role=Role.SUPERVISOR)
    UserFactory(role=Role.CLINICIAN, is_active=False)
    UserFactory(role=Role.BILLING)
    signed_in(superuser)
    form = client.get(COHORT_ADD).context["adminform"].form
    assert set(form.fields["clinicians"].queryset) == {clinician, supervisor}


def test_a_client_among_a_cohort_s_clinicians_is_a_form_error_and_nothing_is_saved(
    client, superuser, clinician, client_a, signed_in
):
    signed_in(superuser)
    response = client.post(COHORT_ADD, cohort_data(clinicians=[clinician.pk, client_a.pk]))
    assert response.status_code == 200
    assert "Choose clinicians or clinical supervisors only." in response.content.decode()
    assert not Cohort.objects.exists()

    cohort = CohortFactory()
    cohort.clinicians.add(clinician)
    response = client.post(cohort_url(cohort), cohort_data(cohort, clinicians=[client_a.pk]))
    assert response.status_code == 200
    assert list(cohort.clinicians.all()) == [clinician]


def test_a_clinician_who_left_can_stay_on_a_cohort_they_led(
    client, superuser, clinician, signed_in
):
    cohort = CohortFactory()
    cohort.clinicians.add(clinician)
    clinician.is_active = False
    clinician.save(update_fields=["is_active"])
    signed_in(superuser)
    response = client.post(cohort_url(cohort), cohort_data(cohort, name="Renamed"))
    assert response.status_code == 302, response.content[:600]
    cohort.refresh_from_db()
    assert (cohort.name, list(cohort.clinicians.all())) == ("Renamed", [clinician])


def test_a_cohort_s_track_is_fixed_once_people_are_enrolled(client, superuser, client_a, signed_in):
    cohort = CohortFactory()
    EnrollmentFactory(client=client_a, track=cohort.track, cohort=cohort)
    signed_in(superuser)
    response = client.post(cohort_url(cohort), cohort_data(cohort, track=TrackFactory().pk))
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.track == client_a.enrollments.get().track


def test_postponing_a_cohort_before_it_begins_moves_its_clients_weeks(
    client, superuser, client_a, signed_in
):
    track = make_track(weeks=4, lessons_per_module=1)
    with time_machine.travel(NOV_20, tick=False):
        cohort = CohortFactory(track=track, start_date=date(2026, 11, 30))
        enrollment = enrollment_create(client=client_a, track=track, cohort=cohort, now=NOV_20)
        assert enrollment.next_release_at == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
        signed_in(superuser)
        response = client.post(cohort_url(cohort), cohort_data(cohort, start_date="2026-12-07"))
    assert response.status_code == 302, response.content[:600]
    enrollment.refresh_from_db()
    assert enrollment.next_release_at == datetime(2026, 12, 7, 11, 0, tzinfo=UTC)


def test_a_cohort_s_start_date_is_fixed_once_it_has_begun_and_never_moves_into_the_past(
    client, superuser, client_a, signed_in
):
    track = make_track(weeks=4, lessons_per_module=1)
    with time_machine.travel(NOV_20, tick=False):
        begun = CohortFactory(track=track, start_date=date(2026, 11, 16))
        upcoming = CohortFactory(track=track, start_date=date(2026, 11, 30))
        enrollment_create(client=client_a, track=track, cohort=begun, now=NOV_20)
        enrollment_create(client=UserFactory(), track=track, cohort=upcoming, now=NOV_20)
        signed_in(superuser)
        response = client.post(cohort_url(begun), cohort_data(begun, start_date="2026-11-23"))
        assert response.status_code == 302
        response = client.post(cohort_url(upcoming), cohort_data(upcoming, start_date="2026-11-19"))
    assert response.status_code == 200
    assert "Choose a day from today on" in response.content.decode()
    begun.refresh_from_db()
    upcoming.refresh_from_db()
    assert (begun.start_date, upcoming.start_date) == (date(2026, 11, 16), date(2026, 11, 30))
