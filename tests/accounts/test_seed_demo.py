"""The demo accounts for `make run`."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from care.selectors import caseload_for
from courses.models import Enrollment, ModuleRelease
from ehab.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS


def test_seed_demo_creates_the_four_demo_accounts_who_can_sign_in(client, db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    roles = dict(User.objects.values_list("email", "role"))
    assert roles == {
        "client@example.com": Role.CLIENT,
        "client2@example.com": Role.CLIENT,
        "client3@example.com": Role.CLIENT,
        "client4@example.com": Role.CLIENT,
        "client5@example.com": Role.CLIENT,
        "client6@example.com": Role.CLIENT,
        "client7@example.com": Role.CLIENT,
        "clinician@example.com": Role.CLINICIAN,
        "admin@example.com": Role.ADMIN,
        "owner@example.com": Role.ADMIN,
        "billing@example.com": Role.BILLING,
    }
    # One demo administrator holds the Django admin's key; the other runs the console only.
    superusers = set(User.objects.filter(is_superuser=True).values_list("email", flat=True))
    assert superusers == {"owner@example.com"}
    response = client.post(
        reverse("account_login"), {"login": "client@example.com", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("courses:dashboard")).status_code == 200
    clinician = User.objects.get(email="clinician@example.com")
    assert sorted(c.email for c in caseload_for(clinician=clinician)) == [
        f"client{n}@example.com" for n in ("2", "3", "4", "5", "6", "7", "")
    ]


def test_seed_demo_run_twice_changes_nothing_more(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.count() == len(DEMO_USERS)
    clinician = User.objects.get(email="clinician@example.com")
    assert caseload_for(clinician=clinician).count() == 7
    assert Enrollment.objects.count() == 7


def test_seed_demo_refuses_under_production_settings(db, settings):
    settings.EHAB_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "moment",
    [
        "2026-11-30 03:00:00Z",
        "2026-11-30 12:00:00Z",
        "2026-12-02 18:00:00Z",
        "2026-12-06 23:30:00Z",
    ],
)
def test_the_demo_cohort_always_has_weeks_one_to_four_open(db, moment):
    import time_machine

    with time_machine.travel(moment, tick=False):
        call_command("seed_demo")
    weeks = sorted(
        ModuleRelease.objects.filter(enrollment__client__email="client@example.com").values_list(
            "module__week", flat=True
        )
    )
    assert weeks == [1, 2, 3, 4]
    second = ModuleRelease.objects.filter(enrollment__client__email="client2@example.com")
    assert list(second.values_list("module__week", flat=True)) == [1]


def test_the_readme_lists_every_demo_account_seed_demo_prints(db, capsys):
    """`make run` prints the accounts; the README's Quick start table names the same ones, with
    the same words."""
    import re
    from pathlib import Path

    from ehab.management.commands.seed_demo import DEMO_USERS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    quick_start = readme[readme.index("## Quick start") : readme.index("## Configuration")]
    listed = re.findall(r"^\| `([^`]+@example\.com)` \| ([^|]+) \|$", quick_start, re.M)
    assert listed == [(email, about) for email, _role, _name, about in DEMO_USERS]
    for email, role, _name, about in DEMO_USERS:
        assert about.startswith(Role(role).label.lower()), (email, about)
    call_command("seed_demo")
    printed = capsys.readouterr().out.splitlines()
    for email, about in listed:
        assert f"  {email:<23} {about}" in printed, email


def test_the_demo_caseload_holds_a_realistic_morning(db):
    """Besides the two demo clients, five in the states a caseload really holds, each with a
    history played forward through the site's services."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from courses.models import EnrollmentStatus, PacingKind, WorksheetResponse

    with time_machine.travel("2026-12-01 13:30:00Z", tick=False):
        call_command("seed_demo")
        now = timezone.now()
    enrollments = {e.client.email: e for e in Enrollment.objects.select_related("client").all()}
    away = enrollments["client3@example.com"]
    assert away.status == EnrollmentStatus.ACTIVE
    assert away.client.last_login == now - timedelta(days=9)
    done = away.progress.exclude(completed_at=None)
    assert done.exists()
    rated = list(done.exclude(suds_after=None).order_by("completed_at"))
    assert len(rated) >= 3 and rated[-1].suds_after > rated[0].suds_after  # distress rising
    assert not done.filter(completed_at__gte=now - timedelta(days=9)).exists()
    held = enrollments["client4@example.com"]
    hold = held.pacing_actions.get(kind=PacingKind.HOLD, lifted_at__isnull=True)
    assert not held.releases.filter(module=hold.module).exists()
    assert hold.module.week == held.releases.count() + 1
    waiting = WorksheetResponse.objects.filter(
        enrollment=enrollments["client5@example.com"], status="submitted", reviews__isnull=True
    )
    assert waiting.count() >= 3
    assert waiting.values("lesson").distinct().count() < waiting.count()  # one resubmitted
    paused = enrollments["client6@example.com"]
    assert paused.status == EnrollmentStatus.PAUSED
    assert paused.progress.exclude(deferred_at=None).exists()  # a "not today"
    finished = enrollments["client7@example.com"]
    assert finished.status == EnrollmentStatus.COMPLETED
    assert finished.releases.count() == finished.track.modules.count() == 12
    # SUDS readings come with the lessons that ask for them.
    assert finished.progress.exclude(suds_before=None).exclude(suds_after=None).exists()
    # Questionnaires: heavier for the client who is away, easing for the one on hold.
    from measures.models import Administration

    heavier = Administration.objects.filter(client=away.client).order_by("submitted_at")
    assert [(a.total, a.reliable_change) for a in heavier] == [(8, ""), (16, "worsened")]
    easing = Administration.objects.filter(client=held.client, instrument__key="gad7").order_by(
        "submitted_at"
    )
    assert [a.reliable_change for a in easing] == ["", "improved", "improved"]


def test_the_demo_cohorts_first_three_sessions_have_attendance_and_the_client_sees_hours(
    client, db
):
    """Present, late and absent at the three Tuesdays held before week 4, each marked by the
    session's clinician after it ended; the client's attendance page shows the hours."""
    from datetime import UTC, datetime, timedelta

    import time_machine

    from meetings.models import Attendance
    from tests.conftest import sign_in

    with time_machine.travel("2026-12-01 13:30:00Z", tick=False):
        call_command("seed_demo")
        call_command("seed_demo")  # a second run marks nothing more
        rows = list(
            Attendance.objects.filter(client__email="client@example.com")
            .select_related("occurrence")
            .order_by("occurrence__starts_at")
        )
        assert [(r.status, r.minutes) for r in rows] == [
            ("present", 90), ("late", 60), ("absent", 0)
        ]  # fmt: skip
        assert [r.occurrence.starts_at for r in rows] == [
            datetime(2026, 11, d, 23, 30, tzinfo=UTC) for d in (10, 17, 24)
        ]
        for row in rows:
            assert row.marked_by == row.occurrence.clinician
            assert row.marked_at == row.occurrence.ends_at + timedelta(minutes=10)
        sign_in(client, User.objects.get(email="client@example.com"))
        page = client.get(reverse("attendance:mine")).content.decode()
    assert "Hours each week" in page and "Program hours each week" in page
    assert "<td>90 min</td>" in page and "<td>60 min</td>" in page
