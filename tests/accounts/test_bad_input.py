"""B-1: the account forms answer hostile input with a clear error, never a 500, and store nothing
half-done.

Each form (sign-up, sign-in, password reset, profile) is fed the same families of bad input:
oversized strings, NUL bytes, odd Unicode (bidi overrides, zero-width joiners, emoji, combining
marks, full-width look-alikes), latin-1 mojibake, HTML and SQL payloads, missing fields, several
values for one field, and raw request bodies that are not valid UTF-8 or not valid form encoding.

The Django test client re-raises a server error as an exception, so a 500 fails these tests
loudly. Hypothesis example databases are not written to the working tree (`database=None`).
"""

import html
import re
import unicodedata
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.roles import Role
from audit.models import Action, AuditEvent, Outcome
from tests.factories import PASSWORD, UserFactory
from tests.notifications.outbox import deliver_outbox


def sent_mail() -> list:
    """What reached the mail server once the worker delivered the outbox (the request only
    writes account emails there)."""
    deliver_outbox()
    return mail.outbox


SIGNUP = reverse("account_signup")
LOGIN = reverse("account_login")
RESET = reverse("account_reset_password")
RESET_DONE = reverse("account_reset_password_done")
PROFILE = reverse("accounts:profile")

GOOD_PASSWORD = "lantern-harbour-morning-7"
FORM_ENCODED = "application/x-www-form-urlencoded"
SCRIPT = "<script>alert(1)</script>"

FAST = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- Helpers ------------------------------------------------------------------------------------


def error_messages(form) -> list[str]:
    return [str(message) for messages in form.errors.values() for message in messages]


def assert_form_refused_with_a_message(response) -> None:
    """HTTP 200, the same form again, and at least one of its error messages shown on the page."""
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    assert form.errors, "the form was re-rendered without an error"
    page = response.content.decode()
    assert any(html.escape(message) in page for message in error_messages(form)), (
        f"none of the errors {error_messages(form)!r} is shown on the page"
    )


def assert_refused(response) -> None:
    """A form error (200 with a message) or a plain 400; anything else is not a refusal."""
    if response.status_code == 400:
        return
    assert_form_refused_with_a_message(response)


def assert_payload_not_reflected_raw(response) -> None:
    assert SCRIPT.encode() not in response.content


def account_rows() -> tuple[int, int, int]:
    """What a sign-up would write: users, email records, audit events."""
    return User.objects.count(), EmailAddress.objects.count(), AuditEvent.objects.count()


def user_row(user) -> dict:
    return User.objects.filter(pk=user.pk).values().get()


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def signup_data(email="new.person@example.org", password=GOOD_PASSWORD, password2=None) -> dict:
    return {
        "email": email,
        "password1": password,
        "password2": password if password2 is None else password2,
    }


# --- Sign-up ------------------------------------------------------------------------------------

LONG_LOCAL_PART = "a" * 250 + "@example.org"  # 262 characters: past the 254 the column allows

HOSTILE_SIGNUP_EMAILS = {
    "a NUL byte": "ann\x00@example.org",
    "a trailing NUL byte": "ann@example.org\x00",
    "10k characters": "a" * 10_000 + "@example.org",
    "100k characters": "a" * 100_000 + "@example.org",
    "more characters than the email column holds": LONG_LOCAL_PART,
    "an RTL override": "\u202eann@example.org",
    "an RTL override in the domain": "ann@exa\u202emple.org",
    "a zero-width joiner": "an\u200dn@example.org",
    "a zero-width joiner in the domain": "ann@exa\u200dmple.org",
    "a zero-width space in the domain": "ann@exa\u200bmple.org",
    "a soft hyphen in the domain": "ann@exa\u00admple.org",
    "an emoji": "\U0001f600@example.org",
    "a combining mark": "ann\u0301@example.org",
    "a full-width at sign": "ann\uff20example.org",
    "latin-1 mojibake": "jos\u00c3\u00a9@example.org",
    "an HTML payload": SCRIPT + "@example.org",
    "an HTML attribute payload": '"><img src=x onerror=alert(1)>@example.org',
    "an SQL payload": "' OR '1'='1' --",
    "an SQL payload after the address": "ann@example.org'; DROP TABLE accounts_user; --",
    "only spaces": "   ",
    "an empty string": "",
    "two at signs": "ann@@example.org",
    "no domain": "ann@",
}

