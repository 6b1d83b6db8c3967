"""A code from an authenticator app is accepted once. allauth remembers used
codes in the cache only, which fails open: with Redis down or emptied, a code seen over a
shoulder or in a proxy log could be used again within its 30 seconds. The database remembers
them too, one row per authenticator and time step."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse

from accounts.models import TotpCodeUse
from accounts.services import totp_code_claim
from tests.conftest import give_totp, run_at_once
from tests.factories import PASSWORD

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's
# Two seconds into a 30-second step, so a second use 20 seconds later is in the same window.
NOON = datetime(2026, 12, 1, 17, 0, 2, tzinfo=UTC)

CACHES = {
    "emptied": None,
    "a dummy cache": {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}},
    "Redis down": {
        "default": {
            "BACKEND": "ehab.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: refused at once
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    },
}


def code_at(instant: datetime) -> str:
    return format_hotp_value(hotp_value(SECRET, int(instant.timestamp()) // 30))


def sign_in_with_code(client, user, code: str):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": code})


def signed_in_to_the_caseload(client) -> bool:
    return client.get(reverse("care:caseload")).status_code == 200


@pytest.fixture
def at_noon():
    cache.clear()  # allauth's own record of used codes, left by an earlier test
    with time_machine.travel(NOON, tick=False) as clock:
        yield clock


@pytest.mark.parametrize("cache_setting", CACHES.values(), ids=CACHES.keys())
def test_a_code_signs_in_once_even_when_the_cache_forgets_it(
    client, clinician, settings, at_noon, cache_setting
):
    give_totp(clinician)
    if cache_setting:
        settings.CACHES = cache_setting
    code = code_at(NOON)

    response = sign_in_with_code(client, clinician, code)
    assert response.status_code == 302
    assert signed_in_to_the_caseload(client)
    client.post(reverse("account_logout"))

    cache.clear()
    at_noon.shift(20)  # the same step: the code is still valid
    response = sign_in_with_code(client, clinician, code)

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not signed_in_to_the_caseload(client)
    assert TotpCodeUse.objects.count() == 1


@pytest.mark.parametrize("cache_setting", CACHES.values(), ids=CACHES.keys())
def test_a_code_used_to_sign_in_cannot_reauthenticate_too(
    client, clinician, settings, at_noon, cache_setting
):
    give_totp(clinician)
    if cache_setting:
        settings.CACHES = cache_setting
    code = code_at(NOON)
    assert sign_in_with_code(client, clinician, code).status_code == 302
    cache.clear()

    response = client.post(reverse("mfa_reauthenticate"), {"code": code})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_the_next_code_signs_in_again(client, clinician, at_noon):
    give_totp(clinician)
    sign_in_with_code(client, clinician, code_at(NOON))
    client.post(reverse("account_logout"))
    at_noon.shift(30)
    response = sign_in_with_code(client, clinician, code_at(NOON + timedelta(seconds=30)))
    assert response.status_code == 302
    assert signed_in_to_the_caseload(client)


# --- The service ----------------------------------------------------------------------------------


def test_a_claim_succeeds_once_per_authenticator_and_step(clinician, client_a):
    mine, theirs = give_totp(clinician), give_totp(client_a)
    code = code_at(NOON)
    assert totp_code_claim(authenticator=mine, code=code, now=NOON) is True
    assert totp_code_claim(authenticator=mine, code=code, now=NOON + timedelta(seconds=27)) is False
    # Another person's authenticator with the same secret is another record.
    assert totp_code_claim(authenticator=theirs, code=code, now=NOON) is True


def test_a_wrong_or_stale_code_is_not_claimed(clinician):
    authenticator = give_totp(clinician)
    assert totp_code_claim(authenticator=authenticator, code="000000", now=NOON) is (
        code_at(NOON) == "000000"
    )
    stale = code_at(NOON - timedelta(seconds=30))
    assert totp_code_claim(authenticator=authenticator, code=stale, now=NOON) is False
    assert not TotpCodeUse.objects.exists()


def test_only_the_time_step_is_kept_never_the_code(clinician):
    authenticator = give_totp(clinician)
    code = code_at(NOON)
    totp_code_claim(authenticator=authenticator, code=code, now=NOON)
    (row,) = TotpCodeUse.objects.values()
    assert row["step"] == int(NOON.timestamp()) // 30
    assert code not in {str(value) for value in row.values()}


def test_steps_older_than_the_window_are_forgotten(clinician):
    authenticator = give_totp(clinician)
    period = mfa_settings.TOTP_PERIOD
    for minutes in range(3):
        instant = NOON + timedelta(minutes=minutes)
        assert totp_code_claim(authenticator=authenticator, code=code_at(instant), now=instant)
    # Each claim forgets the steps that can no longer be valid, so at most the window is kept.
    steps = list(TotpCodeUse.objects.values_list("step", flat=True))
    assert steps == [int((NOON + timedelta(minutes=2)).timestamp()) // period]


@pytest.mark.postgres
def test_two_sign_ins_with_one_code_at_once_let_one_through(transactional_db):
    from tests.factories import UserFactory

    authenticator = give_totp(UserFactory())
    code = code_at(NOON)
    results = []
    errors = run_at_once(
        lambda: results.append(totp_code_claim(authenticator=authenticator, code=code, now=NOON))
    )
    assert not errors
    assert sorted(results) == [False, True]
