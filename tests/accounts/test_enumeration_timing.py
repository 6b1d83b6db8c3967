"""Whether an address has an account cannot be told from how long sign-up or a password-reset
request takes.

With a mail server that takes half a second per email, a reset request for a known address took
2.4 s in production and 0.01 s for an unknown one, because the email was sent in the request;
and sign-up hashed a password only for a new address. Each pair of paths is timed here, runs
interleaved so load on the machine falls on both alike, with the real password hasher (the test
settings use MD5 for speed), and their medians must be within a small factor.
"""

import statistics
import time
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications.models import Kind, Notification
from tests.notifications.outbox import deliver_outbox

RUNS = 7
FACTOR = 1.5
SLACK = 0.010  # seconds: a database insert or two and a template, on a loaded 2-core machine
PASSWORD = "lantern-harbour-morning-7"
RESET = reverse("account_reset_password")
SIGNUP = reverse("account_signup")


@pytest.fixture
def slow_mail_and_real_hashing(settings):
    settings.EMAIL_BACKEND = "tests.accounts.slow_mail.SlowEmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def medians(first: Callable[[int], None], second: Callable[[int], None]) -> tuple[float, float]:
    """Median seconds of RUNS calls of each, interleaved, after one warm-up call of each."""
    first(-1)
    second(-1)
    times: tuple[list[float], list[float]] = ([], [])
    for run in range(RUNS):
        for action, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            action(run)
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def assert_alike(known: float, unknown: float) -> None:
    slow, fast = max(known, unknown), min(known, unknown)
    assert slow <= FACTOR * fast + SLACK, (
        f"an address with an account takes {known * 1000:.1f} ms, "
        f"one without takes {unknown * 1000:.1f} ms (medians of {RUNS})"
    )


def test_a_password_reset_takes_as_long_for_a_known_address_as_for_an_unknown_one(
    client, client_a, slow_mail_and_real_hashing
):
    def reset(email: str) -> None:
        response = client.post(RESET, {"email": email})
        assert response.status_code == 302

    known, unknown = medians(
        lambda run: reset(client_a.email), lambda run: reset(f"nobody{run}@example.org")
    )

    assert_alike(known, unknown)
    # The known address did get its emails, from the worker.
    assert not mail.outbox
    assert Notification.objects.filter(kind=Kind.ACCOUNT_PASSWORD_RESET).count() == RUNS + 1


def test_a_sign_up_takes_as_long_for_a_new_address_as_for_one_that_has_an_account(
    client_a, settings, slow_mail_and_real_hashing
):
    def sign_up(email: str) -> None:
        response = Client().post(
            SIGNUP, {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")

    existing, new = medians(
        lambda run: sign_up(client_a.email), lambda run: sign_up(f"new{run + 1}@example.org")
    )

    assert_alike(existing, new)
    assert not mail.outbox
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_outbox()
    subjects = [message.subject for message in mail.outbox]
    assert subjects.count("E-Hab: You already have an account") == RUNS + 1
    assert subjects.count("E-Hab: Please confirm your email address") == RUNS + 1
