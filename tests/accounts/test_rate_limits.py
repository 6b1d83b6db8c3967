"""allauth's rate limits are on in every real environment."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from ehab.settings import base

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def rate_limits_on(settings):
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


def test_the_base_settings_turn_rate_limits_on():
    assert base.ACCOUNT_RATE_LIMITS["login_failed"]
    assert base.ACCOUNT_RATE_LIMITS["signup"]
    assert base.ACCOUNT_RATE_LIMITS["reset_password"]


def test_repeated_wrong_passwords_for_one_account_are_stopped(client, client_a, rate_limits_on):
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": client_a.email, "password": "not-the-password"})
        assert "Too many failed" not in response.content.decode()
    response = client.post(url, {"login": client_a.email, "password": "not-the-password"})
    assert response.status_code in (200, 429)
    assert "Too many failed" in response.content.decode() or response.status_code == 429


def test_a_flood_of_password_reset_requests_is_refused(client, db, rate_limits_on):
    url = reverse("account_reset_password")
    codes = [client.post(url, {"email": "someone@example.org"}).status_code for _ in range(25)]
    assert 429 in codes
    assert codes[0] == 302


def test_with_redis_configured_the_rate_limit_counters_are_shared_through_redis():
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "ehab.settings.local",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EHAB_VAR_DIR": "/tmp/ehab-var-probe",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "ehab.cache.FailOpenRedisCache", result.stderr
