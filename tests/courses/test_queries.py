"""The hand-written hot reads (courses/queries.py) return exactly what their ORM twins return, on
SQLite and PostgreSQL: every concrete field of every instance, the attached related objects, and
None where an outer join finds nothing. A schema change the SQL misses fails here."""

from datetime import UTC, date, datetime, time

import pytest
from django.db.models import Value

from courses import queries
from courses.models import (
    LIVE_STATUSES,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    ModuleRelease,
    PacingAction,
    PacingKind,
    WorksheetResponse,
)
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, make_track

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def fields(instance):
    if instance is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


# --- The ORM twins: what each hand-written read must equal ------------------------------------


def orm_live_enrollments(client):
    return list(
        Enrollment.objects.filter(client=client, status__in=LIVE_STATUSES)
        .select_related("track", "cohort")
        .order_by("-created_at", "-id")
    )


def orm_released_and_done(enrollment_id):
    released = ModuleRelease.objects.filter(enrollment_id=enrollment_id).values_list(
        "module_id", Value(True)
    )
    done = LessonProgress.objects.filter(
        enrollment_id=enrollment_id, completed_at__isnull=False
    ).values_list("lesson_id", Value(False))
    rows = list(released.union(done, all=True))
    held = PacingAction.objects.filter(
        enrollment_id=enrollment_id,
        kind=PacingKind.HOLD,
        lifted_at__isnull=True,
        module_id__isnull=False,
    ).values_list("module_id", flat=True)
    return (
        frozenset(pk for pk, is_release in rows if is_release),
        frozenset(pk for pk, is_release in rows if not is_release),
        frozenset(held),
    )


def orm_open_release(user, **where):
    return (
        ModuleRelease.objects.filter(enrollment__client_id=user.pk, **where)
        .select_related("enrollment__track")
        .order_by("-enrollment__created_at")
        .first()
    )


def orm_lesson_rows(enrollment_id, lesson_id):
    progress = LessonProgress.objects.filter(
        enrollment_id=enrollment_id, lesson_id=lesson_id
    ).first()
    worksheets = WorksheetResponse.objects.filter(enrollment_id=enrollment_id, lesson_id=lesson_id)
    return progress, sorted(worksheets, key=lambda w: w.pk)


# --- Data with every kind of value the reads carry -------------------------------------------


@pytest.fixture
def world():
    track = make_track(weeks=4, lessons_per_module=3, trauma_weeks=(2,))
    client = UserFactory(timezone="America/Chicago")
    cohort = CohortFactory(
        track=track,
        start_date=date(2026, 3, 8),
        meeting_time=time(18, 30),
        timezone="America/Chicago",
    )
    older = EnrollmentFactory(
        client=client, track=track, status=EnrollmentStatus.WITHDRAWN, start_date=date(2026, 1, 5)
    )
    current = EnrollmentFactory(
        client=client, track=track, cohort=cohort, paused_days=3,
        paused_since=datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
    )  # fmt: skip
    other_track = make_track(weeks=2, lessons_per_module=1)
    pending = EnrollmentFactory(
        client=client, track=other_track, status=EnrollmentStatus.PENDING_PAYMENT
    )
    weeks = list(track.modules.order_by("week"))
    for module in weeks[:2]:
        ModuleRelease.objects.create(
            enrollment=current, module=module, due_at=NOW, released_at=NOW, reason="schedule",
            content_note_seen_at=NOW if module.trauma_intense else None,
        )  # fmt: skip
    ModuleRelease.objects.create(
        enrollment=older, module=weeks[0], due_at=NOW, released_at=NOW, reason="schedule"
    )
    lessons = list(Lesson.objects.filter(module__in=weeks[:2]).order_by("module__week", "order"))
    LessonProgress.objects.create(
        enrollment=current, lesson=lessons[0], started_at=NOW, completed_at=NOW, suds_before=6,
        suds_after=3,
    )  # fmt: skip
    LessonProgress.objects.create(enrollment=current, lesson=lessons[1], started_at=NOW,
                                  deferred_at=NOW)  # fmt: skip
    worksheet = next(lesson for lesson in lessons if lesson.has_worksheet)
    answers = {"one-word": "Ça va — 平静 🙂\u200d", "warning-signs": "one\ntwo", "calm": "7"}
    WorksheetResponse.objects.create(enrollment=current, lesson=worksheet, status="submitted",
                                     version=1, answers=answers, submitted_at=NOW)  # fmt: skip
    WorksheetResponse.objects.create(enrollment=current, lesson=worksheet, status="submitted",
                                     version=2, answers={}, submitted_at=NOW)  # fmt: skip
    WorksheetResponse.objects.create(enrollment=current, lesson=worksheet, answers={"calm": "4"})
    # Week 4 is held; week 3's hold was lifted; a shift names no week; the older enrollment's
    # hold is its own.
    clinician = UserFactory(role="clinician")
    pacing = {"reason_code": "stabilization", "author": clinician, "created_at": NOW}
    PacingAction.objects.create(enrollment=current, kind=PacingKind.HOLD, module=weeks[3],
                                **pacing)  # fmt: skip
    PacingAction.objects.create(enrollment=current, kind=PacingKind.HOLD, module=weeks[2],
                                lifted_at=NOW, **pacing)  # fmt: skip
    PacingAction.objects.create(enrollment=current, kind=PacingKind.SHIFT, days=3, **pacing)
    PacingAction.objects.create(enrollment=older, kind=PacingKind.HOLD, module=weeks[1],
                                **pacing)  # fmt: skip
    return {
        "client": client, "current": current, "older": older, "pending": pending,
        "weeks": weeks, "lessons": lessons, "worksheet": worksheet,
    }  # fmt: skip


