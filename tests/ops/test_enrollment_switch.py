"""Switching an enrollment from the 3-month core track to the 6-month extended one keeps its
progress: open weeks, finished lessons and worksheets follow their slug to the new track."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import (
    EnrollmentStatus,
    LessonProgress,
    ModuleRelease,
    WorksheetResponse,
)
from courses.services.enrollment import (
    EnrollmentError,
    enrollment_create,
    enrollment_switch_plan,
    enrollment_switch_track,
)
from tests.factories import (
    CohortFactory,
    LessonFactory,
    ModuleFactory,
    TrackFactory,
    UserFactory,
    make_track,
)

S = EnrollmentStatus
# Wednesday 25 November 2026: an enrollment anchored on 2 November has weeks 1-4 due.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _twin(module, track, week):
    """The same module (slug and lessons) on another track, at `week`."""
    twin = ModuleFactory(track=track, slug=module.slug, week=week, title=module.title)
    for lesson in module.lessons.all():
        LessonFactory(module=twin, slug=lesson.slug, order=lesson.order, kind=lesson.kind,
                      prompts=lesson.prompts)  # fmt: skip
    return twin


@pytest.fixture
def tracks(db):
    """core (4 weeks) and extended (8 weeks): core week n is extended week 2n-1, each followed by
    a deepening week of its own, as in curriculum/e-hab-iop/program.yaml."""
    core = make_track(weeks=4, lessons_per_module=3, trauma_weeks=(), slug="core-t")
    extended = TrackFactory(program=core.program, weeks=8, slug="extended-t")
    for module in core.modules.all():
        _twin(module, extended, 2 * module.week - 1)
        deepening = ModuleFactory(track=extended, week=2 * module.week)
        LessonFactory(module=deepening, order=1)
    return core, extended


@pytest.fixture
def enrollment(tracks):
    core, _ = tracks
    enrollment = enrollment_create(
        client=UserFactory(timezone="America/New_York"), track=core, start_date=date(2026, 11, 2),
        now=NOW,
    )  # fmt: skip
    # Week 1 done, a worksheet in week 2 submitted and then drafted again.
    for lesson in core.modules.get(week=1).lessons.all():
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, started_at=NOW,
                                      completed_at=NOW, suds_before=6, suds_after=3)  # fmt: skip
    sheet = core.modules.get(week=2).lessons.exclude(prompts=[]).get()
    WorksheetResponse.objects.create(enrollment=enrollment, lesson=sheet, status="submitted",
                                     version=1, answers={"one-word": "steady"})  # fmt: skip
    WorksheetResponse.objects.create(enrollment=enrollment, lesson=sheet, answers={"x": "y"})
    return enrollment


def _open_weeks(enrollment):
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def test_the_plan_shows_where_each_open_week_lands(enrollment, tracks):
    _, extended = tracks
    plan = enrollment_switch_plan(enrollment=enrollment, track=extended)
    assert plan.possible
    assert [(w.from_week, w.to_week) for w in plan.weeks] == [(1, 1), (2, 3), (3, 5), (4, 7)]
    assert (plan.lessons_done, plan.worksheets) == (3, 2)


def test_switching_keeps_open_weeks_progress_and_worksheets_and_fills_in_what_is_due(
    enrollment, tracks, admin_user
):
    core, extended = tracks
    switched = enrollment_switch_track(
        enrollment=enrollment, track=extended, reason="Wants more time", acting_user=admin_user,
        now=NOW,
    )  # fmt: skip
    assert switched.track_id == extended.pk
    assert switched.anchor_date == date(2026, 11, 2)
    # Core weeks 1-4 are extended weeks 1, 3, 5, 7; extended weeks 2 and 4 are due and open now.
    assert _open_weeks(switched) == [1, 2, 3, 4, 5, 7]
    done = LessonProgress.objects.filter(enrollment=switched, completed_at__isnull=False)
    assert {p.lesson.module.track_id for p in done} == {extended.pk}
    assert sorted(done.values_list("suds_before", flat=True)) == [6, 6, 6]
    sheets = WorksheetResponse.objects.filter(enrollment=switched)
    assert {s.lesson.module.track_id for s in sheets} == {extended.pk}
    assert sheets.get(status="submitted").answers == {"one-word": "steady"}
    event = AuditEvent.objects.get(action="enrollment.track_switched")
    assert event.metadata["from_track"] == "core-t" and event.metadata["to_track"] == "extended-t"
    assert event.metadata["reason"] == "Wants more time"


def test_switching_into_a_cohort_takes_its_start_and_respects_its_seats(
    enrollment, tracks, admin_user
):
    _, extended = tracks
    full = CohortFactory(track=extended, capacity=1, start_date=date(2026, 11, 16))
    enrollment_create(client=UserFactory(), track=extended, cohort=full, now=NOW)
    with pytest.raises(EnrollmentError, match="full"):
        enrollment_switch_track(enrollment=enrollment, track=extended, cohort=full, reason="r",
                                acting_user=admin_user, now=NOW)  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.track.slug == "core-t"
    roomy = CohortFactory(track=extended, start_date=date(2026, 11, 16))
    switched = enrollment_switch_track(enrollment=enrollment, track=extended, cohort=roomy,
                                       reason="r", acting_user=admin_user, now=NOW)  # fmt: skip
    assert (switched.cohort_id, switched.anchor_date) == (roomy.pk, date(2026, 11, 16))


def test_a_switch_that_would_lose_work_is_refused_and_changes_nothing(
    enrollment, tracks, admin_user
):
    core, _ = tracks
    elsewhere = TrackFactory(program=core.program, weeks=4)
    for module in core.modules.filter(week__lte=2):
        _twin(module, elsewhere, module.week)
    # Weeks 3 and 4 are open but have no twin on `elsewhere`.
    with pytest.raises(EnrollmentError, match="no place"):
        enrollment_switch_track(enrollment=enrollment, track=elsewhere, reason="r",
                                acting_user=admin_user, now=NOW)  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.track_id == core.pk
    assert set(ModuleRelease.objects.filter(enrollment=enrollment)
               .values_list("module__track_id", flat=True)) == {core.pk}  # fmt: skip


@pytest.mark.parametrize("problem", ["same_track", "other_audience", "no_reason", "withdrawn"])
def test_a_switch_that_does_not_fit_is_refused(enrollment, tracks, admin_user, problem):
    core, extended = tracks
    partner = TrackFactory(program=core.program, audience="partner")
    target = {"same_track": core, "other_audience": partner}.get(problem, extended)
    if problem == "withdrawn":
        enrollment.status = S.WITHDRAWN
        enrollment.save(update_fields=["status"])
    with pytest.raises(EnrollmentError):
        enrollment_switch_track(enrollment=enrollment, track=target,
                                reason="" if problem == "no_reason" else "r",
                                acting_user=admin_user, now=NOW)  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.track_id == core.pk


# --- the console's switch page (GET: what carries over; POST: switch) -----------------------


def switch_url(enrollment):
    return reverse("ops:enrollment_switch", args=[enrollment.pk])


def test_the_switch_page_previews_what_carries_over_before_confirming(
    client, signed_in, admin_user, enrollment, tracks
):
    _, extended = tracks
    signed_in(admin_user)
    assert client.get(switch_url(enrollment)).status_code == 200
    response = client.get(switch_url(enrollment), {"track": extended.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 finished lesson(s)" in page and "2 worksheet version(s)" in page
    enrollment.refresh_from_db()
    assert enrollment.track.slug == "core-t"
    done = client.post(switch_url(enrollment), {"track": extended.pk, "reason": "More time"})
    assert done.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.track_id == extended.pk


def test_a_switch_without_a_reason_or_track_is_400(
    client, signed_in, admin_user, enrollment, tracks
):
    _, extended = tracks
    signed_in(admin_user)
    assert (
        client.post(switch_url(enrollment), {"track": extended.pk, "reason": ""}).status_code == 400
    )
    assert client.get(switch_url(enrollment), {"track": "nope"}).status_code == 400
    enrollment.refresh_from_db()
    assert enrollment.track.slug == "core-t"


def test_the_switch_page_is_for_administrators_only(client, signed_in, enrollment, tracks):
    clinician = UserFactory(role="clinician")
    signed_in(clinician)
    assert client.get(switch_url(enrollment)).status_code == 404
    assert client.post(switch_url(enrollment), {"reason": "r"}).status_code == 404
    assert AuditEvent.objects.filter(actor=clinician, outcome="denied").exists()


def _switch_preview_queries(client, enrollment, track) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(switch_url(enrollment), {"track": track.pk})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_switch_preview_costs_the_same_however_much_work_there_is(
    client, signed_in, admin_user, enrollment, tracks, django_assert_max_num_queries
):
    core, extended = tracks
    signed_in(admin_user)
    few = _switch_preview_queries(client, enrollment, extended)
    for lesson in core.modules.get(week=3).lessons.all():
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, completed_at=NOW)
    sheet = core.modules.get(week=2).lessons.exclude(prompts=[]).get()
    for version in range(2, 8):
        WorksheetResponse.objects.create(
            enrollment=enrollment, lesson=sheet, status="submitted", version=version
        )
    many = _switch_preview_queries(client, enrollment, extended)
    assert few == many, (few, many)
    with django_assert_max_num_queries(16):
        client.get(switch_url(enrollment), {"track": extended.pk})


@pytest.mark.parametrize("name", ["ops:invite", "ops:manual_enroll", "ops:enrollments"])
def test_the_add_people_pages_cost_a_few_queries(
    client, signed_in, admin_user, name, django_assert_max_num_queries
):
    signed_in(admin_user)
    for _ in range(5):
        CohortFactory()
    with django_assert_max_num_queries(8):
        assert client.get(reverse(name)).status_code == 200