HOSTILE_SIGNUP_PASSWORDS = {
    "a NUL byte": "lantern-harbour\x00-morning-7",
    "10k characters": "p" * 10_000,
    "100k characters": "p" * 100_000,
    "257 characters": "lantern-harbour-" * 16 + "7",
    "an empty string": "",
    "only digits": "4815162342",
    "a common password": "password123",
    "the email itself": "new.person@example.org",
}


@pytest.mark.parametrize(
    "email", HOSTILE_SIGNUP_EMAILS.values(), ids=list(HOSTILE_SIGNUP_EMAILS.keys())
)
def test_signup_refuses_a_hostile_email_and_stores_nothing(client, db, email):
    before = account_rows()

    response = client.post(SIGNUP, signup_data(email=email))

    assert_form_refused_with_a_message(response)
    assert "email" in response.context["form"].errors
    assert_payload_not_reflected_raw(response)
    assert account_rows() == before
    assert not sent_mail()


@pytest.mark.parametrize(
    "password", HOSTILE_SIGNUP_PASSWORDS.values(), ids=list(HOSTILE_SIGNUP_PASSWORDS.keys())
)
def test_signup_refuses_a_hostile_password_and_stores_nothing(client, db, password):
    before = account_rows()

    response = client.post(SIGNUP, signup_data(password=password))

    assert_form_refused_with_a_message(response)
    assert account_rows() == before
    assert not sent_mail()


def test_signup_refuses_a_nul_byte_in_the_email_and_stores_nothing(client, db):
    response = client.post(SIGNUP, signup_data(email="ann\x00@example.org"))

    assert_form_refused_with_a_message(response)
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()


def test_signup_refuses_an_email_longer_than_the_column_and_stores_nothing(client, db):
    # Django's form field allows 320 characters; the User and EmailAddress columns hold 254.
    # Accepting more means allauth cuts the address to 254 characters on save, so the account and
    # its confirmation mail end up with an address the person never typed.
    response = client.post(SIGNUP, signup_data(email=LONG_LOCAL_PART))

    assert_form_refused_with_a_message(response)
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()


def test_signup_refuses_an_address_that_hides_a_zero_width_character_in_its_domain(client, db):
    # Mail to "ann@exa\u200dmple.org" is delivered to ann@example.org (IDNA maps the joiner
    # away), so accepting it lets anyone open a look-alike account for someone else's address.
    UserFactory(email="ann@example.org")
    before = account_rows()

    response = client.post(SIGNUP, signup_data(email="ann@exa\u200dmple.org"))

    assert_form_refused_with_a_message(response)
    assert account_rows() == before


def test_signup_with_a_bidi_override_in_the_domain_leaves_no_half_made_account(client, db):
    # The form accepts the address, the account is written, then sending the confirmation mail
    # fails on the address (IDNA refuses U+202E): a 500 that leaves an account nobody can confirm.
    client.raise_request_exception = False

    response = client.post(SIGNUP, signup_data(email="ann@exa\u202emple.org"))

    assert response.status_code == 200, response.status_code
    assert account_rows() == (0, 0, 0)


def test_signup_refuses_mismatched_passwords_and_stores_nothing(client, db):
    response = client.post(SIGNUP, signup_data(password2=GOOD_PASSWORD + "x"))

    assert_form_refused_with_a_message(response)
    assert account_rows() == (0, 0, 0)


