"""L-4 and the security baseline: headers, CSP, caching, deploy checks, error pages, logs."""

import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from ehab.errors import server_error
from tests.factories import PASSWORD
from tests.notifications.outbox import deliver_outbox

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**overrides):
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
        PYTHONPATH=str(ROOT),
    )
    env.update(overrides)
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_with_warnings_as_failures():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "short"}, "at least 50"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set"),
        ({"REDIS_URL": ""}, "REDIS_URL must be set"),
        ({"EHAB_SITE_URL": "http://plain.example"}, "https://"),
        ({"DJANGO_HSTS_SECONDS": "a year"}, "is not an integer"),
        ({"DJANGO_SECURE_SSL_REDIRECT": "maybe"}, "is not a boolean"),
        ({"EHAB_DEFAULT_TIMEZONE": "Mars/Olympus"}, "is not an IANA time zone"),
        ({"EHAB_LOG_LEVEL": "LOUD"}, "must be one of"),
    ],
)
def test_production_settings_fail_loudly_on_a_missing_or_bad_value(overrides, message):
    result = _manage("check", env=_production_env(**overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_every_response_carries_the_security_headers(client, db):
    response = client.get(reverse("account_login"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Request-ID"]
    csp = {
        part.split()[0]: part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["style-src"]


@pytest.mark.parametrize(
    "name", ["courses:dashboard", "accounts:profile", "crisis", "mfa_index", "account_email"]
)
def test_signed_in_pages_are_never_cached(name, client, client_a, signed_in):
    signed_in(client_a)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_pages_load_no_third_party_scripts_styles_or_fonts(client, client_a, signed_in):
    signed_in(client_a)
    html = client.get(reverse("courses:dashboard")).content.decode()
    for marker in ("http://", "https://", "//fonts.", "<script>", "onload=", "onclick=", "style="):
        assert marker not in html, marker


def test_hsts_is_sent_in_production_settings():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True", "False"]


def test_a_missing_page_is_calm_and_generic(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "could not find that page" in body
    assert "Traceback" not in body and "urlpatterns" not in body


def test_the_server_error_page_shows_no_detail():
    response = server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body
    assert "988" in body


def test_logs_carry_the_request_id_and_never_the_request_body(client, client_a, caplog, settings):
    settings.EHAB_TRUSTED_PROXY_COUNT = 1  # the proxy's request id is kept (see below)
    canary = "CANARY-journal-7f3a9"
    with caplog.at_level(logging.DEBUG):
        client.post(
            reverse("account_login"),
            {"login": client_a.email, "password": canary},
            HTTP_X_REQUEST_ID="req-logcheck-01",
        )
        client.post("/no/such/page/", {"journal": canary}, HTTP_X_REQUEST_ID="req-logcheck-02")
    assert caplog.records, "expected the 404 to be logged"
    for record in caplog.records:
        assert canary not in record.getMessage()
        assert canary not in str(record.args)
    not_found = [r for r in caplog.records if r.name == "django.request"]
    assert not_found and not_found[-1].request_id == "req-logcheck-02"


def test_a_hostile_request_id_header_is_replaced(client, db, settings):
    settings.EHAB_TRUSTED_PROXY_COUNT = 1
    response = client.get(reverse("crisis"), HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert response["X-Request-ID"] != "<script>alert(1)</script>"
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def _sign_in_with_request_id(client, user, request_id):
    from audit.models import Action, AuditEvent

    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        HTTP_X_REQUEST_ID=request_id,
        HTTP_X_FORWARDED_FOR="203.0.113.77",
        REMOTE_ADDR="10.0.0.2",
    )
    return response, AuditEvent.objects.get(action=Action.LOGIN, actor=user)


def test_without_a_trusted_proxy_a_request_id_sent_by_the_client_is_ignored(client, client_a):
    # Nothing vouches for the header: anyone could write their own id into the audit trail.
    response, login = _sign_in_with_request_id(client, client_a, "chosen-by-the-client-01")
    assert response["X-Request-ID"] != "chosen-by-the-client-01"
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])
    assert login.request_id == response["X-Request-ID"]


def test_behind_a_trusted_proxy_its_well_formed_request_id_is_kept(client, client_a, settings):
    settings.EHAB_TRUSTED_PROXY_COUNT = 1
    proxy_id = "0f8c2a9e-5b1d-4c3e-9a7f-2d6b8e1c4a30"
    response, login = _sign_in_with_request_id(client, client_a, proxy_id)
    assert response["X-Request-ID"] == login.request_id == proxy_id


@pytest.mark.parametrize(
    "malformed",
    [
        "has spaces in it",
        "abcdefgh\n",  # a trailing newline: `$` alone would let it through
        "abcdefgh\r\nSet-Cookie: x=1",
        "a" * 200,
        "abc",
        "ünïcödé-request-id",
        "١٢٣٤٥٦٧٨٩٠",  # digits, but not ASCII ones
        "req.id_with.dots",
        "",
    ],
)
def test_behind_a_trusted_proxy_a_malformed_request_id_is_replaced(
    client, client_a, settings, malformed
):
    settings.EHAB_TRUSTED_PROXY_COUNT = 1
    response, login = _sign_in_with_request_id(client, client_a, malformed)
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])
    assert login.request_id == response["X-Request-ID"]


def test_the_signup_form_accepts_a_long_passphrase(client, db):
    passphrase = "a quiet morning by the water with coffee " * 2  # 82 characters
    response = client.post(
        reverse("account_signup"),
        {"email": "longpass@example.org", "password1": passphrase, "password2": passphrase},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("password", ["short-1", "password123", "1234567890123"])
def test_the_signup_form_refuses_weak_passwords(client, db, password):
    response = client.post(
        reverse("account_signup"),
        {"email": "weak@example.org", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_signup_does_not_reveal_whether_an_address_is_registered(client, client_a):
    from django.core import mail

    response = client.post(
        reverse("account_signup"),
        {"email": client_a.email, "password1": PASSWORD + "x", "password2": PASSWORD + "x"},
    )
    # The same "check your email" step as a new address; the owner gets a notice instead.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not mail.outbox  # account emails leave through the outbox and its worker
    deliver_outbox()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [client_a.email]


def test_behind_one_trusted_proxy_the_audit_row_holds_the_client_address(
    client, client_a, settings
):
    from audit.models import Action, AuditEvent

    settings.EHAB_TRUSTED_PROXY_COUNT = 1
    client.post(
        reverse("account_login"),
        {"login": client_a.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.77",
        REMOTE_ADDR="10.0.0.2",
    )
    assert AuditEvent.objects.get(action=Action.LOGIN).ip_address == "203.0.113.77"


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(client, client_a):
    from audit.models import Action, AuditEvent

    client.post(
        reverse("account_login"),
        {"login": client_a.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        REMOTE_ADDR="192.0.2.5",
    )
    assert AuditEvent.objects.get(action=Action.LOGIN).ip_address == "192.0.2.5"


@pytest.mark.parametrize(
    "proxies, forwarded_for, expected",
    [
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy: the header is the client's own
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # only the hop the proxy appended
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies
        (1, "203.0.113.7:51234", "203.0.113.7"),  # a proxy that appends the port
        (1, "[2001:DB8::1]:443", "2001:db8::1"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "203.0.113.7", "10.0.0.2"),  # fewer hops than proxies: not through them
        (1, "", "10.0.0.2"),
        (1, "not-an-address", None),
    ],
)
def test_the_client_address_is_the_hop_the_trusted_proxies_recorded(
    settings, proxies, forwarded_for, expected
):
    from core.request_context import client_ip

    settings.EHAB_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == expected
