"""Shared fixtures: one person per role, and signing them in the way the site would."""

import os
import time
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings

from accounts.roles import Role, is_staff_role
from accounts.session_policy import MFA_VERIFIED

from .factories import CareAssignmentFactory, UserFactory
from .html_checker import CHECKER, CheckerUnavailable

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


# --- The clock as an input ---------------------------------------------------------------------
# `--clock=2027-03-14T06:59:00Z` runs the whole session with the clock travelling (ticking) from
# that instant, so a test that leans on the wall clock instead of freezing it shows up; the clock
# sweep (`make test-clocks`, tests/clock_sweep.py) runs the suite from several awkward instants.
# Subprocesses started by tests (the Celery worker) read `EHAB_TEST_CLOCK_OFFSET` and travel by
# the same amount (tests/notifications/worker_settings.py).
CLOCK_OFFSET_ENV = "EHAB_TEST_CLOCK_OFFSET"


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="INSTANT",
        help="run with the clock travelling from this ISO 8601 instant, e.g. 2027-03-14T06:59:00Z",
    )


def parse_instant(text: str) -> datetime:
    """An aware instant from ISO 8601 text ('Z' or an offset required)."""
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise pytest.UsageError(f"--clock needs a UTC offset or Z: {text!r}")
    return instant


def pytest_configure(config):
    text = config.getoption("--clock")
    if not text:
        return
    destination = parse_instant(text)
    os.environ[CLOCK_OFFSET_ENV] = str((destination - datetime.now(UTC)).total_seconds())
    config._ehab_clock = time_machine.travel(destination, tick=True)
    config._ehab_clock.start()


def pytest_unconfigure(config):
    traveller = getattr(config, "_ehab_clock", None)
    if traveller is not None:
        traveller.stop()
        os.environ.pop(CLOCK_OFFSET_ENV, None)


def pytest_report_header(config):
    text = config.getoption("--clock")
    if text:
        return f"clock: travelling from {text} (process TZ={os.environ.get('TZ', 'unset')})"
    return None


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


def pytest_collection_finish(session):
    """Launch the HTML checker's JVM now if a collected test needs it: it reads its schemas
    while the tests before the first such test run."""
    if any("html_checker" in getattr(item, "fixturenames", ()) for item in session.items):
        CHECKER.start()


def pytest_sessionfinish(session, exitstatus):
    CHECKER.stop()


def pytest_terminal_summary(terminalreporter):
    if CHECKER.summary():
        terminalreporter.write_line(CHECKER.summary())


@pytest.fixture(scope="session")
def html_checker():
    """The Nu Html Checker service (tests/html_checker.py), ready; a missing Java or vnu.jar
    fails the test, as a missing Chromium does, so the check is never skipped unnoticed."""
    try:
        CHECKER.wait_ready()
    except CheckerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    return CHECKER


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
def superuser(db):
    """An administrator who may also open the Django admin."""
    return UserFactory(role=Role.ADMIN, is_superuser=True)


@pytest.fixture
def instruments(db):
    """The PHQ-9 and GAD-7 loaded from their data files, by key."""
    from measures.instruments import instruments_load, read_instruments
    from measures.models import Instrument

    instruments_load(read_instruments())
    return {instrument.key: instrument for instrument in Instrument.objects.all()}


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