MISSING_SIGNUP_FIELDS = {
    "nothing at all": {},
    "no email": {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    "no first password": {"email": "new.person@example.org", "password2": GOOD_PASSWORD},
    "no second password": {"email": "new.person@example.org", "password1": GOOD_PASSWORD},
    "only unknown fields": {"role": "admin", "is_staff": "on", "username": "root"},
}


@pytest.mark.parametrize(
    "data", MISSING_SIGNUP_FIELDS.values(), ids=list(MISSING_SIGNUP_FIELDS.keys())
)
def test_signup_refuses_a_submission_with_missing_fields_and_stores_nothing(client, db, data):
    response = client.post(SIGNUP, data)

    assert_form_refused_with_a_message(response)
    assert account_rows() == (0, 0, 0)


SEVERAL_VALUES = {
    "two emails, the last malformed": {
        "email": ["new.person@example.org", "not an address"],
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    },
    "two second passwords, the last different": {
        "email": "new.person@example.org",
        "password1": GOOD_PASSWORD,
        "password2": [GOOD_PASSWORD, "something-else-entirely-9"],
    },
    "a hundred emails, the last empty": {
        "email": ["new.person@example.org"] * 99 + [""],
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    },
}


@pytest.mark.parametrize("data", SEVERAL_VALUES.values(), ids=list(SEVERAL_VALUES.keys()))
def test_signup_refuses_several_values_for_one_field_and_stores_nothing(client, db, data):
    response = client.post(SIGNUP, data)

    assert_form_refused_with_a_message(response)
    assert account_rows() == (0, 0, 0)


def test_a_valid_signup_creates_exactly_one_client_even_when_the_post_asks_for_admin(client, db):
    data = signup_data() | {
        "role": Role.ADMIN,
        "is_staff": "on",
        "is_superuser": "on",
        "is_active": "off",
    }

    response = client.post(SIGNUP, data)

    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "new.person@example.org"
    assert user.role == Role.CLIENT
    assert user.is_active
    assert not user.is_staff
    assert user.check_password(GOOD_PASSWORD)
    address = EmailAddress.objects.get()
    assert (address.user, address.email, address.primary, address.verified) == (
        user,
        "new.person@example.org",
        True,
        False,
    )
    assert not is_signed_in(client)  # mandatory verification: no session before the link


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLINICIAN, Role.BILLING, "root", "", "x" * 500])
def test_a_signup_naming_any_role_still_makes_a_client(client, db, role):
    response = client.post(SIGNUP, signup_data() | {"role": role})

    assert response.status_code == 302
    assert list(User.objects.values_list("role", flat=True)) == [Role.CLIENT]


def test_a_signup_with_an_apostrophe_and_dashes_in_the_address_is_stored_verbatim(client, db):
    # SQL-looking but a valid address: it must be stored as typed, not refused or mangled.
    response = client.post(SIGNUP, signup_data(email="o'brien--x@example.org"))

    assert response.status_code == 302
    assert User.objects.get().email == "o'brien--x@example.org"


def test_a_signup_with_an_odd_unicode_passphrase_is_accepted_and_the_passphrase_works(client, db):
    passphrase = "\u202e\U0001f30a caf\u00e9 \u200d\u0301 \uff20 morning tide"

    response = client.post(SIGNUP, signup_data(password=passphrase))

    assert response.status_code == 302
    assert User.objects.get().check_password(passphrase)


def test_a_second_signup_for_a_taken_address_in_another_case_stores_nothing(client, db):
    UserFactory(email="taken@example.org")
    before = account_rows()

    response = client.post(SIGNUP, signup_data(email="  TAKEN@Example.ORG "))

    # Enumeration prevention: it looks like success, but no second account appears.
    assert response.status_code == 302
    assert User.objects.count() == before[0]
    assert EmailAddress.objects.count() == before[1]


@FAST
@given(
    email=st.one_of(st.text(max_size=300), st.emails()),
    password=st.one_of(st.text(max_size=300), st.just(GOOD_PASSWORD)),
)
def test_signup_either_creates_exactly_one_client_or_refuses_and_stores_nothing(
    client, db, email, password
):
    users, addresses, _ = account_rows()

    response = client.post(SIGNUP, signup_data(email=email, password=password))

    if response.status_code == 302:
        created = User.objects.filter(email__iexact=email.strip())
        assert created.count() == 1
        user = created.get()
        assert user.role == Role.CLIENT
        assert len(user.email) <= 254
        assert User.objects.count() in (users, users + 1)
        assert EmailAddress.objects.filter(user=user, verified=False).count() == 1
    else:
        assert_form_refused_with_a_message(response)
        assert (User.objects.count(), EmailAddress.objects.count()) == (users, addresses)


# --- Raw bodies ---------------------------------------------------------------------------------

RAW_SIGNUP_BODIES = {
    "percent-encoded bytes that are not UTF-8": b"email=%ff%fe%40example.org"
    b"&password1=lantern-harbour-morning-7&password2=lantern-harbour-morning-7",
    "raw bytes that are not UTF-8": b"email=\xff\xfeann@example.org"
    b"&password1=lantern\xc0-harbour-7&password2=lantern\xc0-harbour-7",
    "a truncated UTF-8 sequence": b"email=ann%e2%82@example.org&password1=%e2&password2=%e2",
    "latin-1 bytes": b"email=jos\xe9@example.org&password1=caf\xe9-caf\xe9-caf\xe9"
    b"&password2=caf\xe9-caf\xe9-caf\xe9",
    "broken percent escapes": b"email=%%%zz%4&password1=%&password2=%G0",
    "no equals signs": b"email&password1&password2",
    "only separators": b"&&&&;;;===",
    "a NUL byte": b"email=ann%00@example.org&password1=a%00b&password2=a%00b",
}


