"""The Django admin is for superusers only: an administrator runs the program from the console;
the admin site's key is given from the command line, audited, and goes with the admin role."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_role, user_set_superuser
from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from tests.factories import UserFactory


def test_an_administrator_without_the_key_gets_404_and_a_denied_audit(
    client, admin_user, signed_in
):
    signed_in(admin_user)
    before = audit_denials_counted()
    assert client.get(reverse("admin:index")).status_code == 404
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 404
    assert audit_denials_counted() == before + 2
    assert AuditEvent.objects.filter(actor=admin_user, outcome="denied").exists()
    # The console never offers the way in.
    console = client.get(reverse("accounts:console")).content.decode()
    assert reverse("admin:index") not in console


def test_a_superuser_opens_the_admin_and_finds_it_on_the_console(client, superuser, signed_in):
    signed_in(superuser)
    assert client.get(reverse("admin:index")).status_code == 200
    console = client.get(reverse("accounts:console")).content.decode()
    assert reverse("admin:index") in console


def test_an_inactive_superuser_is_not_staff(db):
    user = UserFactory(role=Role.ADMIN, is_superuser=True, is_active=False)
    assert not user.is_staff
    assert not user.has_perm("accounts.change_user")


def test_createsuperuser_makes_an_administrator_with_the_key(db):
    call_command("createsuperuser", email="Owner@Practice.example", interactive=False)
    owner = User.objects.get(email="owner@practice.example")
    assert (owner.role, owner.is_superuser, owner.is_staff) == (Role.ADMIN, True, True)


def test_the_command_gives_and_takes_the_key_audited(db, admin_user):
    call_command("superuser", admin_user.email.upper())
    admin_user.refresh_from_db()
    assert admin_user.is_superuser and admin_user.is_staff
    call_command("superuser", admin_user.email, "--revoke")
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser and not admin_user.is_staff
    changes = AuditEvent.objects.filter(action=Action.SUPERUSER_CHANGED, subject=admin_user)
    assert sorted(e.metadata["to"] for e in changes) == [False, True]


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CLINICIAN, Role.SUPERVISOR, Role.BILLING])
def test_only_an_administrator_can_hold_the_key(db, role):
    user = UserFactory(role=role)
    with pytest.raises(CommandError, match="Only an administrator"):
        call_command("superuser", user.email)
    user.refresh_from_db()
    assert not user.is_superuser
    assert not AuditEvent.objects.filter(action=Action.SUPERUSER_CHANGED).exists()


def test_an_unknown_address_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No account uses nobody@example.com"):
        call_command("superuser", "nobody@example.com")


def test_the_key_goes_with_the_administrator_role_and_does_not_come_back(db, superuser):
    user_set_role(user=superuser, role=Role.CLINICIAN, acting_user=None)
    superuser.refresh_from_db()
    assert not superuser.is_superuser
    change = AuditEvent.objects.get(action=Action.ROLE_CHANGED, subject=superuser)
    assert change.metadata == {"from": Role.ADMIN, "to": Role.CLINICIAN, "superuser": False}
    user_set_role(user=superuser, role=Role.ADMIN, acting_user=None)
    superuser.refresh_from_db()
    assert superuser.role == Role.ADMIN and not superuser.is_superuser


def test_setting_the_same_value_records_nothing(db, superuser):
    user_set_superuser(user=superuser, value=True, acting_user=None)
    assert not AuditEvent.objects.filter(action=Action.SUPERUSER_CHANGED).exists()