def test_live_enrollments_equal_the_orm_with_track_cohort_and_client(world):
    client = world["client"]
    got = queries.live_enrollments(client=client)
    want = orm_live_enrollments(client)
    assert [fields(e) for e in got] == [fields(e) for e in want]
    assert [e.pk for e in got] == [world["pending"].pk, world["current"].pk]
    for g, w in zip(got, want, strict=True):
        assert fields(g.track) == fields(w.track)
        assert fields(g.cohort) == fields(w.cohort)
        assert g.client is client
    assert got[0].cohort is None  # the outer join found nothing
    assert isinstance(got[1].cohort.meeting_time, time) and got[1].paused_since.tzinfo is not None
    # Loaded from the database: saving updates the row instead of inserting another.
    got[1].paused_days = 5
    got[1].save(update_fields=["paused_days"])
    assert Enrollment.objects.get(pk=world["current"].pk).paused_days == 5
    assert queries.live_enrollments(client=UserFactory()) == []


def test_released_and_done_equal_the_orm(world):
    for enrollment in (world["current"], world["older"], world["pending"]):
        got = queries.released_and_done(enrollment_id=enrollment.pk)
        assert (got.module_ids, got.lesson_ids, got.held_module_ids) == orm_released_and_done(
            enrollment.pk
        )
    got = queries.released_and_done(enrollment_id=world["current"].pk)
    assert got.module_ids == {world["weeks"][0].pk, world["weeks"][1].pk}
    assert got.lesson_ids == {world["lessons"][0].pk}
    assert got.held_module_ids == {world["weeks"][3].pk}


@pytest.mark.parametrize("week", [0, 1, 2])
def test_the_open_release_of_a_week_equals_the_orm(world, week):
    client, module = world["client"], world["weeks"][week]
    got = queries.open_release_of_module(user=client, module_id=module.pk)
    want = orm_open_release(client, module_id=module.pk)
    if want is None:
        assert got is None
        return
    assert fields(got.release) == fields(want)
    assert fields(got.release.enrollment) == fields(want.enrollment)
    assert fields(got.track) == fields(want.enrollment.track)
    assert got.release.enrollment.client is client and got.release.enrollment.track is got.track
    assert got.release.enrollment_id == world["current"].pk  # the newest enrollment wins


def test_the_open_release_of_a_lesson_equals_the_orm_and_skips_retired_lessons(world):
    client = world["client"]
    for lesson in world["lessons"] + [Lesson.objects.filter(module=world["weeks"][3]).first()]:
        got = queries.open_release_of_lesson(user=client, lesson_id=lesson.pk)
        want = orm_open_release(
            client, module__lessons__id=lesson.pk, module__lessons__retired_at__isnull=True
        )
        assert fields(got.release if got else None) == fields(want)
    retired = world["lessons"][0]
    Lesson.objects.filter(pk=retired.pk).update(retired_at=NOW)
    assert queries.open_release_of_lesson(user=client, lesson_id=retired.pk) is None
    assert (
        queries.open_release_of_lesson(user=UserFactory(), lesson_id=world["lessons"][1].pk) is None
    )


def test_lesson_progress_equals_the_orm(world):
    current, lessons = world["current"], world["lessons"]
    ids = [lesson.pk for lesson in lessons]
    got = queries.lesson_progress(enrollment_id=current.pk, lesson_ids=ids)
    want = {
        p.lesson_id: p for p in LessonProgress.objects.filter(enrollment=current, lesson_id__in=ids)
    }
    assert {k: fields(v) for k, v in got.items()} == {k: fields(v) for k, v in want.items()}
    assert set(got) == {lessons[0].pk, lessons[1].pk}
    assert queries.lesson_progress(enrollment_id=current.pk, lesson_ids=[]) == {}


def test_lesson_rows_equal_the_orm_with_json_answers_exactly(world):
    current = world["current"]
    for lesson in (world["worksheet"], world["lessons"][0], world["lessons"][-1]):
        got = queries.lesson_rows(enrollment_id=current.pk, lesson_id=lesson.pk)
        progress, worksheets = orm_lesson_rows(current.pk, lesson.pk)
        assert fields(got.progress) == fields(progress)
        assert [fields(w) for w in sorted(got.worksheets, key=lambda w: w.pk)] == [
            fields(w) for w in worksheets
        ]
    rows = queries.lesson_rows(enrollment_id=current.pk, lesson_id=world["worksheet"].pk)
    assert sorted(w.version or 0 for w in rows.worksheets) == [0, 1, 2]
    first = next(w for w in rows.worksheets if w.version == 1)
    assert first.answers["one-word"] == "Ça va — 平静 🙂\u200d"