@pytest.mark.parametrize("body", RAW_SIGNUP_BODIES.values(), ids=list(RAW_SIGNUP_BODIES.keys()))
def test_signup_refuses_a_raw_body_that_is_not_valid_form_data_and_stores_nothing(client, db, body):
    response = client.post(SIGNUP, data=body, content_type=FORM_ENCODED)

    assert_refused(response)
    assert account_rows() == (0, 0, 0)


def test_signup_with_an_unknown_charset_in_the_content_type_does_not_fail(client, db):
    body = urlencode(signup_data(email="ann\x00@example.org")).encode()

    # `generic` sends the bytes as they are; `post` would try to encode them as "klingon".
    response = client.generic(
        "POST", SIGNUP, data=body, content_type=FORM_ENCODED + "; charset=klingon"
    )

    assert_refused(response)
    assert account_rows() == (0, 0, 0)


def test_signup_answers_a_malformed_multipart_body_with_400_and_stores_nothing(client, db):
    body = b'--edge\r\nContent-Disposition: form-data; name="email"\r\n\r\nann@exa'

    response = client.post(SIGNUP, data=body, content_type="multipart/form-data")

    assert response.status_code == 400
    assert account_rows() == (0, 0, 0)


def test_signup_answers_a_body_over_the_upload_limit_with_400_and_stores_nothing(client, db):
    body = b"email=" + b"a" * 3_000_000 + b"%40example.org&password1=x&password2=x"

    response = client.post(SIGNUP, data=body, content_type=FORM_ENCODED)

    assert response.status_code == 400
    assert account_rows() == (0, 0, 0)


def test_signup_answers_thousands_of_fields_with_400_and_stores_nothing(client, db):
    body = (
        "&".join(f"f{i}=x" for i in range(2_000)).encode()
        + b"&"
        + urlencode(signup_data()).encode()
    )

    response = client.post(SIGNUP, data=body, content_type=FORM_ENCODED)

    assert response.status_code == 400
    assert account_rows() == (0, 0, 0)


# --- Sign-in ------------------------------------------------------------------------------------

HOSTILE_LOGINS = {
    "a NUL byte": "ann@example.org\x00",
    "10k characters": "a" * 10_000 + "@example.org",
    "100k characters": "a" * 100_000 + "@example.org",
    "an RTL override": "\u202eann@example.org",
    "a zero-width joiner": "an\u200dn@example.org",
    "an emoji": "\U0001f600@example.org",
    "a combining mark": "ann\u0301@example.org",
    "a full-width at sign": "ann\uff20example.org",
    "latin-1 mojibake": "jos\u00c3\u00a9@example.org",
    "an HTML payload": SCRIPT,
    "an SQL payload": "ann@example.org' OR '1'='1' --",
    "an SQL payload with a comment": "' OR 1=1 --",
    "an empty string": "",
}

HOSTILE_PASSWORDS = {
    "the wrong password": "not-the-password-at-all",
    "a NUL byte": PASSWORD + "\x00",
    "10k characters": "p" * 10_000,
    "100k characters": "p" * 100_000,
    "an SQL payload": "' OR '1'='1' --",
    "an HTML payload": SCRIPT,
    "the password with an RTL override": "\u202e" + PASSWORD,
    "the password in full-width letters": "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in PASSWORD
    ),
    "an empty string": "",
}


@pytest.fixture
def ann(db):
    return UserFactory(email="ann@example.org", preferred_name="Ann")


@pytest.mark.parametrize("login", HOSTILE_LOGINS.values(), ids=list(HOSTILE_LOGINS.keys()))
def test_login_refuses_a_hostile_address_and_leaves_the_visitor_signed_out(client, ann, login):
    response = client.post(LOGIN, {"login": login, "password": PASSWORD})

    assert_form_refused_with_a_message(response)
    assert_payload_not_reflected_raw(response)
    assert not is_signed_in(client)
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


@pytest.mark.parametrize("password", HOSTILE_PASSWORDS.values(), ids=list(HOSTILE_PASSWORDS.keys()))
def test_login_refuses_a_hostile_password_and_leaves_the_visitor_signed_out(client, ann, password):
    response = client.post(LOGIN, {"login": "ann@example.org", "password": password})

    assert_form_refused_with_a_message(response)
    assert_payload_not_reflected_raw(response)
    assert not is_signed_in(client)
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


