"""Shared fixtures: one person per role, and signing them in the way the site would."""

import os
import time

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings

from accounts.roles import Role, is_staff_role
from accounts.session_policy import MFA_VERIFIED

from .factories import CareAssignmentFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures
# and assertions in that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
STRIPE_API_BASES = ("api_base", "connect_api_base", "upload_api_base", "meter_events_api_base")


@pytest.fixture(autouse=True)
def _no_real_stripe(monkeypatch):
    """No test ever reaches Stripe: the SDK points at a closed local port unless a test takes
    the `fake_stripe` fixture (tests/payments/conftest.py)."""
    import stripe

    for name in STRIPE_API_BASES:
        monkeypatch.setattr(stripe, name, "http://127.0.0.1:9")  # discard port: refused
    monkeypatch.setattr(stripe, "max_network_retries", 0)


def skip_unless_available(reason: str):
    """Skip a test whose service is missing on a developer's machine; in CI (CI=true) the same
    gap fails instead, so CI can never pass by skipping."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    reason = "needs PostgreSQL: set DATABASE_URL (CI does)"
    if os.environ.get("CI") and any("postgres" in item.keywords for item in items):
        raise pytest.UsageError(f"CI must run every test; {reason}")
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def give_totp(user) -> Authenticator:
    """An authenticator app on record for `user` (as if they had set one up)."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )


def sign_in(django_client, user, *, mfa: bool = True):
    """Sign `user` in on a Django test client; staff also prove a second factor unless told not."""
    django_client.force_login(user)
    if mfa and is_staff_role(user.role):
        if not Authenticator.objects.filter(user=user).exists():
            give_totp(user)
        session = django_client.session
        session[MFA_VERIFIED] = time.time()
        session.save()
    return django_client


@pytest.fixture
def client_a(db):
    return UserFactory(role=Role.CLIENT, preferred_name="Alex")


@pytest.fixture
def client_b(db):
    return UserFactory(role=Role.CLIENT, preferred_name="Blake")


@pytest.fixture
def clinician(db, client_a):
    user = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Assigned")
    CareAssignmentFactory(clinician=user, client=client_a)
    return user


@pytest.fixture
def other_clinician(db):
    return UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Other")


@pytest.fixture
def billing_user(db):
    return UserFactory(role=Role.BILLING)


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def signed_in(client):
    """`signed_in(user)` returns the test client signed in as `user`."""

    def _sign_in(user, *, mfa: bool = True):
        return sign_in(client, user, mfa=mfa)

    return _sign_in


def run_at_once(action, times: int = 2) -> list[Exception]:
    """Run `action` in `times` threads released together; returns the errors they raised.
    Each thread closes its own database connection."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(times)
    errors: list[Exception] = []

    def run():
        try:
            barrier.wait()
            action()
        except Exception as exc:  # reported to the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
