"""Accounts in the admin: clear errors for a taken address, and changes through the audited
services (a profile change moves the person's schedule like their own change would)."""

from datetime import UTC, date, datetime

import time_machine
from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from audit.models import Action, AuditEvent
from courses.services.enrollment import enrollment_create
from tests.conftest import give_totp
from tests.factories import UserFactory, make_track

ADD = reverse("admin:accounts_user_add")
TAKEN = "Another account already uses this email address."


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def user_data(user=None, **changes) -> dict:
    data = {
        "email": user.email if user else "new.person@example.org",
        "role": user.role if user else Role.CLIENT,
        "preferred_name": user.preferred_name if user else "",
        "timezone": user.timezone if user else "America/New_York",
        "phone": user.phone if user else "",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_an_address_taken_in_another_case_is_a_clear_form_error(
    client, superuser, client_a, signed_in
):
    signed_in(superuser)
    before = User.objects.count()
    response = client.post(ADD, user_data(email=client_a.email.upper()))
    assert response.status_code == 200
    assert TAKEN in response.content.decode()
    assert "Constraint" not in response.content.decode()
    assert User.objects.count() == before


def test_an_admin_adds_a_person_through_the_audited_service(client, superuser, signed_in):
    signed_in(superuser)
    response = client.post(ADD, user_data(email="New.Person@Example.org", role=Role.CLINICIAN))
    assert response.status_code == 302, response.content[:600]
    person = User.objects.get(email="new.person@example.org")
    assert person.role == Role.CLINICIAN
    assert EmailAddress.objects.filter(user=person, email=person.email, primary=True).exists()
    assert AuditEvent.objects.get(action=Action.USER_CREATED, subject=person).actor == superuser


def test_the_admin_leaves_the_sign_in_address_to_its_owner(client, superuser, client_a, signed_in):
    # Changed here, the old address kept signing in (allauth still held it) and the new one
    # was never confirmed; people change their address themselves, confirming the new one.
    old = client_a.email
    signed_in(superuser)
    response = client.post(change_url(client_a), user_data(client_a, email="other@example.org"))
    assert response.status_code == 302, response.content[:600]
    client_a.refresh_from_db()
    assert client_a.email == old
    assert not EmailAddress.objects.filter(email="other@example.org").exists()


def test_a_new_time_zone_set_in_the_admin_moves_the_person_s_weeks_and_is_audited(
    client, superuser, client_a, signed_in
):
    track = make_track(weeks=4, lessons_per_module=1)
    moment = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        enrollment = enrollment_create(
            client=client_a,
            track=track,
            start_date=date(2026, 11, 2),
            acting_user=superuser,
            now=moment,
        )
        # Week 2 opens Monday 9 November at 06:00 in New York.
        assert enrollment.next_release_at == datetime(2026, 11, 9, 11, 0, tzinfo=UTC)
        signed_in(superuser)
        response = client.post(
            change_url(client_a), user_data(client_a, timezone="America/Los_Angeles")
        )
    assert response.status_code == 302, response.content[:600]
    enrollment.refresh_from_db()
    assert enrollment.next_release_at == datetime(2026, 11, 9, 14, 0, tzinfo=UTC)
    update = AuditEvent.objects.get(action=Action.PROFILE_UPDATED, subject=client_a)
    assert update.actor == superuser


def test_a_role_and_a_profile_changed_together_are_both_kept(client, superuser, signed_in):
    person = UserFactory(role=Role.CLIENT)
    signed_in(superuser)
    response = client.post(
        change_url(person),
        user_data(person, role=Role.CLINICIAN, preferred_name="Sam", phone="+13055550100"),
    )
    assert response.status_code == 302, response.content[:600]
    person.refresh_from_db()
    assert (person.role, person.preferred_name, person.phone) == (
        Role.CLINICIAN,
        "Sam",
        "+13055550100",
    )


def test_every_field_given_when_adding_a_person_is_kept(client, superuser, signed_in):
    signed_in(superuser)
    data = user_data(timezone="America/Chicago", phone="+13055550100", preferred_name="Jo")
    del data["is_active"]  # an account made switched off
    response = client.post(ADD, data)
    assert response.status_code == 302, response.content[:600]
    person = User.objects.get(email="new.person@example.org")
    assert (person.timezone, person.phone, person.preferred_name, person.is_active) == (
        "America/Chicago",
        "+13055550100",
        "Jo",
        False,
    )


def test_switching_access_off_and_on_in_the_admin_is_audited(client, superuser, signed_in):
    person = UserFactory(role=Role.CLIENT)
    signed_in(superuser)
    data = user_data(person)
    del data["is_active"]
    assert client.post(change_url(person), data).status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    assert client.post(change_url(person), user_data(person)).status_code == 302
    person.refresh_from_db()
    assert person.is_active
    audited = AuditEvent.objects.filter(subject=person, actor=superuser)
    assert set(audited.values_list("action", flat=True)) >= {
        Action.ACCOUNT_DEACTIVATED,
        Action.ACCOUNT_REACTIVATED,
    }


def test_an_admin_cannot_switch_off_their_own_access(client, superuser, signed_in):
    signed_in(superuser)
    data = user_data(superuser, preferred_name="Changed")
    del data["is_active"]
    response = client.post(change_url(superuser), data, follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    superuser.refresh_from_db()
    assert superuser.is_active and superuser.preferred_name != "Changed"


# --- allauth's own admins: look, never touch -----------------------------------------------------


def test_the_admin_never_shows_an_authenticator_s_secret(client, superuser, client_a, signed_in):
    authenticator = give_totp(client_a)
    signed_in(superuser)
    for url in (
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert authenticator.data["secret"] not in response.content.decode()


def test_the_admin_cannot_give_or_take_anyone_s_second_factor(
    client, superuser, client_a, signed_in
):
    authenticator = give_totp(client_a)
    signed_in(superuser)
    client.post(
        reverse("admin:mfa_authenticator_add"),
        {"user": client_a.pk, "type": "totp", "data": '{"secret": "KNOWNSECRET"}'},
    )
    client.post(
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk]),
        {"user": client_a.pk, "type": "totp", "data": '{"secret": "KNOWNSECRET"}'},
    )
    client.post(reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"})
    assert list(Authenticator.objects.filter(user=client_a).values_list("pk", "data")) == [
        (authenticator.pk, {"secret": "JBSWY3DPEHPK3PXP"})
    ]


def test_the_admin_cannot_add_or_verify_a_sign_in_address_behind_its_owner(
    client, superuser, client_a, signed_in
):
    address = EmailAddress.objects.get(user=client_a)
    EmailAddress.objects.filter(pk=address.pk).update(verified=False)
    signed_in(superuser)
    client.post(
        reverse("admin:account_emailaddress_add"),
        {"user": client_a.pk, "email": "takeover@example.org", "verified": "on", "primary": ""},
    )
    client.post(
        reverse("admin:account_emailaddress_changelist"),
        {"action": "make_verified", "_selected_action": [address.pk]},
    )
    assert list(EmailAddress.objects.filter(user=client_a).values_list("email", "verified")) == [
        (client_a.email, False)
    ]


def test_the_admin_never_shows_an_email_confirmation_key(client, superuser, client_a, signed_in):
    confirmation = EmailConfirmation.create(EmailAddress.objects.get(user=client_a))
    signed_in(superuser)
    for url in (
        reverse("admin:account_emailconfirmation_changelist"),
        reverse("admin:account_emailconfirmation_change", args=[confirmation.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert confirmation.key not in response.content.decode()