@pytest.mark.parametrize("login", ["ann@example.org", "ANN@Example.org", " ann@example.org "])
def test_a_wrong_password_on_an_existing_account_records_a_failed_login(client, ann, login):
    response = client.post(LOGIN, {"login": login, "password": "not-the-password-at-all"})

    assert_form_refused_with_a_message(response)
    assert not is_signed_in(client)
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.subject == ann
    assert event.actor is None
    assert event.outcome == Outcome.DENIED
    assert event.metadata == {}  # neither the address typed nor the password is kept


def test_a_wrong_password_on_an_unknown_account_records_a_failed_login_without_a_subject(
    client, ann
):
    response = client.post(
        LOGIN, {"login": "nobody@example.org", "password": "not-the-password-at-all"}
    )

    assert_form_refused_with_a_message(response)
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.subject is None


MISSING_LOGIN_FIELDS = {
    "nothing at all": {},
    "no password": {"login": "ann@example.org"},
    "no address": {"password": PASSWORD},
    "the address under another name": {"email": "ann@example.org", "password": PASSWORD},
    "two addresses, the last somebody else's": {
        "login": ["ann@example.org", "nobody@example.org"],
        "password": PASSWORD,
    },
    "two passwords, the last wrong": {
        "login": "ann@example.org",
        "password": [PASSWORD, "not-the-password-at-all"],
    },
}


@pytest.mark.parametrize(
    "data", MISSING_LOGIN_FIELDS.values(), ids=list(MISSING_LOGIN_FIELDS.keys())
)
def test_login_refuses_missing_or_repeated_fields_and_leaves_the_visitor_signed_out(
    client, ann, data
):
    response = client.post(LOGIN, data)

    assert_form_refused_with_a_message(response)
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "body",
    [
        b"login=%ff%feann@example.org&password=%ff",
        b"login=ann@example.org&password=\xff\xfe" + PASSWORD.encode(),
        b"login=ann%00@example.org&password=" + PASSWORD.encode(),
        b"%%%&&&===",
    ],
    ids=["percent-encoded non-UTF-8", "raw non-UTF-8", "NUL byte", "broken escapes"],
)
def test_login_refuses_a_raw_body_that_is_not_valid_form_data(client, ann, body):
    response = client.post(LOGIN, data=body, content_type=FORM_ENCODED)

    assert_refused(response)
    assert not is_signed_in(client)


@FAST
@given(login=st.one_of(st.text(max_size=300), st.emails()), password=st.text(max_size=300))
def test_login_with_any_text_is_refused_with_a_message_and_never_signs_in(
    client, ann, login, password
):
    response = client.post(LOGIN, {"login": login, "password": password})

    assert_form_refused_with_a_message(response)
    assert not is_signed_in(client)


# --- Password reset -----------------------------------------------------------------------------

# Addresses Django's email field accepts but no mail can honestly reach: too long for the column,
# or hiding an invisible character in the domain. A reset may refuse them or pretend to succeed,
# but must not fail and must not send mail anywhere.
UNDELIVERABLE_EMAILS = {
    "more characters than the email column holds": LONG_LOCAL_PART,
    "an RTL override in the domain": "ann@exa\u202emple.org",
    "a zero-width joiner in the domain": "ann@exa\u200dmple.org",
    "a zero-width space in the domain": "ann@exa\u200bmple.org",
    "a soft hyphen in the domain": "ann@exa\u00admple.org",
}

MALFORMED_RESET_EMAILS = {
    k: v for k, v in HOSTILE_SIGNUP_EMAILS.items() if k not in UNDELIVERABLE_EMAILS
}


@pytest.mark.parametrize(
    "email", MALFORMED_RESET_EMAILS.values(), ids=list(MALFORMED_RESET_EMAILS.keys())
)
def test_password_reset_refuses_a_malformed_address_and_sends_nothing(client, ann, email):
    response = client.post(RESET, {"email": email})

    assert_form_refused_with_a_message(response)
    assert_payload_not_reflected_raw(response)
    assert not sent_mail()


def test_password_reset_refuses_a_known_address_with_a_nul_byte_and_sends_nothing(client, ann):
    response = client.post(RESET, {"email": "ann@example.org\x00"})

    assert_form_refused_with_a_message(response)
    assert not sent_mail()


