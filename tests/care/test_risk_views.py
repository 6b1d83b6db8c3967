"""The risk pages: the client's "I'm not safe right now" and support page, the care team's flags
page (acknowledge, resolve), raising a flag from the record, and who may see any of it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import Action, AuditEvent
from care.models import RiskFlag
from care.services import risk_flag_anchor, risk_flag_raise
from notifications.models import Kind, Notification
from tests.factories import CareAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_button_raises_a_flag_and_shows_help_at_once(client, client_a, clinician, signed_in):
    signed_in(client_a)
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert "I&#x27;m not safe right now" in page or "I'm not safe right now" in page
    response = client.post(reverse("risk:not_safe"))
    assert response.status_code == 302 and response.url == reverse("risk:support")
    flag = RiskFlag.objects.get(client=client_a)
    assert flag.source == RiskFlag.Source.CLIENT
    assert Notification.objects.filter(kind=Kind.RISK_ALERT, user=clinician).count() == 1
    support = client.get(response.url).content.decode()
    for link in ('href="tel:988"', 'href="sms:988"', 'href="tel:911"'):
        assert link in support
    assert "We have sent your care team an alert" in support
    # A second tap is the same flag and the same alert.
    client.post(reverse("risk:not_safe"))
    assert RiskFlag.objects.count() == 1
    assert Notification.objects.filter(kind=Kind.RISK_ALERT).count() == 1


def test_with_nobody_to_alert_the_support_page_does_not_pretend(client, client_b, signed_in):
    signed_in(client_b)
    support = client.get(client.post(reverse("risk:not_safe")).url).content.decode()
    assert "We have sent your care team an alert" not in support
    assert "not set up to be alerted here yet" in support
    assert 'href="tel:988"' in support


def test_staff_and_visitors_do_not_get_the_button(client, clinician, signed_in):
    assert "not safe right now" not in client.get(reverse("crisis")).content.decode()
    signed_in(clinician)
    assert "not safe right now" not in client.get(reverse("care:caseload")).content.decode()


def test_the_flags_page_shows_the_clinicians_flags_and_an_alert_lands_on_its_flag(
    client, client_a, client_b, clinician, signed_in
):
    now = timezone.now()
    mine = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=now)
    other_team = UserFactory(role=Role.CLINICIAN)
    CareAssignmentFactory(clinician=other_team, client=client_b)
    theirs = risk_flag_raise(client=client_b, source=RiskFlag.Source.CLIENT, now=now)
    signed_in(clinician)
    alert = Notification.objects.get(kind=Kind.RISK_ALERT, user=clinician)
    landed = client.get(reverse("notifications:link", args=[alert.link_token]))
    assert landed.url == f"{reverse('care:flags')}#{risk_flag_anchor(flag_id=mine.pk)}"
    page = client.get(reverse("care:flags")).content.decode()
    assert f'id="{risk_flag_anchor(flag_id=mine.pk)}"' in page
    assert client_a.preferred_name in page
    assert risk_flag_anchor(flag_id=theirs.pk) not in page and client_b.preferred_name not in page
    viewed = AuditEvent.objects.get(action=Action.RISK_FLAG_VIEWED)
    assert (viewed.actor, viewed.metadata) == (clinician, {"open": 1})
    # Someone else's flag: the same 404 for every action, audited.
    for name in ("care:flag_acknowledge", "care:flag_resolve"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == RiskFlag.Status.RAISED


def test_acknowledging_and_resolving_from_the_flags_page(client, client_a, clinician, signed_in):
    flag = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=timezone.now())
    signed_in(clinician)
    anchor = f"{reverse('care:flags')}#{risk_flag_anchor(flag_id=flag.pk)}"
    assert client.post(reverse("care:flag_acknowledge", args=[flag.pk])).url == anchor
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_by) == (RiskFlag.Status.ACKNOWLEDGED, clinician)

    refused = client.post(reverse("care:flag_resolve", args=[flag.pk]), {"action": "no_action"})
    assert refused.status_code == 400
    assert "Say why no action was needed." in refused.content.decode()
    flag.refresh_from_db()
    assert flag.status == RiskFlag.Status.ACKNOWLEDGED

    done = client.post(
        reverse("care:flag_resolve", args=[flag.pk]),
        {"action": "contacted", "note": "Called; he is with his brother tonight."},
    )
    assert done.url == anchor
    flag.refresh_from_db()
    assert (flag.status, flag.action_taken) == (RiskFlag.Status.RESOLVED, "contacted")


def test_a_clinician_raises_a_flag_from_the_record(client, client_a, clinician, signed_in):
    signed_in(clinician)
    url = reverse("care:flag_raise", args=[client_a.pk])
    record = reverse("care:client_detail", args=[client_a.pk])
    assert client.post(url, {"note": ""}).url == f"{record}#risk"
    assert not RiskFlag.objects.exists()
    client.post(url, {"note": "Said he had thought about not being here."})
    flag = RiskFlag.objects.get(client=client_a)
    assert (flag.source, flag.raised_by) == (RiskFlag.Source.CLINICIAN, clinician)
    page = client.get(record).content.decode()
    assert 'id="risk"' in page and "1 open flag." in page
    assert "Said he had thought about not being here." in page


def test_an_outsider_cannot_raise_a_flag_about_someone_elses_client(
    client, client_b, clinician, signed_in
):
    signed_in(clinician)
    response = client.post(reverse("care:flag_raise", args=[client_b.pk]), {"note": "x"})
    assert response.status_code == 404
    assert not RiskFlag.objects.exists()


def test_billing_and_plain_administrators_never_see_flags(
    client, client_a, clinician, billing_user, admin_user, signed_in
):
    flag = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=timezone.now())
    RiskFlag.objects.filter(pk=flag.pk).update(escalated_at=timezone.now())
    for person in (billing_user, admin_user):
        signed_in(person)
        assert client.get(reverse("care:flags")).status_code == 404
        assert client.post(reverse("care:flag_acknowledge", args=[flag.pk])).status_code == 404


def test_an_administrator_marked_clinical_sees_escalated_flags_only_and_can_acknowledge(
    client, client_a, client_b, clinician, signed_in
):
    overseer = UserFactory(role=Role.ADMIN, clinical_oversight=True)
    now = timezone.now()
    waiting = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=now)
    escalated = risk_flag_raise(client=client_b, source=RiskFlag.Source.CLIENT, now=now)
    assert escalated.escalated_at is not None  # nobody follows client B
    signed_in(overseer)
    page = client.get(reverse("care:flags")).content.decode()
    assert risk_flag_anchor(flag_id=escalated.pk) in page
    assert risk_flag_anchor(flag_id=waiting.pk) not in page
    assert f"/care/clients/{client_b.pk}/" not in page  # no record for an administrator
    assert client.post(reverse("care:flag_acknowledge", args=[waiting.pk])).status_code == 404
    client.post(reverse("care:flag_acknowledge", args=[escalated.pk]))
    escalated.refresh_from_db()
    assert escalated.acknowledged_by == overseer


@pytest.mark.parametrize("size", [5, 30])
def test_the_flags_page_query_count_is_flat(
    client, clinician, signed_in, django_assert_max_num_queries, size
):
    now = timezone.now()
    for _ in range(size):
        person = UserFactory(role=Role.CLIENT)
        CareAssignmentFactory(clinician=clinician, client=person)
        flag = risk_flag_raise(client=person, source=RiskFlag.Source.CLIENT, now=now)
        if _ % 2:
            RiskFlag.objects.filter(pk=flag.pk).update(
                status=RiskFlag.Status.RESOLVED,
                acknowledged_at=now,
                resolved_at=now - timedelta(days=1),
                resolved_by=clinician,
                action_taken="contacted",
            )
    signed_in(clinician)
    client.get(reverse("care:flags"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("care:flags")).status_code == 200
