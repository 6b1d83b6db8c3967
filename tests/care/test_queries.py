"""The caseload's hand-written read (care/queries/caseload.py) against its ORM twin: the same
figures, field for field, on SQLite and PostgreSQL (decision 0007). A column or a rule the SQL
misses fails here."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from accounts.roles import Role
from care.queries.caseload import (
    CURRENT_STATUSES,
    MOMENTS,
    ROW_STATUSES,
    caseload_figures,
    suds_readings,
)
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    ModuleRelease,
    PacingAction,
    PacingKind,
    PacingReason,
    WorksheetResponse,
    WorksheetReview,
)
from tests.care.test_caseload import complete, enrol, lessons_of, submit, worksheet_lesson
from tests.factories import UserFactory, make_track

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


class _Count(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def _newest(queryset: QuerySet, column: str) -> Subquery:
    return Subquery(
        queryset.order_by().values(column).order_by(F(column).desc(nulls_last=True))[:1]
    )


def orm_twin(client_ids: list[int]) -> dict[int, tuple]:
    """The same figures through the ORM (the caseload's reads before the hand-written one)."""
    from accounts.models import User

    client = OuterRef("pk")
    progress = LessonProgress.objects.filter(enrollment__client_id=client)
    worksheets = WorksheetResponse.objects.filter(enrollment__client_id=client)
    unreviewed = WorksheetResponse.objects.filter(
        enrollment__client_id=client, status=WorksheetResponse.Status.SUBMITTED
    ).filter(~Exists(WorksheetReview.objects.filter(response=OuterRef("pk"))))
    people = User.objects.filter(pk__in=client_ids).annotate(
        to_review=_Count(unreviewed.order_by().values("pk")),
        last_started=_newest(progress.exclude(started_at=None), "started_at"),
        last_completed=_newest(progress.exclude(completed_at=None), "completed_at"),
        last_deferred=_newest(progress.exclude(deferred_at=None), "deferred_at"),
        last_saved=_newest(worksheets, "updated_at"),
        last_submitted=_newest(worksheets.exclude(submitted_at=None), "submitted_at"),
    )
    week_lessons = Lesson.objects.filter(
        module__track_id=OuterRef("track_id"),
        module__week=OuterRef("newest_week"),
        module__retired_at=None,
        retired_at=None,
    )
    done = LessonProgress.objects.filter(
        enrollment_id=OuterRef("pk"),
        completed_at__isnull=False,
        lesson__module__track_id=OuterRef("track_id"),
        lesson__module__week=OuterRef("newest_week"),
        lesson__module__retired_at=None,
        lesson__retired_at=None,
    )
    holds = PacingAction.objects.filter(
        enrollment_id=OuterRef("pk"), kind=PacingKind.HOLD, lifted_at=None
    )
    enrollments = (
        Enrollment.objects.filter(client_id__in=client_ids, status__in=ROW_STATUSES)
        .select_related("track")
        .annotate(
            newest_week=_newest(
                ModuleRelease.objects.filter(enrollment_id=OuterRef("pk")), "module__week"
            )
        )
        .annotate(
            week_done=_Count(done.order_by().values("pk")),
            week_total=_Count(week_lessons.order_by().values("pk")),
            open_holds=_Count(holds.order_by().values("pk")),
            current=Case(
                When(status__in=CURRENT_STATUSES, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("client_id", "-current", "-created_at", "-id")
    )
    chosen: dict[int, Enrollment] = {}
    for enrollment in enrollments:
        chosen.setdefault(enrollment.client_id, enrollment)
    return {
        person.pk: (
            person.to_review,
            {name: getattr(person, name) for name, _, _ in MOMENTS},
            _described(chosen.get(person.pk)),
        )
        for person in people
    }


def _described(enrollment) -> tuple | None:
    """What a row reads of its enrollment, from the ORM's instance or the hand-written one's."""
    if enrollment is None:
        return None
    weeks = enrollment.weeks if hasattr(enrollment, "weeks") else enrollment.track.weeks
    return (
        enrollment.id,
        enrollment.status,
        enrollment.created_at,
        enrollment.new_weeks_held_for_billing,
        weeks,
        enrollment.newest_week,
        enrollment.week_done,
        enrollment.week_total,
        enrollment.open_holds,
    )


def hand_written(client_ids: list[int]) -> dict[int, tuple]:
    return {
        client_id: (figures.to_review, figures.moments, _described(figures.enrollment))
        for client_id, figures in caseload_figures(client_ids=client_ids).items()
    }


@pytest.mark.django_db
def test_the_caseload_figures_match_their_orm_twin(django_assert_num_queries):
    track = make_track(weeks=6, lessons_per_module=4, trauma_weeks=())
    other_track = make_track(weeks=4, lessons_per_module=3, trauma_weeks=())
    clinician = UserFactory(role=Role.CLINICIAN)
    people = [UserFactory(role=Role.CLIENT) for _ in range(6)]
    busy, switched, finished, nobody, paused, cancelled_only = people

    # Busy: progress (one deferred), worksheets reviewed and not, an open and a lifted hold, a
    # retired lesson in the newest week.
    enrollment = enrol(busy, track, weeks_open=3)
    for index, lesson in enumerate(lessons_of(track, 3)[:3]):
        complete(enrollment, lesson, at=NOW - timedelta(days=index + 1), suds_after=index)
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=lessons_of(track, 2)[0], deferred_at=NOW - timedelta(hours=5)
    )
    Lesson.objects.filter(pk=lessons_of(track, 3)[0].pk).update(retired_at=NOW)
    reviewed = submit(enrollment, worksheet_lesson(track, 1), at=NOW - timedelta(days=2))
    WorksheetReview.objects.create(response=reviewed, reviewer=clinician, reviewed_at=NOW)
    submit(enrollment, worksheet_lesson(track, 2), at=NOW - timedelta(days=1))
    submit(enrollment, worksheet_lesson(track, 2), at=NOW - timedelta(hours=1), version=2)
    for week, lifted in ((4, None), (5, NOW)):
        PacingAction.objects.create(
            enrollment=enrollment,
            kind=PacingKind.HOLD,
            reason_code=PacingReason.STABILIZATION,
            author=clinician,
            module=track.modules.get(week=week),
            lifted_at=lifted,
        )

    # Switched: a finished program and a newer active one on another track (the active wins).
    old = enrol(switched, track, weeks_open=6, status=EnrollmentStatus.COMPLETED)
    complete(old, lessons_of(track, 6)[0], at=NOW - timedelta(days=30))
    new = enrol(switched, other_track, weeks_open=1, created=NOW - timedelta(days=3))
    complete(new, lessons_of(other_track, 1)[1], at=NOW - timedelta(days=2))

    # Finished only; and two finished, the newer wins.
    enrol(finished, track, weeks_open=6, status=EnrollmentStatus.COMPLETED)
    enrol(finished, other_track, weeks_open=4, status=EnrollmentStatus.COMPLETED, created=NOW)

    # Paused before any week opened.
    enrol(paused, track, weeks_open=0, status=EnrollmentStatus.PAUSED)

    # Only a cancelled enrollment, with activity: no row enrollment, but the activity counts.
    gone = enrol(cancelled_only, track, weeks_open=1, status=EnrollmentStatus.CANCELLED)
    complete(gone, lessons_of(track, 1)[0], at=NOW - timedelta(days=8))
    submit(gone, worksheet_lesson(track, 1), at=NOW - timedelta(days=8))

    ids = sorted(person.pk for person in people)
    expected = orm_twin(ids)
    with django_assert_num_queries(1):
        found = hand_written(ids)
    assert found == expected
    assert found[nobody.pk] == (0, dict.fromkeys(found[nobody.pk][1]), None)
    assert found[busy.pk][0] == 2  # both versions of the second wait; the reviewed one does not
    assert found[busy.pk][2][5:] == (3, 2, 3, 1)  # week 3: 2 of its 3 live lessons; one hold
    assert caseload_figures(client_ids=[]) == {}


def orm_suds_twin(client_ids: list[int], window: int) -> dict[int, list[int]]:
    """The SUDS readings through the ORM (the caseload's read before the hand-written one)."""
    at = Coalesce("completed_at", "started_at", "deferred_at")
    rows = (
        LessonProgress.objects.filter(enrollment__client_id__in=client_ids)
        .filter(Q(suds_after__isnull=False) | Q(suds_before__isnull=False))
        .annotate(
            client_id=F("enrollment__client_id"),
            reading=Coalesce("suds_after", "suds_before"),
            nth=Window(
                RowNumber(),
                partition_by=[F("enrollment__client_id")],
                order_by=[at.desc(nulls_last=True), F("id").desc()],
            ),
        )
        .filter(nth__lte=window)
        .values_list("client_id", "nth", "reading")
    )
    found: dict[int, list[tuple[int, int]]] = {}
    for client_id, nth, reading in rows:
        found.setdefault(client_id, []).append((nth, reading))
    return {
        client_id: [reading for _, reading in sorted(pairs, reverse=True)]
        for client_id, pairs in found.items()
    }


@pytest.mark.django_db
def test_the_suds_readings_match_their_orm_twin(django_assert_num_queries):
    track = make_track(weeks=4, lessons_per_module=4, trauma_weeks=())
    many, few, two_programs, none = (UserFactory(role=Role.CLIENT) for _ in range(4))
    lessons = [lesson for week in range(1, 5) for lesson in lessons_of(track, week)]

    # Eleven readings: after-values, before-values only, a tie on time, a lesson set aside with
    # only a before-value (no completion), and one lesson with no reading at all.
    enrollment = enrol(many, track, weeks_open=4)
    for index, lesson in enumerate(lessons[:11]):
        at = NOW - timedelta(days=20 - index if index != 5 else 15)
        if index % 3 == 0:
            complete(enrollment, lesson, at=at, suds_before=index % 10)
        else:
            complete(enrollment, lesson, at=at, suds_before=1, suds_after=(index * 3) % 11)
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=lessons[11], deferred_at=NOW, suds_before=9
    )
    complete(enrollment, lessons[12], at=NOW - timedelta(days=1))

    complete(enrol(few, track), lessons[0], at=NOW - timedelta(days=2), suds_after=4)

    # Readings across two enrollments of one client count together.
    first = enrol(two_programs, track, status=EnrollmentStatus.COMPLETED)
    second = enrol(two_programs, track, created=NOW - timedelta(days=1))
    for index, lesson in enumerate(lessons[:5]):
        complete(first, lesson, at=NOW - timedelta(days=30 - index), suds_after=index)
        complete(second, lesson, at=NOW - timedelta(days=5 - index), suds_after=10 - index)

    ids = sorted(person.pk for person in (many, few, two_programs, none))
    for window in (1, 3, 8):
        expected = orm_suds_twin(ids, window)
        with django_assert_num_queries(1):
            found = suds_readings(client_ids=ids, window=window)
        assert found == expected
    assert len(found[many.pk]) == 8 and found[many.pk][-1] == 9  # the lesson set aside is newest
    assert none.pk not in found
    assert suds_readings(client_ids=[], window=8) == {}