@pytest.mark.parametrize(
    "data",
    [{}, {"email": ""}, {"email": ["ann@example.org", "not an address"]}, {"login": "ann"}],
    ids=["nothing", "empty", "two values, the last malformed", "the wrong field name"],
)
def test_password_reset_refuses_missing_or_repeated_fields_and_sends_nothing(client, ann, data):
    response = client.post(RESET, data)

    assert_form_refused_with_a_message(response)
    assert not sent_mail()


@pytest.mark.parametrize(
    "body",
    [b"email=%ff%fe%40example.org", b"email=\xff\xfeann@example.org", b"email=ann%00@x.org"],
    ids=["percent-encoded non-UTF-8", "raw non-UTF-8", "NUL byte"],
)
def test_password_reset_refuses_a_raw_body_that_is_not_valid_form_data(client, ann, body):
    response = client.post(RESET, data=body, content_type=FORM_ENCODED)

    assert_refused(response)
    assert not sent_mail()


@pytest.mark.parametrize(
    "email", UNDELIVERABLE_EMAILS.values(), ids=list(UNDELIVERABLE_EMAILS.keys())
)
def test_password_reset_for_an_undeliverable_address_neither_fails_nor_sends_mail(
    client, ann, email
):
    response = client.post(RESET, {"email": email})

    if response.status_code == 302:
        assert response["Location"] == RESET_DONE
    else:
        assert_form_refused_with_a_message(response)
    assert not sent_mail()


@pytest.mark.parametrize(
    "unknown",
    ["nobody@example.org", "ann@example.net", "ann+tag@example.org", "nn@example.org"],
    ids=["unknown", "another domain", "a tagged address", "a near miss"],
)
def test_password_reset_for_an_unknown_address_looks_the_same_as_for_a_known_one(
    client, ann, unknown
):
    known_response = client.post(RESET, {"email": "ann@example.org"})
    unknown_response = client.post(RESET, {"email": unknown})

    assert known_response.status_code == unknown_response.status_code == 302
    assert known_response["Location"] == unknown_response["Location"] == RESET_DONE
    # Only the account holder hears from us; an address with no account gets no mail at all.
    assert [message.to for message in sent_mail()] == [["ann@example.org"]]


def test_password_reset_for_a_known_address_in_another_case_reaches_the_account_holder(client, ann):
    response = client.post(RESET, {"email": "  ANN@Example.ORG  "})

    assert response.status_code == 302
    assert response["Location"] == RESET_DONE
    assert [message.to for message in sent_mail()] == [["ann@example.org"]]


@FAST
@given(email=st.one_of(st.text(max_size=300), st.emails()))
def test_password_reset_with_any_text_either_looks_like_success_or_shows_an_error(
    client, ann, email
):
    mail.outbox.clear()

    response = client.post(RESET, {"email": email})

    if response.status_code == 302:
        assert response["Location"] == RESET_DONE
        assert all(message.to == ["ann@example.org"] for message in sent_mail())
    else:
        assert_form_refused_with_a_message(response)
        assert not sent_mail()


# --- Profile ------------------------------------------------------------------------------------

VALID_PROFILE = {
    "preferred_name": "Alex",
    "timezone": "America/Chicago",
    "phone": "+13055550123",
}

