"""A billing hold on new weeks is courses' own: set and lifted through its services (billing
calls them), read by the planner, the sweep and the pages without asking billing anything."""

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from courses.models import Enrollment, ModuleRelease
from courses.selectors import WAITING_BILLING, program_map, weeks_waiting
from courses.services.releases import (
    enrollment_hold_new_weeks,
    enrollment_lift_new_weeks_hold,
    enrollment_release_due_modules,
    modules_due,
    release_sweep,
)
from notifications.models import Kind, Notification
from tests.factories import EnrollmentFactory, make_track

# Tuesday 2026-11-10, 12:00 UTC: weeks 1-2 of a Nov 2 start are open.
HELD_AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
# Monday 2026-11-23, 12:00 UTC (07:00 in New York): weeks 1-4 are due.
LATER = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def enrollment(db):
    track = make_track(weeks=6, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(track=track, start_date=date(2026, 11, 2))
    enrollment_release_due_modules(enrollment=enrollment, now=HELD_AT)
    return Enrollment.objects.select_related("track", "cohort", "client").get(pk=enrollment.pk)


def weeks(enrollment):
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def test_a_held_enrollment_gets_no_new_week_from_the_sweep_or_a_visit(enrollment):
    enrollment_hold_new_weeks(enrollment=enrollment, now=HELD_AT)
    enrollment.refresh_from_db()
    assert enrollment.new_weeks_held_for_billing is True
    assert enrollment.next_release_at is None  # the sweep has nothing to look at
    assert release_sweep(now=LATER) == 0
    assert enrollment_release_due_modules(enrollment=enrollment, now=LATER) == []
    assert modules_due(enrollment=enrollment, now=LATER) == []
    assert weeks(enrollment) == [1, 2]  # what was open stays open


def test_the_pages_say_new_weeks_wait_on_billing_without_asking_billing(
    enrollment, django_assert_num_queries
):
    enrollment_hold_new_weeks(enrollment=enrollment, now=HELD_AT)
    enrollment.refresh_from_db()
    shown = program_map(enrollment=enrollment)
    # The clinician's holds come with the weeks; the billing hold is on the row.
    with django_assert_num_queries(0):
        waiting = weeks_waiting(enrollment=enrollment, weeks=shown, now=LATER)
    assert sorted(waiting.values()) == [WAITING_BILLING, WAITING_BILLING]


def test_lifting_the_hold_opens_whatever_is_due_at_once_with_one_message(enrollment):
    enrollment_hold_new_weeks(enrollment=enrollment, now=HELD_AT)
    before = Notification.objects.filter(kind=Kind.MODULE_RELEASED).count()
    written = enrollment_lift_new_weeks_hold(enrollment=enrollment, now=LATER)
    assert sorted(r.module.week for r in written) == [3, 4]
    assert weeks(enrollment) == [1, 2, 3, 4]
    enrollment.refresh_from_db()
    assert enrollment.new_weeks_held_for_billing is False
    assert enrollment.next_release_at == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    assert Notification.objects.filter(kind=Kind.MODULE_RELEASED).count() == before + 1


def test_holding_and_lifting_twice_changes_nothing_more(enrollment):
    enrollment_hold_new_weeks(enrollment=enrollment, now=HELD_AT)
    enrollment_hold_new_weeks(enrollment=enrollment, now=HELD_AT + timedelta(hours=1))
    enrollment_lift_new_weeks_hold(enrollment=enrollment, now=LATER)
    assert enrollment_lift_new_weeks_hold(enrollment=enrollment, now=LATER) == []
    assert weeks(enrollment) == [1, 2, 3, 4]


def test_the_hold_of_one_enrollment_keeps_no_other_from_the_sweep(enrollment):
    other = EnrollmentFactory(track=enrollment.track, start_date=date(2026, 11, 2))
    enrollment_release_due_modules(enrollment=other, now=HELD_AT)
    enrollment_hold_new_weeks(enrollment=enrollment, now=HELD_AT)
    assert release_sweep(now=LATER) == 2
    assert (weeks(enrollment), weeks(other)) == ([1, 2], [1, 2, 3, 4])


def test_courses_imports_nothing_from_payments():
    """Billing sits above courses: it calls the hold services; courses never asks it."""
    root = Path(__file__).resolve().parents[2] / "courses"
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found += [
                f"{path.relative_to(root.parent)}:{node.lineno}"
                for name in names
                if name == "payments" or name.startswith("payments.")
            ]
    assert found == []
