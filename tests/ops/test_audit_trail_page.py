"""The audit trail in the console (/ops/audit/): administrators read who did what to whom,
filtered by person, action, outcome and days in their own zone; nobody else gets in; a filter
that makes no sense is a 400 with its message; a page costs the same however long the trail."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent, Outcome
from audit.selectors import audit_denials_counted
from audit.services import audit_record
from tests.factories import UserFactory

URL = "/ops/audit/"


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text), tick=False)


@pytest.fixture
def trail(db, client_a, client_b, clinician):
    """Four events about two clients, on two days (UTC)."""
    with at("2026-11-02T15:00:00+00:00"):
        audit_record(action=Action.RECORD_VIEWED, actor=clinician, subject=client_a)
    with at("2026-11-03T03:30:00+00:00"):  # 21:30 on Nov 2 in Chicago (CST)
        audit_record(action=Action.NOTE_SIGNED, actor=clinician, subject=client_a)
    with at("2026-11-03T15:00:00+00:00"):
        audit_record(action=Action.ROLE_CHANGED, actor=None, subject=client_b,
                     metadata={"from": "client", "to": "partner"})  # fmt: skip
        audit_record(
            action=Action.ACCESS_DENIED, actor=client_b, subject=client_a, outcome=Outcome.DENIED
        )
    four = [Action.RECORD_VIEWED, Action.NOTE_SIGNED, Action.ROLE_CHANGED, Action.ACCESS_DENIED]
    return AuditEvent.objects.filter(action__in=four)


@pytest.fixture
def admin_in_chicago(db):
    return UserFactory(role=Role.ADMIN, timezone="America/Chicago")


def shown(response) -> list[str]:
    return [event.action for event in response.context["trail"].events]


def test_an_administrator_reads_the_trail_newest_first(client, signed_in, admin_in_chicago,
                                                       trail, client_b):  # fmt: skip
    with at("2026-11-20T15:00:00+00:00"):  # after the trail, whatever the clock says
        signed_in(admin_in_chicago)
        response = client.get(URL)
    assert response.status_code == 200
    # Below the administrator's own sign-in, the four, newest first.
    assert shown(response)[-4:] == [
        Action.ROLE_CHANGED,
        Action.ACCESS_DENIED,
        Action.NOTE_SIGNED,
        Action.RECORD_VIEWED,
    ] or shown(response)[-4:] == [
        Action.ACCESS_DENIED,
        Action.ROLE_CHANGED,
        Action.NOTE_SIGNED,
        Action.RECORD_VIEWED,
    ]  # the last two share an instant: either order
    page = response.content.decode()
    assert "from: client" in page and "to: partner" in page
    assert client_b.email in page
    assert "21:30" in page  # the note signed at 03:30 UTC, in Chicago


def test_filters_by_person_action_outcome_and_local_days(client, signed_in, admin_in_chicago,
                                                         trail, client_a, client_b):  # fmt: skip
    signed_in(admin_in_chicago)
    about_a = shown(client.get(URL, {"person": client_a.email.upper()}))
    assert set(about_a) >= {Action.RECORD_VIEWED, Action.NOTE_SIGNED, Action.ACCESS_DENIED}
    assert Action.ROLE_CHANGED not in about_a
    # client_b acted once (refused) and was concerned once.
    by_b = shown(client.get(URL, {"person": client_b.email}))
    assert sorted(by_b) == sorted([Action.ROLE_CHANGED, Action.ACCESS_DENIED])
    assert shown(client.get(URL, {"person": client_a.email, "action": "care."})) == [
        Action.NOTE_SIGNED
    ]
    assert shown(client.get(URL, {"person": client_a.email, "outcome": "denied"})) == [
        Action.ACCESS_DENIED
    ]
    # Days are the administrator's: 21:30 on 2 November in Chicago belongs to the 2nd.
    on_the_2nd = shown(
        client.get(URL, {"person": client_a.email, "since": "2026-11-02", "until": "2026-11-02"})
    )
    assert on_the_2nd == [Action.NOTE_SIGNED, Action.RECORD_VIEWED]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"person": "nobody@example.org"}, "person"),
        ({"person": "not an address"}, "person"),
        ({"action": "DROP TABLE"}, "action"),
        ({"since": "2026-13-45"}, "since"),
        ({"since": "0001-01-01"}, "since"),
        ({"since": "2026-11-05", "until": "2026-11-01"}, "until"),
        ({"page": "0"}, "page"),
        ({"page": "99999999999999999999"}, "page"),
        ({"outcome": "maybe"}, "outcome"),
    ],
)
def test_a_filter_that_makes_no_sense_is_a_400_with_its_message(client, signed_in, admin_user,
                                                                query, field):  # fmt: skip
    signed_in(admin_user)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_pages_go_older_and_stop(client, signed_in, admin_user, client_a):
    for _ in range(55):
        audit_record(action=Action.RECORD_VIEWED, actor=admin_user, subject=client_a)
    signed_in(admin_user)
    first = client.get(URL, {"person": client_a.email})
    assert len(first.context["trail"].events) == 50 and first.context["trail"].has_older
    assert "page=2" in first.content.decode()
    second = client.get(URL, {"person": client_a.email, "page": "2"})
    assert not second.context["trail"].has_older
    assert len(second.context["trail"].events) >= 5


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CLINICIAN, Role.SUPERVISOR, Role.BILLING])
def test_nobody_else_gets_in(client, signed_in, role, db):
    outsider = UserFactory(role=role)
    signed_in(outsider)
    before = audit_denials_counted()
    assert client.get(URL).status_code == 404
    assert client.post(URL).status_code == 404
    assert audit_denials_counted() == before + 2


def test_signed_out_goes_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_page_costs_the_same_for_a_short_and_a_long_trail(
    client, signed_in, admin_user, client_a, django_assert_max_num_queries
):
    signed_in(admin_user)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(4):
        assert client.get(URL, {"person": client_a.email}).status_code == 200
    people = UserFactory.create_batch(30)
    for person in people:
        audit_record(action=Action.RECORD_VIEWED, actor=person, subject=client_a)
    with django_assert_max_num_queries(4):
        assert client.get(URL, {"person": client_a.email}).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(URL).status_code == 200