HOSTILE_PROFILE_VALUES = {
    # time zones
    "a zone on Mars": ("timezone", "Mars/Olympus"),
    "a path traversal as the zone": ("timezone", "../../etc/passwd"),
    "an absolute path as the zone": ("timezone", "/etc/localtime"),
    "an empty zone": ("timezone", ""),
    "a NUL byte after UTC": ("timezone", "UTC\x00"),
    "a NUL byte after a real zone": ("timezone", "America/Chicago\x00"),
    "a real zone with a trailing space": ("timezone", "America/Chicago "),
    "a real zone in lower case": ("timezone", "america/chicago"),
    "a 10k-character zone": ("timezone", "America/" + "x" * 10_000),
    "an HTML payload as the zone": ("timezone", SCRIPT),
    "an SQL payload as the zone": ("timezone", "UTC'; DROP TABLE accounts_user; --"),
    # preferred names
    "an 81-character name": ("preferred_name", "x" * 81),
    "a 10k-character name": ("preferred_name", "x" * 10_000),
    "a 100k-character name": ("preferred_name", "x" * 100_000),
    "a NUL byte in the name": ("preferred_name", "Al\x00ex"),
    "a bell in the name": ("preferred_name", "Al\x07ex"),
    "an escape sequence in the name": ("preferred_name", "Al\x1b[31mex"),
    "a newline in the name": ("preferred_name", "Al\nex"),
    "a carriage return in the name": ("preferred_name", "Al\rex"),
    "a DEL character in the name": ("preferred_name", "Al\x7fex"),
    "a C1 control character in the name": ("preferred_name", "Al\x9bex"),
    # phones
    "a three-digit phone": ("phone", "123"),
    "an unfinished phone with punctuation": ("phone", "+1 (305) 555"),
    "a twenty-digit phone": ("phone", "1" * 20),
    "a twenty-digit phone with a plus": ("phone", "+" + "1" * 20),
    "letters in the phone": ("phone", "+1305555O123"),
    "words for a phone": ("phone", "call me maybe"),
    "a NUL byte in the phone": ("phone", "+13055550123\x00"),
    "a phone without a plus": ("phone", "13055550123"),
    "a phone starting with zero": ("phone", "+03055550123"),
    "full-width digits in the phone": ("phone", "+" + "\uff11\uff13\uff10\uff15" * 3),
    "mixed ASCII and full-width digits": ("phone", "+1" + "\uff13\uff10\uff15" * 3),
    "Arabic-Indic digits in the phone": ("phone", "+1\u0663\u0660\u0665\u0665\u0665\u0665\u0660"),
    "an HTML payload as the phone": ("phone", SCRIPT),
}


@pytest.fixture
def alex(db):
    return UserFactory(
        email="alex@example.org",
        preferred_name="Alex",
        timezone="America/New_York",
        phone="+13055550100",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    HOSTILE_PROFILE_VALUES.values(),
    ids=list(HOSTILE_PROFILE_VALUES.keys()),
)
def test_profile_refuses_a_hostile_value_and_leaves_the_stored_row_unchanged(
    signed_in, alex, field, value
):
    client = signed_in(alex)
    before = user_row(alex)

    response = client.post(PROFILE, VALID_PROFILE | {field: value})

    assert_form_refused_with_a_message(response)
    assert field in response.context["form"].errors
    assert_payload_not_reflected_raw(response)
    assert user_row(alex) == before
    assert not AuditEvent.objects.filter(action=Action.PROFILE_UPDATED).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"preferred_name": "Alex", "phone": ""},
        {"timezone": ["America/Chicago", "Mars/Olympus"], "preferred_name": "Alex"},
        {"timezone": "America/Chicago", "phone": ["+13055550123", "123"]},
    ],
    ids=["nothing", "no zone", "two zones, the last invalid", "two phones, the last invalid"],
)
def test_profile_refuses_missing_or_repeated_fields_and_leaves_the_stored_row_unchanged(
    signed_in, alex, data
):
    client = signed_in(alex)
    before = user_row(alex)

    response = client.post(PROFILE, data)

    assert_form_refused_with_a_message(response)
    assert user_row(alex) == before


@pytest.mark.parametrize(
    "body",
    [
        b"preferred_name=%ff%fe&timezone=America%2FChicago&phone=",
        b"preferred_name=Al\xffex&timezone=America/Chicago&phone=",
        b"preferred_name=Alex&timezone=Mars%2FOlympus%00&phone=%ff",
        b"%%%&&&===",
    ],
    ids=["percent-encoded non-UTF-8", "raw non-UTF-8", "NUL and non-UTF-8", "broken escapes"],
)
def test_profile_refuses_a_raw_body_that_is_not_valid_form_data(signed_in, alex, body):
    client = signed_in(alex)
    before = user_row(alex)

    response = client.post(PROFILE, data=body, content_type=FORM_ENCODED)

    # U+FFFD stands in for undecodable bytes; a name made of it is odd but harmless, so the
    # only demand is: no 500, and if anything is stored it is what the form cleaned.
    if response.status_code == 302:
        stored = user_row(alex)
        assert stored["timezone"] == "America/Chicago"
        assert stored["phone"] == ""
    else:
        assert_refused(response)
        assert user_row(alex) == before


