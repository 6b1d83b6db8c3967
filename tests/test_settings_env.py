"""Settings read from the environment fail loudly on values they cannot parse."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from ehab.settings.env import env_bool, env_choice, env_int, env_list, env_str, env_timezone


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
