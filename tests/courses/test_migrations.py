"""Migrations that move data keep it: the worksheet table moved from care to courses."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("care", "0002_worksheetresponse"), ("courses", "0003_enrollment_next_release_at")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_worksheets_written_under_care_are_read_under_courses():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE)
        user = old.get_model("accounts", "User").objects.create(email="w@example.org")
        program = old.get_model("courses", "Program").objects.create(slug="p", title="P")
        track = old.get_model("courses", "Track").objects.create(
            program=program, slug="t", title="T", weeks=1
        )
        module = old.get_model("courses", "Module").objects.create(
            track=track, slug="m", week=1, order=1, domain="orientation", title="M"
        )
        lesson = old.get_model("courses", "Lesson").objects.create(
            module=module, slug="l", order=1, title="L", kind="worksheet"
        )
        enrollment = old.get_model("courses", "Enrollment").objects.create(
            client=user, track=track, start_date=date(2026, 11, 2)
        )
        old.get_model("care", "WorksheetResponse").objects.create(
            enrollment=enrollment,
            lesson=lesson,
            status="submitted",
            version=1,
            answers={"one-word": "kept"},
        )

        new = _migrate(latest)
        moved = new.get_model("courses", "WorksheetResponse").objects.get()
        assert (moved.enrollment_id, moved.lesson_id) == (enrollment.pk, lesson.pk)
        assert (moved.status, moved.version, moved.answers) == (
            "submitted",
            1,
            {"one-word": "kept"},
        )
        assert moved._meta.db_table == "courses_worksheetresponse"
        with pytest.raises(LookupError):
            new.get_model("care", "WorksheetResponse")
    finally:
        _migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_cohort_names_that_clash_by_case_are_told_apart_before_the_constraint():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate([("courses", "0011_lesson_fills")])
        program = old.get_model("courses", "Program").objects.create(slug="p", title="P")
        Track = old.get_model("courses", "Track")
        first = Track.objects.create(program=program, slug="t", title="T", weeks=1)
        second = Track.objects.create(program=program, slug="u", title="U", weeks=1)
        Cohort = old.get_model("courses", "Cohort")
        kept = Cohort.objects.create(track=first, name="Spring", start_date=date(2026, 11, 2))
        clash = Cohort.objects.create(track=first, name="spring", start_date=date(2026, 11, 9))
        elsewhere = Cohort.objects.create(track=second, name="SPRING", start_date=date(2026, 11, 2))

        new = _migrate([("courses", "0012_cohort_name_unique_per_track")])
        names = dict(new.get_model("courses", "Cohort").objects.values_list("pk", "name"))
        assert names == {
            kept.pk: "Spring",
            clash.pk: f"spring (#{clash.pk})",
            elsewhere.pk: "SPRING",
        }
    finally:
        _migrate(latest)