def test_a_valid_profile_update_stores_exactly_the_cleaned_values(signed_in, alex):
    client = signed_in(alex)

    response = client.post(
        PROFILE,
        {"preferred_name": "  Zo\u00eb \U0001f33f  ", "timezone": "Pacific/Honolulu", "phone": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    alex.refresh_from_db()
    assert (alex.preferred_name, alex.timezone, alex.phone) == (
        "Zo\u00eb \U0001f33f",
        "Pacific/Honolulu",
        "",
    )
    assert AuditEvent.objects.filter(action=Action.PROFILE_UPDATED, subject=alex).count() == 1


def test_a_valid_profile_update_ignores_fields_the_form_does_not_offer(signed_in, alex):
    client = signed_in(alex)

    response = client.post(
        PROFILE,
        VALID_PROFILE
        | {"role": Role.ADMIN, "email": "someone.else@example.org", "is_active": "off"},
    )

    assert response.status_code == 302
    alex.refresh_from_db()
    assert (alex.preferred_name, alex.timezone, alex.phone) == (
        "Alex",
        "America/Chicago",
        "+13055550123",
    )
    assert (alex.role, alex.email, alex.is_active) == (
        Role.CLIENT,
        "alex@example.org",
        True,
    )


def test_a_phone_with_surrounding_spaces_is_stored_trimmed(signed_in, alex):
    client = signed_in(alex)

    response = client.post(PROFILE, VALID_PROFILE | {"phone": "  +13055550123\n"})

    assert response.status_code == 302
    alex.refresh_from_db()
    assert alex.phone == "+13055550123"


ZONES = ["America/Chicago", "Europe/Lisbon", "Mars/Olympus", "", "UTC\x00", "../../etc/passwd"]
ASCII_E164 = r"\A\+[1-9][0-9]{7,14}\Z"
# Latin-1 and Latin Extended-A: dense in C0 and C1 control characters.
LATIN_TEXT = st.text(alphabet=st.characters(max_codepoint=0x17F), max_size=90)
# Digits from other scripts, which a careless `\d` lets through.
OTHER_DIGITS = "\u0661\u0663\u0665\u0967\uff11\uff13\uff15"
PHONE_TEXT = st.text(alphabet="+0123456789 ()-" + OTHER_DIGITS, max_size=18)
PHONE_LIKE = st.builds(
    lambda first, rest: f"+{first}{rest}",
    st.sampled_from("123456789"),
    st.text(alphabet="0123456789" + OTHER_DIGITS, min_size=5, max_size=16),
)


def post_profile_and_check_all_or_nothing(client, alex, data) -> dict | None:
    """Post the profile; return the stored row if it saved, after checking it is exactly the
    cleaned input. If it did not save, check the form shows an error and nothing changed."""
    before = user_row(alex)

    response = client.post(PROFILE, data)

    if response.status_code == 302:
        stored = user_row(alex)
        assert stored["preferred_name"] == data["preferred_name"].strip()
        assert stored["timezone"] == data["timezone"]
        assert stored["phone"] == data["phone"].strip()
        return stored
    assert_form_refused_with_a_message(response)
    assert user_row(alex) == before
    return None


def is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


@FAST
@given(
    name=st.one_of(st.text(max_size=120), LATIN_TEXT),
    zone=st.sampled_from(ZONES),
    phone=st.one_of(st.text(max_size=20), PHONE_TEXT, st.from_regex(ASCII_E164, fullmatch=True)),
)
def test_a_profile_post_either_stores_exactly_the_cleaned_values_or_changes_nothing(
    signed_in, alex, name, zone, phone
):
    client = signed_in(alex)

    data = {"preferred_name": name, "timezone": zone, "phone": phone}
    stored = post_profile_and_check_all_or_nothing(client, alex, data)

    if stored is not None:
        assert zone in {"America/Chicago", "Europe/Lisbon"}


@FAST
@given(name=st.one_of(LATIN_TEXT, st.text(max_size=120)))
def test_a_stored_preferred_name_is_never_over_80_characters_or_holds_a_control_character(
    signed_in, alex, name
):
    client = signed_in(alex)

    data = VALID_PROFILE | {"preferred_name": name}
    stored = post_profile_and_check_all_or_nothing(client, alex, data)

    if stored is not None:
        assert len(stored["preferred_name"]) <= 80
        assert not any(is_control(ch) for ch in stored["preferred_name"])


@settings(FAST, max_examples=60)
@given(phone=st.one_of(PHONE_LIKE, PHONE_TEXT, st.text(max_size=20)))
def test_a_stored_phone_is_always_empty_or_plain_ascii_international_form(signed_in, alex, phone):
    client = signed_in(alex)

    data = VALID_PROFILE | {"phone": phone}
    stored = post_profile_and_check_all_or_nothing(client, alex, data)

    if stored is not None:
        assert stored["phone"] == "" or re.fullmatch(ASCII_E164, stored["phone"])
