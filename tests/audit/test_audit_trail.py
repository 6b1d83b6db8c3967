"""U-1, U-2: the audit trail records the events that matter and can never be changed."""

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.roles import Role
from accounts.services import user_set_role
from audit.models import Action, AuditEvent, AuditImmutableError, Outcome
from audit.services import audit_record
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def event(client_a):
    return audit_record(action=Action.LOGIN, actor=client_a, subject=client_a)


def test_an_audit_event_refuses_to_be_saved_again(event):
    event.action = "something.else"
    with pytest.raises(AuditImmutableError):
        event.save()


def test_an_audit_event_refuses_to_be_deleted(event):
    with pytest.raises(AuditImmutableError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_audit_queryset_refuses_bulk_update_and_delete(event):
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'tampered' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_raw_update_and_delete_of_audit_rows(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    event_again = AuditEvent.objects.get(pk=event.pk)
    assert event_again.action == Action.LOGIN


def test_metadata_must_be_a_few_short_scalars(client_a):
    with pytest.raises(ValueError):
        audit_record(action="x", actor=client_a, metadata={"journal": "a" * 500})
    with pytest.raises(ValueError):
        audit_record(action="x", actor=client_a, metadata={"nested": {"a": 1}})
    assert not AuditEvent.objects.filter(action="x").exists()


def test_an_event_carries_the_request_id_and_address(client, client_a, settings):
    settings.EHAB_TRUSTED_PROXY_COUNT = 1  # the proxy vouches for both
    client.post(
        reverse("account_login"),
        {"login": client_a.email, "password": PASSWORD},
        HTTP_X_REQUEST_ID="req-123456789",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        REMOTE_ADDR="10.0.0.2",
    )
    login = AuditEvent.objects.get(action=Action.LOGIN, actor=client_a)
    assert login.request_id == "req-123456789"
    assert login.ip_address == "203.0.113.9"
    assert login.actor_role == Role.CLIENT
    assert login.occurred_at.tzinfo is not None


def test_login_logout_and_failed_login_are_recorded(client, client_a):
    client.post(reverse("account_login"), {"login": client_a.email, "password": "wrong-password-1"})
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert failed.subject == client_a
    assert failed.actor is None
    assert failed.outcome == Outcome.DENIED

    client.post(reverse("account_login"), {"login": client_a.email, "password": PASSWORD})
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=client_a).count() == 1

    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor=client_a).count() == 1


def test_a_failed_login_for_an_unknown_address_stores_no_address(client, db):
    client.post(
        reverse("account_login"), {"login": "nobody@example.org", "password": "whatever-123"}
    )
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert failed.subject is None
    assert "nobody" not in str(failed.metadata)


def test_a_role_change_is_recorded_with_old_and_new_role(admin_user, client_a):
    user_set_role(user=client_a, role=Role.PARTNER, acting_user=admin_user)
    change = AuditEvent.objects.get(action=Action.ROLE_CHANGED)
    assert change.actor == admin_user
    assert change.subject == client_a
    assert change.metadata == {"from": Role.CLIENT, "to": Role.PARTNER}
    client_a.refresh_from_db()
    assert client_a.role == Role.PARTNER


def test_setting_the_same_role_again_records_nothing(admin_user, client_a):
    user_set_role(user=client_a, role=Role.CLIENT, acting_user=admin_user)
    assert not AuditEvent.objects.filter(action=Action.ROLE_CHANGED).exists()


def test_an_unknown_role_is_refused(admin_user, client_a):
    with pytest.raises(ValueError):
        user_set_role(user=client_a, role="superhero", acting_user=admin_user)
    client_a.refresh_from_db()
    assert client_a.role == Role.CLIENT


def test_mfa_added_and_removed_are_recorded(client_a, rf):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.signals import authenticator_added, authenticator_removed

    authenticator = Authenticator.objects.create(
        user=client_a, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    request = rf.get("/")
    request.session = {}
    authenticator_added.send(
        sender=Authenticator, request=request, user=client_a, authenticator=authenticator
    )
    authenticator_removed.send(
        sender=Authenticator, request=request, user=client_a, authenticator=authenticator
    )
    actions = set(AuditEvent.objects.filter(subject=client_a).values_list("action", flat=True))
    assert {Action.MFA_ADDED, Action.MFA_REMOVED} <= actions


def test_the_admin_role_form_changes_the_role_through_the_audited_service(
    client, superuser, signed_in
):
    target = UserFactory(role=Role.CLIENT)
    signed_in(superuser)  # a sign-in moments ago counts as recent
    url = reverse("admin:accounts_user_change", args=[target.pk])
    response = client.post(
        url,
        {
            "email": target.email,
            "role": Role.CLINICIAN,
            "preferred_name": target.preferred_name,
            "timezone": target.timezone,
            "phone": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    target.refresh_from_db()
    assert target.role == Role.CLINICIAN
    change = AuditEvent.objects.get(action=Action.ROLE_CHANGED, subject=target)
    assert change.actor == superuser


def test_the_admin_role_form_demands_a_recent_sign_in(client, superuser, signed_in):
    target = UserFactory(role=Role.CLIENT)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    with time_machine.travel("2026-11-28 12:00:00Z", tick=False) as clock:
        signed_in(superuser)
        clock.shift(6 * 60)  # the sign-in is no longer recent
        response = client.post(url, {"email": target.email, "role": Role.ADMIN})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    target.refresh_from_db()
    assert target.role == Role.CLIENT
