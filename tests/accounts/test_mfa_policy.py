"""A-4: staff reach nothing without a second factor; clients are offered one."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.roles import Role
from tests.conftest import give_totp
from tests.factories import PASSWORD, UserFactory
from tests.notifications.outbox import deliver_outbox

STAFF_ROLES = [Role.CLINICIAN, Role.SUPERVISOR, Role.BILLING, Role.ADMIN]
STAFF_PAGES = [
    "home",
    "care:caseload",
    "billing:console",
    "accounts:console",
    "accounts:profile",
    "admin:index",
    "courses:dashboard",
    "account_email",
]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_a_second_factor_reach_only_mfa_setup(client, db, role, signed_in):
    user = UserFactory(role=role)
    signed_in(user, mfa=False)
    for name in STAFF_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("mfa_activate_totp")), name
    # Setting up the authenticator and signing out stay open.
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.get(reverse("crisis")).status_code == 200


def test_staff_with_an_authenticator_but_an_unproven_session_must_prove_it(
    client, clinician, signed_in
):
    give_totp(clinician)
    signed_in(clinician, mfa=False)
    response = client.get(reverse("care:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_staff_signing_in_with_a_password_are_asked_for_their_code(client, clinician):
    give_totp(clinician)
    response = client.post(
        reverse("account_login"), {"login": clinician.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the caseload is out of reach.
    response = client.get(reverse("care:caseload"))
    assert response["Location"].startswith(reverse("account_login"))


def test_a_client_is_not_forced_into_mfa(client, client_a, signed_in):
    signed_in(client_a)
    assert client.get(reverse("courses:dashboard")).status_code == 200


def test_staff_cannot_remove_their_authenticator(client, clinician, signed_in):
    signed_in(clinician)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=clinician, type="totp").exists()
    assert response.status_code in (200, 302, 404)


def test_a_client_may_remove_their_authenticator(client, client_a, signed_in):
    give_totp(client_a)
    signed_in(client_a)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=client_a, type="totp").exists()


def test_a_password_reset_never_removes_the_second_factor(client, clinician):
    from django.core import mail

    give_totp(clinician)
    client.post(reverse("account_reset_password"), {"email": clinician.email})
    deliver_outbox()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/key/" in line)
    path = link[link.index("/accounts/") :].strip()
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    new = "a-brand-new-passphrase-7"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=clinician, type="totp").exists()
    # The reset does not sign in; signing in with the new password still asks for the code.
    response = client.post(reverse("account_login"), {"login": clinician.email, "password": new})
    assert response["Location"] == reverse("mfa_authenticate")


def test_staff_with_an_authenticator_sign_in_with_password_and_code_and_reach_their_page(
    client, clinician
):
    from tests.browser.helpers import fresh_totp_code

    secret = "JBSWY3DPEHPK3PXP"
    give_totp(clinician)
    response = client.post(
        reverse("account_login"), {"login": clinician.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(secret)})
    assert response.status_code == 302
    response = client.get(reverse("care:caseload"))
    assert response.status_code == 200


def test_a_new_staff_member_sets_up_mfa_right_after_signing_in_without_a_second_password(
    client, db
):
    staff = UserFactory(role=Role.BILLING)
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    response = client.get(reverse("billing:console"))
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200  # not sent to confirm the password again


def _main(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def test_staff_see_why_their_authenticator_stays_and_no_deactivate_button(
    client, clinician, signed_in
):
    signed_in(clinician)
    page = client.get(reverse("mfa_deactivate_totp"))
    assert page.status_code == 200
    main = _main(page)
    assert "stays on" in main
    assert "<button" not in main and 'type="submit"' not in main
    index = _main(client.get(reverse("mfa_index")))
    assert reverse("mfa_deactivate_totp") not in index
    assert ">Deactivate<" not in " ".join(index.split()).replace("> ", ">").replace(" <", "<")


def test_a_client_is_offered_the_deactivate_button(client, client_a, signed_in):
    give_totp(client_a)
    signed_in(client_a)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    main = _main(client.get(reverse("mfa_deactivate_totp")))
    assert "<button" in main and 'type="submit"' in main
    assert "stays on" not in main
    assert reverse("mfa_deactivate_totp") in _main(client.get(reverse("mfa_index")))
