"""The record's Diagnosis section: the care team enters the code for the client's superbills
from the practice's list; each entry is kept and the newest is in force; the audit row never
holds the code; a code not on the list stores nothing; nobody outside the care team reaches
the form, and billing staff and administrators never see the code."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from care.models import Diagnosis
from care.selectors.record_diagnosis import diagnosis_in_force
from tests.factories import UserFactory

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def url(client_a) -> str:
    return reverse("care:diagnosis", args=[client_a.pk])


def test_the_care_team_enters_a_code_and_the_newest_is_in_force(client, signed_in, clinician,
                                                                client_a):  # fmt: skip
    signed_in(clinician)
    assert client.post(url(client_a), {"code": "F52.8"}).status_code == 302
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        signed_in(clinician)  # a new day, a new sign-in
        assert client.post(url(client_a), {"code": "F43.10"}).status_code == 302
    assert diagnosis_in_force(client=client_a, at=NOW).code == "F52.8"
    assert diagnosis_in_force(client=client_a, at=NOW + timedelta(days=4)).code == "F43.10"
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        signed_in(clinician)
        page = client.get(reverse("care:client_detail", args=[client_a.pk])).content.decode()
    assert "In force: <strong>F43.10</strong>" in page and "Earlier codes (1)" in page
    events = AuditEvent.objects.filter(action=Action.DIAGNOSIS_ENTERED)
    assert events.count() == 2
    assert all("F52" not in str(e.metadata) and "F43" not in str(e.metadata) for e in events)


@pytest.mark.parametrize("code", ["", "Z99.99", "F52.8; DROP", "x" * 40])
def test_a_code_not_on_the_list_is_a_400_and_stores_nothing(client, signed_in, clinician,
                                                            client_a, code):  # fmt: skip
    signed_in(clinician)
    response = client.post(url(client_a), {"code": code})
    assert response.status_code == 400
    assert "code" in response.context["diagnosis"]["form"].errors
    assert not Diagnosis.objects.exists()


@pytest.mark.parametrize("who", ["other_clinician", "billing_user", "admin_user", "client_a"])
def test_nobody_outside_the_care_team_reaches_it(client, signed_in, client_a, clinician, who,
                                                 request):  # fmt: skip
    signed_in(request.getfixturevalue(who))
    assert client.get(url(client_a)).status_code == 404
    assert client.post(url(client_a), {"code": "F52.8"}).status_code == 404
    assert not Diagnosis.objects.exists()


def test_billing_staff_never_see_the_code(client, signed_in, client_a, clinician):
    Diagnosis.objects.create(client=client_a, code="F52.8", entered_by=clinician, entered_at=NOW)
    signed_in(UserFactory(role=Role.BILLING))
    for name in ("billing:console", "accounts:profile"):
        assert "F52.8" not in client.get(reverse(name)).content.decode()
