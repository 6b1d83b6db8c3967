"""allauth's rate limits are on in every real environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ehab.settings import base
from tests.factories import PASSWORD

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


# --- Behind the proxy: the limits key on the client's address, not the proxy's ------------------
# Production deploys behind one proxy (README, "Deploying") that appends the address it saw to
# X-Forwarded-For; every request reaches the app from the proxy's own address.
PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.10"
CLIENT_B = "198.51.100.20"


@pytest.fixture
def behind_one_proxy(settings, rate_limits_on):
    """What production sets for one proxy: EHAB_TRUSTED_PROXY_COUNT=1 and allauth's limits on."""
    settings.EHAB_TRUSTED_PROXY_COUNT = 1


def _sign_in(client, email, password, *, forwarded_for):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR=PROXY,
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_behind_the_proxy_ten_failed_sign_ins_lock_only_the_address_they_came_from(
    client, client_a, client_b, behind_one_proxy
):
    with time_machine.travel("2026-11-28 12:00:00Z", tick=False):
        for n in range(10):  # ten different addresses, so only the per-address limit is reached
            _sign_in(client, f"nobody{n}@example.org", "not-the-password", forwarded_for=CLIENT_A)

        refused = _sign_in(client, client_a.email, PASSWORD, forwarded_for=CLIENT_A)
        assert "Too many failed" in refused.content.decode()
        assert not _signed_in(client)

        elsewhere = Client()
        response = _sign_in(elsewhere, client_b.email, PASSWORD, forwarded_for=CLIENT_B)
        assert response.status_code == 302
        assert _signed_in(elsewhere)


def test_a_forged_leftmost_forwarded_address_does_not_dodge_the_limit(
    client, client_a, behind_one_proxy
):
    # The client may send its own X-Forwarded-For; the proxy appends the address it saw, and
    # only that last hop counts.
    with time_machine.travel("2026-11-28 12:00:00Z", tick=False):
        for n in range(10):
            forged = f"192.0.2.{n + 1}, {CLIENT_A}"
            _sign_in(client, f"nobody{n}@example.org", "not-the-password", forwarded_for=forged)

        refused = _sign_in(
            client, client_a.email, PASSWORD, forwarded_for=f"192.0.2.99, {CLIENT_A}"
        )
        assert "Too many failed" in refused.content.decode()
        assert not _signed_in(client)


def test_production_settings_feed_the_one_proxy_count_to_allauth_and_the_audit_trail():
    probe = (
        "import django; django.setup()\n"
        "from allauth import app_settings\n"
        "from allauth.account.adapter import get_adapter\n"
        "from allauth.core.internal import ratelimit\n"
        "from django.test import RequestFactory\n"
        "from core.request_context import client_ip\n"
        "request = RequestFactory().post('/accounts/login/',\n"
        "    HTTP_X_FORWARDED_FOR='192.0.2.66, 203.0.113.10', REMOTE_ADDR='10.0.0.2')\n"
        "print(app_settings.TRUSTED_PROXY_COUNT, get_adapter(request).get_client_ip(request),\n"
        "    ratelimit.get_ip(request), client_ip(request))\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EHAB_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ehab.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="ehab.example",
        DATABASE_URL="postgres://ehab@127.0.0.1:5432/ehab",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EHAB_SITE_URL="https://ehab.example",
        EHAB_TRUSTED_PROXY_COUNT="1",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["1"] + ["203.0.113.10"] * 3, result.stderr
