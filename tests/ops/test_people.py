"""The console's people pages (/ops/people/): the services behind them (audited, refusing what
must not happen with a clear message), the pages for administrators, 404 for everyone else,
nothing stored on bad input, a fresh sign-in before each change, and what the pages cost."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_active
from audit.models import Action, AuditEvent
from care.models import CareAssignment, Supervision
from care.services import SupervisionError, supervision_end, supervision_start
from notifications.models import Kind, Notification
from notifications.sealing import unseal
from ops.services.people import AccountFields, PersonError, person_invite, person_update
from tests.factories import CareAssignmentFactory, EnrollmentFactory, UserFactory, make_track

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def supervisor(db):
    return UserFactory(role=Role.SUPERVISOR, preferred_name="Dr. Lead")


def fields(person, **changes) -> AccountFields:
    values = {
        "role": person.role,
        "preferred_name": person.preferred_name,
        "timezone": person.timezone,
        "phone": person.phone,
        "is_active": person.is_active,
        "clinical_oversight": person.clinical_oversight,
    }
    return AccountFields(**{**values, **changes})


def actions() -> list[str]:
    """The changes audited (signing in is not one)."""
    changes = AuditEvent.objects.exclude(action__startswith="auth.").order_by("pk")
    return list(changes.values_list("action", flat=True))


# --- services ---------------------------------------------------------------------------------


def test_inviting_one_person_creates_the_account_without_a_password_and_seals_the_invitation(
    admin_user,
):
    person = person_invite(
        email="Nia@Example.org", preferred_name="Nia", role=Role.CLINICIAN,
        timezone="America/Denver", acting_user=admin_user, now=NOW,
    )  # fmt: skip
    assert (person.email, person.role, person.timezone) == (
        "nia@example.org",
        "clinician",
        "America/Denver",
    )
    assert not person.has_usable_password()
    sealed = unseal(Notification.objects.get(user=person, kind=Kind.INVITATION).sealed.token)
    assert re.search(r"https://ehab\.example/accounts/password/reset/key/[\w-]+/", sealed["text"])
    created = AuditEvent.objects.get(action=Action.USER_CREATED)
    assert (created.actor, created.subject) == (admin_user, person)
    # A clinician is invited to the practice's team, not to a place in the program.
    for part in ("text", "html"):
        assert "member of the practice's team" in sealed[part].replace("&#x27;", "'")
        assert "authenticator app" in sealed[part]
        assert "your place is ready" not in sealed[part]


def test_a_client_s_invitation_speaks_of_their_place(admin_user):
    person = person_invite(
        email="sam@example.org", preferred_name="Sam", role=Role.CLIENT,
        timezone="America/Denver", acting_user=admin_user, now=NOW,
    )  # fmt: skip
    sealed = unseal(Notification.objects.get(user=person, kind=Kind.INVITATION).sealed.token)
    assert "your place is ready" in sealed["text"]
    assert "practice's team" not in sealed["text"]


def test_inviting_a_taken_address_creates_nothing(admin_user, client_a):
    with pytest.raises(PersonError, match="already uses this email") as refused:
        person_invite(
            email=client_a.email.upper(), preferred_name="Again", role=Role.CLIENT,
            timezone="UTC", acting_user=admin_user, now=NOW,
        )  # fmt: skip
    assert refused.value.field == "email"
    assert User.objects.count() == 2  # client_a and the administrator
    assert not Notification.objects.filter(kind=Kind.INVITATION).exists()


def test_updating_an_account_goes_through_each_audited_service(admin_user, client_a):
    person_update(
        person=client_a,
        fields=fields(
            client_a,
            preferred_name="Al",
            timezone="Europe/Paris",
            role=Role.PARTNER,
            is_active=False,
        ),  # fmt: skip
        acting_user=admin_user,
        now=NOW,
    )
    client_a.refresh_from_db()
    assert (client_a.preferred_name, client_a.timezone, client_a.role, client_a.is_active) == (
        "Al",
        "Europe/Paris",
        "partner",
        False,
    )
    assert actions() == [Action.PROFILE_UPDATED, Action.ROLE_CHANGED, Action.ACCOUNT_DEACTIVATED]


def test_an_unchanged_account_writes_nothing(admin_user, client_a):
    person_update(person=client_a, fields=fields(client_a), acting_user=admin_user, now=NOW)
    assert actions() == []


def test_clinical_oversight_is_for_administrators_only(admin_user):
    colleague = UserFactory(role=Role.ADMIN)
    person_update(person=colleague, fields=fields(colleague, clinical_oversight=True),
                  acting_user=admin_user, now=NOW)  # fmt: skip
    colleague.refresh_from_db()
    assert colleague.clinical_oversight
    with pytest.raises(PersonError, match="Only an administrator") as refused:
        person_update(
            person=colleague,
            fields=fields(colleague, role=Role.CLINICIAN),
            acting_user=admin_user,
            now=NOW,
        )
    assert refused.value.field == "clinical_oversight"
    colleague.refresh_from_db()
    assert colleague.role == Role.ADMIN


def test_nobody_deactivates_themselves_or_changes_their_own_role(admin_user):
    with pytest.raises(PersonError, match="your own account") as refused:
        person_update(person=admin_user, fields=fields(admin_user, is_active=False),
                      acting_user=admin_user, now=NOW)  # fmt: skip
    assert refused.value.field == "is_active"
    with pytest.raises(PersonError, match="your own role"):
        person_update(person=admin_user, fields=fields(admin_user, role=Role.CLINICIAN),
                      acting_user=admin_user, now=NOW)  # fmt: skip
    with pytest.raises(ValidationError, match="your own account"):
        user_set_active(user=admin_user, value=False, acting_user=admin_user)
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.role == Role.ADMIN
    assert actions() == []


def test_reactivating_is_audited_once(admin_user, client_a):
    user_set_active(user=client_a, value=False, acting_user=admin_user)
    user_set_active(user=client_a, value=True, acting_user=admin_user)
    user_set_active(user=client_a, value=True, acting_user=admin_user)
    client_a.refresh_from_db()
    assert client_a.is_active
    assert actions() == [Action.ACCOUNT_DEACTIVATED, Action.ACCOUNT_REACTIVATED]


def test_a_supervision_starts_and_ends_audited(admin_user, supervisor, clinician):
    made = supervision_start(supervisor=supervisor, clinician=clinician, acting_user=admin_user,
                             now=NOW)  # fmt: skip
    assert (made.is_active, made.started_at) == (True, NOW)
    started = AuditEvent.objects.get(action=Action.SUPERVISION_STARTED)
    assert (started.actor, started.subject, started.metadata) == (
        admin_user,
        clinician,
        {"supervisor": supervisor.pk},
    )
    supervision_end(supervision=made, acting_user=admin_user, now=NOW)
    supervision_end(supervision=made, acting_user=admin_user, now=NOW)
    made.refresh_from_db()
    assert (made.is_active, made.ended_at) == (False, NOW)
    assert AuditEvent.objects.filter(action=Action.SUPERVISION_ENDED).count() == 1
    # Ended, the pair can start again: a new row, the old one kept.
    supervision_start(supervisor=supervisor, clinician=clinician, acting_user=admin_user, now=NOW)
    assert Supervision.objects.filter(supervisor=supervisor, clinician=clinician).count() == 2


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("self", "Nobody supervises themselves"),
        ("twice", "already supervises"),
        ("clinician_as_supervisor", "Choose an active clinical supervisor"),
        ("inactive_supervisor", "Choose an active clinical supervisor"),
        ("client_supervised", "Only an active clinician"),
    ],
)
def test_a_supervision_that_cannot_be_is_refused_with_its_reason(
    admin_user, supervisor, clinician, client_a, who, message
):
    pairs = {
        "self": (supervisor, supervisor),
        "twice": (supervisor, clinician),
        "clinician_as_supervisor": (clinician, supervisor),
        "inactive_supervisor": (UserFactory(role=Role.SUPERVISOR, is_active=False), clinician),
        "client_supervised": (supervisor, client_a),
    }
    if who == "twice":
        Supervision.objects.create(supervisor=supervisor, clinician=clinician)
    boss, supervised = pairs[who]
    before = Supervision.objects.count()
    with pytest.raises(SupervisionError, match=message):
        supervision_start(supervisor=boss, clinician=supervised, acting_user=admin_user, now=NOW)
    assert Supervision.objects.count() == before
    assert not AuditEvent.objects.filter(action=Action.SUPERVISION_STARTED).exists()


# --- the pages --------------------------------------------------------------------------------


def person_url(person, name="ops:person", *args):
    return reverse(name, args=[person.pk, *args])


def test_the_list_searches_and_filters_with_account_facts_only(
    client, signed_in, admin_user, client_a, clinician
):
    UserFactory(role=Role.CLIENT, preferred_name="Robin", email="robin@example.org",
                is_active=False)  # fmt: skip
    signed_in(admin_user)
    page = client.get(reverse("ops:people")).content.decode()
    assert client_a.email in page and clinician.email in page and "robin@example.org" in page
    found = client.get(reverse("ops:people"), {"q": "ROBIN"}).content.decode()
    assert "robin@example.org" in found and client_a.email not in found
    found = client.get(reverse("ops:people"), {"role": "clinician"}).content.decode()
    assert clinician.email in found and client_a.email not in found
    found = client.get(reverse("ops:people"), {"active": "inactive"}).content.decode()
    assert "robin@example.org" in found and client_a.email not in found
    assert client.get(reverse("ops:people"), {"role": "wizard"}).status_code == 400


def test_the_list_has_pages_of_fifty(client, signed_in, admin_user):
    UserFactory.create_batch(55, role=Role.CLIENT)
    signed_in(admin_user)
    first = client.get(reverse("ops:people"), {"role": "client"}).content.decode()
    assert first.count('<th scope="row">') == 50
    assert "Page 1 of 2" in first and "role=client&amp;page=2" in first
    second = client.get(reverse("ops:people"), {"role": "client", "page": 2}).content.decode()
    assert second.count('<th scope="row">') == 5


def test_adding_a_person_sends_the_invitation(client, signed_in, admin_user):
    signed_in(admin_user)
    assert client.get(reverse("ops:person_new")).status_code == 200
    data = {"email": "kai@example.org", "preferred_name": "Kai", "role": "clinician",
            "timezone": "America/Chicago"}  # fmt: skip
    response = client.post(reverse("ops:person_new"), data)
    kai = User.objects.get(email="kai@example.org")
    assert response.status_code == 302 and response["Location"] == person_url(kai)
    assert (kai.role, kai.timezone, kai.has_usable_password()) == (
        "clinician",
        "America/Chicago",
        False,
    )
    assert Notification.objects.filter(user=kai, kind=Kind.INVITATION).count() == 1


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"email": "TAKEN@example.org"}, "Another account already uses this email address."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"preferred_name": ""}, "This field is required."),
        ({"role": "wizard"}, "Select a valid choice."),
        ({"timezone": "Mars/Olympus"}, "Select a valid choice."),
    ],
)
def test_a_bad_new_person_is_a_400_and_creates_nothing(
    client, signed_in, admin_user, change, error
):
    UserFactory(email="taken@example.org")
    signed_in(admin_user)
    data = {"email": "new@example.org", "preferred_name": "New", "role": "client",
            "timezone": "UTC", **change}  # fmt: skip
    before = User.objects.count()
    response = client.post(reverse("ops:person_new"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert User.objects.count() == before
    assert not Notification.objects.filter(kind=Kind.INVITATION).exists()


def test_the_person_page_changes_the_account(client, signed_in, admin_user, client_a):
    signed_in(admin_user)
    assert client.get(person_url(client_a)).status_code == 200
    data = {
        "role": "client",
        "preferred_name": "Alexandra",
        "timezone": "Europe/Paris",
        "phone": "+13055550123",
    }  # fmt: skip  (is_active unticked: deactivate)
    response = client.post(person_url(client_a), data)
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert (client_a.preferred_name, client_a.timezone, client_a.phone, client_a.is_active) == (
        "Alexandra",
        "Europe/Paris",
        "+13055550123",
        False,
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"clinical_oversight": "on"}, "Only an administrator can be marked"),
        ({"phone": "12"}, "+13055550123"),
        ({"timezone": "Nowhere"}, "Select a valid choice."),
    ],
)
def test_a_bad_account_change_is_a_400_and_stores_nothing(
    client, signed_in, admin_user, client_a, change, error
):
    signed_in(admin_user)
    data = {"role": "client", "preferred_name": "Changed", "timezone": "UTC",
            "is_active": "on", **change}  # fmt: skip
    response = client.post(person_url(client_a), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    client_a.refresh_from_db()
    assert client_a.preferred_name == "Alex"
    assert actions() == []


def test_deactivating_oneself_is_a_clear_error(client, signed_in, admin_user):
    signed_in(admin_user)
    data = {"role": "admin", "preferred_name": "Me", "timezone": admin_user.timezone}
    response = client.post(person_url(admin_user), data)
    assert response.status_code == 400
    assert "You cannot deactivate your own account." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.preferred_name != "Me"


def test_a_clients_care_team_is_added_to_and_ended(
    client, signed_in, admin_user, client_a, clinician, other_clinician
):
    enrollment = EnrollmentFactory(client=client_a, track=make_track(weeks=2))
    signed_in(admin_user)
    page = client.get(person_url(client_a)).content.decode()
    assert "Dr. Assigned" in page
    assert reverse("ops:enrollment", args=[enrollment.pk]) in page
    added = client.post(person_url(client_a, "ops:person_care_add"),
                        {"clinician": other_clinician.pk})  # fmt: skip
    assert added.status_code == 302
    assignment = CareAssignment.objects.get(client=client_a, clinician=other_clinician)
    assert AuditEvent.objects.filter(action="care.assignment_created", actor=admin_user).exists()
    ended = client.post(person_url(client_a, "ops:person_care_end", assignment.pk))
    assert ended.status_code == 302
    assignment.refresh_from_db()
    assert not assignment.is_active and assignment.ended_at == NOW


def test_a_wrong_care_team_choice_is_a_400_and_stores_nothing(
    client, signed_in, admin_user, client_a, clinician, billing_user
):
    signed_in(admin_user)
    url = person_url(client_a, "ops:person_care_add")
    twice = client.post(url, {"clinician": clinician.pk})
    assert twice.status_code == 400
    assert "already on this client&#x27;s care team" in twice.content.decode()
    not_clinical = client.post(url, {"clinician": billing_user.pk})
    assert not_clinical.status_code == 400
    assert "Choose an active clinician" in not_clinical.content.decode()
    assert client.post(url, {"clinician": "x"}).status_code == 400
    assert CareAssignment.objects.count() == 1


def test_ending_another_clients_assignment_is_a_404(
    client, signed_in, admin_user, client_a, client_b
):
    theirs = CareAssignmentFactory(client=client_b)
    signed_in(admin_user)
    response = client.post(person_url(client_a, "ops:person_care_end", theirs.pk))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_supervision_is_added_and_ended_from_the_clinicians_page(
    client, signed_in, admin_user, clinician, supervisor
):
    signed_in(admin_user)
    page = client.get(person_url(clinician)).content.decode()
    assert "Nobody supervises them." in page and "Dr. Lead" in page  # offered as a supervisor
    added = client.post(person_url(clinician, "ops:person_supervisor_add"),
                        {"supervisor": supervisor.pk})  # fmt: skip
    assert added.status_code == 302
    supervision = Supervision.objects.get(supervisor=supervisor, clinician=clinician)
    # The supervisor's page lists whom they supervise, with the same end button.
    theirs = client.get(person_url(supervisor)).content.decode()
    assert "Supervises" in theirs and "Dr. Assigned" in theirs
    ended = client.post(person_url(supervisor, "ops:person_supervision_end", supervision.pk))
    assert ended.status_code == 302 and ended["Location"] == person_url(supervisor)
    supervision.refresh_from_db()
    assert not supervision.is_active and supervision.ended_at == NOW


def test_a_wrong_supervisor_is_a_400_and_stores_nothing(
    client, signed_in, admin_user, clinician, supervisor, other_clinician
):
    Supervision.objects.create(supervisor=supervisor, clinician=clinician)
    signed_in(admin_user)
    url = person_url(clinician, "ops:person_supervisor_add")
    twice = client.post(url, {"supervisor": supervisor.pk})
    assert twice.status_code == 400
    assert "This supervisor already supervises this person." in twice.content.decode()
    not_a_supervisor = client.post(url, {"supervisor": other_clinician.pk})
    assert not_a_supervisor.status_code == 400
    assert "Choose an active clinical supervisor." in not_a_supervisor.content.decode()
    own = client.post(person_url(supervisor, "ops:person_supervisor_add"),
                      {"supervisor": supervisor.pk})  # fmt: skip
    assert own.status_code == 400
    assert Supervision.objects.count() == 1


def test_supervision_is_not_offered_to_clients_nor_a_care_team_to_staff(
    client, signed_in, admin_user, client_a, clinician, supervisor
):
    signed_in(admin_user)
    assert "Add a supervisor" not in client.get(person_url(client_a)).content.decode()
    assert "Care team" not in client.get(person_url(clinician)).content.decode()
    client.post(person_url(client_a, "ops:person_supervisor_add"), {"supervisor": supervisor.pk})
    client.post(person_url(clinician, "ops:person_care_add"), {"clinician": supervisor.pk})
    assert not Supervision.objects.exists()
    assert CareAssignment.objects.count() == 1


def test_each_change_asks_for_a_fresh_sign_in(
    client, signed_in, admin_user, client_a, clinician, supervisor, clock
):
    supervision = Supervision.objects.create(supervisor=supervisor, clinician=clinician)
    assignment = CareAssignment.objects.get(client=client_a)
    signed_in(admin_user)
    clock.shift(6 * 60)
    posts = [
        (reverse("ops:person_new"), {"email": "n@example.org", "preferred_name": "N",
                                     "role": "client", "timezone": "UTC"}),
        (person_url(client_a), {"role": "client", "preferred_name": "X", "timezone": "UTC"}),
        (person_url(client_a, "ops:person_care_add"), {"clinician": supervisor.pk}),
        (person_url(client_a, "ops:person_care_end", assignment.pk), {}),
        (person_url(clinician, "ops:person_supervisor_add"), {"supervisor": supervisor.pk}),
        (person_url(clinician, "ops:person_supervision_end", supervision.pk), {}),
    ]  # fmt: skip
    for url, data in posts:
        asked = client.post(url, data)
        assert asked["Location"].startswith(reverse("account_reauthenticate")), url
    assert not User.objects.filter(email="n@example.org").exists()
    assert CareAssignment.objects.filter(is_active=True).count() == 1
    assert Supervision.objects.filter(is_active=True).count() == 1
    client_a.refresh_from_db()
    assert client_a.preferred_name == "Alex"


PAGES = [
    "ops:people",
    "ops:person_new",
    "ops:person",
    "ops:person_care_add",
    "ops:person_care_end",
    "ops:person_supervisor_add",
    "ops:person_supervision_end",
]


def _url(name, client_a, clinician, supervisor):
    if name in ("ops:people", "ops:person_new"):
        return reverse(name)
    if name == "ops:person_care_end":
        return person_url(client_a, name, CareAssignment.objects.get(client=client_a).pk)
    if name == "ops:person_supervision_end":
        s = Supervision.objects.get_or_create(supervisor=supervisor, clinician=clinician)[0]
        return person_url(clinician, name, s.pk)
    if name == "ops:person_supervisor_add":
        return person_url(clinician, name)
    return person_url(client_a, name)


@pytest.mark.parametrize("name", PAGES)
def test_the_people_pages_are_for_administrators_only(
    client, signed_in, client_a, clinician, supervisor, billing_user, name
):
    url = _url(name, client_a, clinician, supervisor)
    for user in (client_a, clinician, supervisor, billing_user):
        signed_in(user)
        assert client.get(url).status_code == 404, user.role
        assert client.post(url, {}).status_code == 404, user.role
        assert AuditEvent.objects.filter(actor=user, outcome="denied").exists()
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    assert CareAssignment.objects.filter(is_active=True).count() == 1


def test_a_missing_person_is_a_denied_404(client, signed_in, admin_user):
    signed_in(admin_user)
    assert client.get(reverse("ops:person", args=[999999])).status_code == 404
    assert AuditEvent.objects.filter(actor=admin_user, outcome="denied").exists()


# --- what the pages cost ------------------------------------------------------------------------


def test_the_list_costs_the_same_however_many_people(
    client, signed_in, admin_user, django_assert_max_num_queries
):
    UserFactory.create_batch(3)
    signed_in(admin_user)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("ops:people")).status_code == 200
    UserFactory.create_batch(60)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("ops:people")).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("ops:people"), {"q": "person", "page": 2}).status_code == 200


def test_the_person_page_costs_the_same_however_large_the_care_team_and_supervision(
    client, signed_in, admin_user, client_a, clinician, supervisor, django_assert_max_num_queries
):
    Supervision.objects.create(supervisor=supervisor, clinician=clinician)
    signed_in(admin_user)
    budget = 7

    def cost():
        for person in (client_a, clinician, supervisor):
            with django_assert_max_num_queries(budget):
                assert client.get(person_url(person)).status_code == 200
        with django_assert_max_num_queries(budget):
            assert client.get(reverse("ops:person_new")).status_code == 200

    cost()
    track = make_track(weeks=2)
    for _ in range(8):
        other = UserFactory(role=Role.CLINICIAN)
        CareAssignmentFactory(client=client_a, clinician=other)
        Supervision.objects.create(supervisor=supervisor, clinician=other)
        Supervision.objects.create(supervisor=UserFactory(role=Role.SUPERVISOR),
                                   clinician=clinician)  # fmt: skip
        EnrollmentFactory(client=client_a, track=track, status="withdrawn")
    cost()
