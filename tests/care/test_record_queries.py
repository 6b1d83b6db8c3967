"""The record's hand-written reads (care/queries/record.py) against their ORM twins, the queries the
record made before: the same rows, field for field and in the same order, on SQLite and
PostgreSQL (docs/decisions/0007-hand-written-hot-reads.md)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Exists, F, OuterRef, Prefetch, Q

from care.models import ProgressNote
from care.queries import record as queries
from care.queries.record import ProgressReads, SudsRow, progress_reads, suds_rows
from care.selectors.record_notes import notes_visible_to
from courses.models import (
    Enrollment,
    Lesson,
    LessonProgress,
    ModuleRelease,
    PacingAction,
    PacingKind,
    PacingReason,
    WorksheetFeedback,
    WorksheetResponse,
    WorksheetReview,
)
from tests.factories import EnrollmentFactory, UserFactory

from .record_history import record_track, with_history

pytestmark = pytest.mark.django_db


def orm_twin(enrollment: Enrollment) -> ProgressReads:
    """The same read through the ORM, as the record made it before care/queries/record.py."""
    return ProgressReads(
        releases={
            module_id: (released_at, seen_at, week)
            for module_id, released_at, seen_at, week in ModuleRelease.objects.filter(
                enrollment=enrollment
            ).values_list("module_id", "released_at", "content_note_seen_at", "module__week")
        },
        progress=list(
            LessonProgress.objects.filter(enrollment=enrollment).values_list(
                "lesson_id", "started_at", "completed_at", "deferred_at"
            )
        ),
        held=set(
            PacingAction.objects.filter(
                enrollment=enrollment,
                kind=PacingKind.HOLD,
                lifted_at__isnull=True,
                module__isnull=False,
            ).values_list("module_id", flat=True)
        ),
        submitted=list(
            WorksheetResponse.objects.submitted()
            .filter(enrollment=enrollment)
            .values_list("lesson_id", "submitted_at")
        ),
    )


def same(sql: ProgressReads, orm: ProgressReads) -> None:
    assert sql.releases == orm.releases
    assert sorted(sql.progress) == sorted(orm.progress, key=lambda row: row)
    assert sql.held == orm.held
    assert sorted(sql.submitted, key=repr) == sorted(orm.submitted, key=repr)
    assert (sql.weeks_open, sql.current_week) == (orm.weeks_open, orm.current_week)


def test_the_read_is_its_orm_twin_for_a_long_history(clinician):
    track = record_track(weeks=12)
    person, other = UserFactory(), UserFactory()
    enrollment = with_history(client=person, track=track, weeks=8)
    with_history(client=other, track=track, weeks=5)  # another enrollment: never mixed in
    modules = {m.week: m for m in track.modules.all()}
    lesson = modules[2].lessons.order_by("order").last()
    first = modules[9].lessons.order_by("order").first()
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=first, deferred_at=datetime(2026, 11, 24, 20, tzinfo=UTC)
    )
    WorksheetResponse.objects.create(
        enrollment=enrollment, lesson=lesson, status="draft", answers={"a": "mine"}
    )  # a draft: never read
    at = datetime(2026, 11, 20, 15, tzinfo=UTC)
    for week, lifted in ((9, None), (10, at + timedelta(days=1))):
        PacingAction.objects.create(
            enrollment=enrollment,
            kind=PacingKind.HOLD,
            module=modules[week],
            author=clinician,
            reason_code=PacingReason.STABILIZATION,
            created_at=at,
            lifted_at=lifted,
        )
    PacingAction.objects.create(
        enrollment=enrollment,
        kind=PacingKind.SHIFT,
        days=3,
        author=clinician,
        reason_code=PacingReason.LIFE_EVENT,
        created_at=at,
    )
    sql, orm = progress_reads(enrollment_id=enrollment.pk), orm_twin(enrollment)
    same(sql, orm)
    assert sql.held == {modules[9].pk}
    assert sql.weeks_open == 8 and sql.current_week == 8
    assert len(sql.submitted) == 8 and len(sql.progress) == 8 * 3 + 1
    # Datetimes come back aware, as the ORM gives them, on either database.
    assert all(row[2].tzinfo is not None for row in sql.progress if row[2] is not None)
    assert any(seen is not None for _, seen, _ in sql.releases.values())


def test_the_read_is_its_orm_twin_for_an_enrollment_without_history():
    track = record_track(weeks=3)
    enrollment = with_history(client=UserFactory(), track=track, weeks=0)
    sql = progress_reads(enrollment_id=enrollment.pk)
    same(sql, orm_twin(enrollment))
    assert sql == ProgressReads(releases={}, progress=[], held=set(), submitted=[])
    assert sql.current_week is None


def suds_twin(enrollment: Enrollment) -> list[SudsRow]:
    """The SUDS read through the ORM, as the record made it before care/queries/record.py."""
    return [
        SudsRow(*row)
        for row in LessonProgress.objects.filter(enrollment=enrollment, lesson__suds=True)
        .filter(Q(suds_before__isnull=False) | Q(suds_after__isnull=False))
        .order_by(
            F("completed_at").asc(nulls_last=True), F("started_at").asc(nulls_last=True), "id"
        )
        .values_list(
            "lesson__title",
            "lesson__module__week",
            "started_at",
            "completed_at",
            "suds_before",
            "suds_after",
        )
    ]


def test_the_suds_read_is_its_orm_twin_in_the_same_order():
    track = record_track(weeks=6)
    enrollment = with_history(client=UserFactory(), track=track, weeks=4)
    with_history(client=UserFactory(), track=track, weeks=3)  # another enrollment
    practice = [
        lesson
        for module in track.modules.order_by("week")
        for lesson in module.lessons.order_by("order")
        if lesson.suds
    ]
    assert len(practice) == 6
    at = datetime(2026, 11, 24, 9, tzinfo=UTC)
    # Week 5's practice: started, rated before only, not done (comes last); week 6's: started
    # earlier, after only, not done; a reading lesson without ratings is never listed.
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=practice[4], started_at=at, suds_before=8
    )
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=practice[5], started_at=at - timedelta(hours=1), suds_after=3
    )
    # A rating on a lesson that does not ask for one (SUDS off): not listed either way.
    plain = track.modules.get(week=5).lessons.exclude(pk=practice[4].pk).first()
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=plain, started_at=at, completed_at=at, suds_before=2
    )
    sql = suds_rows(enrollment_id=enrollment.pk)
    assert sql == suds_twin(enrollment)
    assert len(sql) == 6
    assert [row.before for row in sql[-2:]] == [None, 8]
    assert all(row.completed_at.tzinfo is not None for row in sql[:4])


def fields_of(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_pacing_history_is_its_orm_twin(clinician):
    track = record_track(weeks=6)
    enrollment = with_history(client=UserFactory(), track=track, weeks=2)
    other = with_history(client=UserFactory(), track=track, weeks=2)
    at = datetime(2026, 11, 20, 15, tzinfo=UTC)
    week = track.modules.get(week=4)
    for target, kind, module, days, lifted, note in (
        (enrollment, PacingKind.HOLD, week, None, at + timedelta(days=1), 'Wait <a> "bit"'),
        (enrollment, PacingKind.SHIFT, None, -3, None, ""),
        (enrollment, PacingKind.HOLD, week, None, None, ""),  # same instant: by id
        (other, PacingKind.SHIFT, None, 7, None, ""),
    ):
        PacingAction.objects.create(
            enrollment=target,
            kind=kind,
            module=module,
            days=days,
            author=clinician,
            reason_code=PacingReason.STABILIZATION,
            created_at=at,
            lifted_at=lifted,
            note=note,
        )
    orm = list(
        PacingAction.objects.filter(enrollment=enrollment)
        .select_related("author", "module")
        .order_by("-created_at", "-id")
    )
    sql = queries.pacing_history(enrollment_id=enrollment.pk)
    assert [fields_of(a) for a in sql] == [fields_of(a) for a in orm]
    assert [fields_of(a.author) for a in sql] == [fields_of(a.author) for a in orm]
    assert [a.module and fields_of(a.module) for a in sql] == [
        a.module and fields_of(a.module) for a in orm
    ]
    assert len(sql) == 3 and sql[1].module is None


def test_the_visible_notes_are_their_orm_twin(clinician, other_clinician, client_a):
    signed_at = datetime(2026, 11, 21, 9, tzinfo=UTC)

    def note(author, status, day, amends=None, text="Slept better & <calmer>"):
        return ProgressNote.objects.create(
            client=client_a,
            author=author,
            note_date=date(2026, 11, day),
            kind=ProgressNote.Kind.SESSION,
            text=text,
            status=status,
            amends=amends,
            signed_at=signed_at if status == ProgressNote.Status.SIGNED else None,
        )

    first = note(clinician, ProgressNote.Status.SIGNED, 10)
    note(clinician, ProgressNote.Status.DRAFT, 12, amends=first)  # my draft amendment
    note(other_clinician, ProgressNote.Status.DRAFT, 14)  # someone else's draft: never mine
    note(other_clinician, ProgressNote.Status.SIGNED, 14)
    note(clinician, ProgressNote.Status.SIGNED, 14)
    ProgressNote.objects.create(
        client=UserFactory(), author=clinician, note_date=date(2026, 11, 14), kind="phone",
        text="another client", status=ProgressNote.Status.SIGNED, signed_at=signed_at,
    )  # fmt: skip
    orm = list(
        notes_visible_to(user=clinician, client=client_a)
        .select_related("author", "amends")
        .order_by("-note_date", "-created_at", "-id")
    )
    sql = queries.visible_notes(client_id=client_a.pk, viewer_id=clinician.pk)
    assert [fields_of(n) for n in sql] == [fields_of(n) for n in orm]
    assert [fields_of(n.author) for n in sql] == [fields_of(n.author) for n in orm]
    assert [n.amends and fields_of(n.amends) for n in sql] == [
        n.amends and fields_of(n.amends) for n in orm
    ]
    assert len(sql) == 4 and sum(1 for n in sql if n.amends is not None) == 1


def test_the_submitted_worksheets_are_their_orm_twin(clinician, other_clinician):
    track = record_track(weeks=6)
    person = UserFactory()
    first = with_history(client=person, track=track, weeks=3)
    with_history(client=UserFactory(), track=track, weeks=2)  # another client's: never read
    lesson = next(lesson for lesson in track.modules.get(week=1).lessons.all() if lesson.prompts)
    later = datetime(2026, 11, 22, 10, tzinfo=UTC)
    second = WorksheetResponse.objects.create(
        enrollment=first, lesson=lesson, status="submitted", version=2,
        answers={"one-word": 'calm & "ok" <b>'}, submitted_at=later,
    )  # fmt: skip
    WorksheetResponse.objects.create(
        enrollment=first, lesson=lesson, status="draft", answers={"one-word": "mine"}
    )  # a draft: never read
    WorksheetReview.objects.create(response=second, reviewer=clinician, reviewed_at=later)
    for author, minutes in ((other_clinician, 5), (clinician, 1)):
        WorksheetFeedback.objects.create(
            response=second, author=author, text="Thank you <3",
            created_at=later + timedelta(minutes=minutes),
        )  # fmt: skip
    orm = list(
        WorksheetResponse.objects.submitted()
        .filter(enrollment__client=person)
        .select_related("lesson__module")
        .defer("lesson__body", "lesson__body_html")
        .annotate(reviewed=Exists(WorksheetReview.objects.filter(response=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "feedback",
                queryset=WorksheetFeedback.objects.select_related("author").order_by(
                    "created_at", "id"
                ),
                to_attr="replies",
            )
        )
        .order_by("enrollment_id", "lesson_id", "version")
    )
    sql = queries.submitted_worksheets(client_id=person.pk)
    assert [fields_of(r) for r in sql] == [fields_of(r) for r in orm]
    assert [r.reviewed for r in sql] == [r.reviewed for r in orm]
    assert [fields_of(r.lesson.module) for r in sql] == [fields_of(r.lesson.module) for r in orm]
    lesson_fields = [
        f.attname for f in Lesson._meta.concrete_fields if f.name not in ("body", "body_html")
    ]
    assert [[getattr(r.lesson, a) for a in lesson_fields] for r in sql] == [
        [getattr(r.lesson, a) for a in lesson_fields] for r in orm
    ]
    assert [[(fields_of(f), fields_of(f.author)) for f in r.replies] for r in sql] == [
        [(fields_of(f), fields_of(f.author)) for f in r.replies] for r in orm
    ]
    assert len(sql) == 4 and sum(r.reviewed for r in sql) == 1
    assert [f.author for f in sql[1].replies] == [clinician, other_clinician]
    assert queries.submitted_worksheets(client_id=UserFactory().pk) == []


def enrollment_twin(client) -> Enrollment | None:
    """The record's enrollment through the ORM, as the record found it before
    care/queries/record.py: the newest live one (active or paused), else the newest finished
    one."""
    current = (
        Enrollment.objects.filter(client=client, status__in=("active", "paused"))
        .select_related("track", "cohort")
        .order_by("-created_at", "-id")
        .first()
    )
    return current or (
        Enrollment.objects.filter(client=client, status__in=("completed", "withdrawn"))
        .select_related("track", "cohort")
        .order_by("-created_at", "-id")
        .first()
    )


def test_the_records_enrollment_is_its_orm_twin(client_a):
    def both():
        sql, orm = queries.record_enrollment(client=client_a), enrollment_twin(client_a)
        assert (sql and fields_of(sql)) == (orm and fields_of(orm))
        if sql is not None:
            assert fields_of(sql.track) == fields_of(orm.track)
            assert (sql.cohort and fields_of(sql.cohort)) == (orm.cohort and fields_of(orm.cohort))
            assert sql.client is client_a
        return sql

    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert both() is None
    EnrollmentFactory(client=client_a, track=record_track(weeks=2), status="pending_payment")
    assert both() is None  # an unpaid checkout is no program
    for days, status in ((0, "withdrawn"), (30, "completed"), (60, "cancelled")):
        EnrollmentFactory(
            client=client_a, track=record_track(weeks=2), status=status,
            created_at=start + timedelta(days=days),
        )  # fmt: skip
    assert both().status == "completed"
    EnrollmentFactory(
        client=client_a, track=record_track(weeks=2), status="paused", created_at=start
    )
    assert both().status == "paused"  # a live program comes before a newer finished one
