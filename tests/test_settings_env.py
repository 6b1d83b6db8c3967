"""Settings read from the environment fail loudly on values they cannot parse."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from ehab.settings.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_money,
    env_pairs,
    env_str,
    env_timezone,
    npi_is_valid,
)


def test_pairs_and_amounts(monkeypatch):
    monkeypatch.delenv("CODES", raising=False)
    assert env_pairs("CODES", {"group": "90853"}) == {"group": "90853"}
    monkeypatch.setenv("CODES", "F52.8=Other sexual dysfunction, not due to a substance; Z63.0=X")
    assert env_pairs("CODES", {}, separator=";") == {
        "F52.8": "Other sexual dysfunction, not due to a substance",
        "Z63.0": "X",
    }
    for bad in ("group", "=120", "group="):
        monkeypatch.setenv("CODES", bad)
        with pytest.raises(ImproperlyConfigured):
            env_pairs("CODES", {})
    monkeypatch.setenv("FEES", "group=120, individual=175.5")
    assert env_money("FEES", {}) == {"group": Decimal("120.00"), "individual": Decimal("175.50")}
    for bad in ("group=0", "group=-5", "group=1.005", "group=NaN", "group=Infinity", "group=ten"):
        monkeypatch.setenv("FEES", bad)
        with pytest.raises(ImproperlyConfigured):
            env_money("FEES", {})


def test_an_npi_has_ten_digits_and_its_check_digit():
    assert npi_is_valid("1234567893")  # CMS's own example
    for bad in ("1234567890", "123456789", "12345678931", "12345678a3", ""):
        assert not npi_is_valid(bad)


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured):
        env_bool("FLAG", False)


def test_env_int_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1, minimum=1)
    monkeypatch.setenv("N", "12")
    assert env_int("N", 1, minimum=1) == 12


def test_required_strings_must_be_present(monkeypatch):
    monkeypatch.delenv("NEEDED", raising=False)
    with pytest.raises(ImproperlyConfigured):
        env_str("NEEDED", required=True)
    assert env_str("NEEDED", "fallback") == "fallback"


def test_lists_time_zones_and_choices(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,, ")
    assert env_list("HOSTS") == ["a.example", "b.example"]
    monkeypatch.setenv("TZ_NAME", "America/Chicago")
    assert env_timezone("TZ_NAME", "UTC") == "America/Chicago"
    monkeypatch.setenv("TZ_NAME", "Nowhere/Land")
    with pytest.raises(ImproperlyConfigured):
        env_timezone("TZ_NAME", "UTC")
    monkeypatch.setenv("LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured):
        env_choice("LEVEL", "INFO", {"INFO", "DEBUG"})


def test_a_bad_database_url_stops_the_settings(monkeypatch):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "notadb://x", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", "import ehab.settings.test"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not a valid database URL" in result.stderr


def _database_options(extra_env: dict) -> dict:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), **extra_env}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, ehab.settings.test as s; "
            "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_prepares_statements_unless_told_not_to():
    url = {"DATABASE_URL": "postgres://ehab@db.example:5432/ehab"}
    assert _database_options(url) == {"server_side_binding": True, "prepare_threshold": 5}
    off = _database_options({**url, "DATABASE_PREPARED_STATEMENTS": "false"})
    assert "server_side_binding" not in off and "prepare_threshold" not in off


def test_sqlite_has_no_prepared_statement_options():
    assert _database_options({}) == {"timeout": 20}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_query_run_a_few_times_is_prepared_on_the_connection():
    from django.db import connection

    from courses.selectors import released_and_done
    from tests.factories import EnrollmentFactory

    enrollment = EnrollmentFactory()
    for _ in range(6):
        released_and_done(enrollment=enrollment)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("courses_lessonprogress" in sql for sql in prepared), prepared
