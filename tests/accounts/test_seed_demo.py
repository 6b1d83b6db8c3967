"""The demo accounts for `make run`."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from care.selectors import caseload_for
from courses.models import Enrollment, ModuleRelease
from ehab.management.commands.seed_demo import DEMO_PASSWORD


def test_seed_demo_creates_the_four_demo_accounts_who_can_sign_in(client, db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    roles = dict(User.objects.values_list("email", "role"))
    assert roles == {
        "client@example.com": Role.CLIENT,
        "client2@example.com": Role.CLIENT,
        "clinician@example.com": Role.CLINICIAN,
        "admin@example.com": Role.ADMIN,
        "billing@example.com": Role.BILLING,
    }
    response = client.post(
        reverse("account_login"), {"login": "client@example.com", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("courses:dashboard")).status_code == 200
    clinician = User.objects.get(email="clinician@example.com")
    assert sorted(c.email for c in caseload_for(clinician=clinician)) == [
        "client2@example.com",
        "client@example.com",
    ]


def test_seed_demo_run_twice_changes_nothing_more(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.count() == 5
    clinician = User.objects.get(email="clinician@example.com")
    assert caseload_for(clinician=clinician).count() == 2
    assert Enrollment.objects.count() == 2


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
