"""Staff create cohorts and enrollments in the admin, through the services."""

from django.urls import reverse

from audit.models import AuditEvent
from courses.models import Enrollment, EnrollmentStatus
from tests.factories import CohortFactory, TrackFactory, UserFactory


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
