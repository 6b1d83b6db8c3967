"""Inviting people from a CSV into a cohort, and enrolling one client by hand: validated row by
row with line numbers, nothing created when any row is bad, manual enrollments without online
payment, and an invitation in the outbox whose link lets the person choose a password."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from courses.models import Enrollment, EnrollmentSource
from courses.services.enrollment import EnrollmentError, enrollment_create
from notifications.models import Kind, Notification
from notifications.sealing import unseal
from ops.invitations import Invitee, read_invite_csv
from ops.services.enrollments import enrollment_manual_create, invite_into_cohort
from tests.conftest import run_at_once
from tests.factories import CohortFactory, UserFactory, make_track

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cohort(db):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    return CohortFactory(track=track, start_date=date(2026, 12, 7), capacity=3,
                         timezone="America/Chicago")  # fmt: skip


GOOD = b"name,email\nSam Rivera,sam@example.org\nJo Lee,jo@example.org\n"


# --- reading the CSV ---------------------------------------------------------------------


def test_a_good_file_gives_each_person_with_their_line():
    rows, problems = read_invite_csv(
        b"\xef\xbb\xbfEmail , Name\njo@example.org,Jo\n\nsam@example.org,Sam\n"
    )
    assert problems == []
    assert rows == [Invitee(2, "Jo", "jo@example.org"), Invitee(4, "Sam", "sam@example.org")]


def test_every_bad_line_is_reported_with_its_number():
    UserFactory(email="taken@example.org")
    data = (
        b"name,email\n"
        b"Ok Person,ok@example.org\n"  # 2
        b",noname@example.org\n"  # 3
        b"Bad Email,not-an-address\n"  # 4
        b"Again,OK@example.org\n"  # 5
        b"Taken,TAKEN@example.org\n"  # 6
    )
    rows, problems = read_invite_csv(data)
    assert [(p.line, p.message) for p in problems] == [
        (3, "The name is missing."),
        (4, "“not-an-address” is not an email address."),
        (5, "OK@example.org is also on line 2 of the file."),
        (6, "TAKEN@example.org already has an account."),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Sam,sam@example.org\n", "header"),
        (b"", "header"),
        (b"name,email\n", "nobody"),
        (b"name,email\n\xff\xfe,x\n", "UTF-8"),
    ],
)
def test_a_file_without_a_header_or_people_or_in_another_encoding_is_refused(data, message):
    rows, problems = read_invite_csv(data)
    assert rows == [] and len(problems) == 1 and message in problems[0].message


# --- the services ---------------------------------------------------------------------------


def test_inviting_creates_accounts_manual_enrollments_and_sealed_invitations(cohort, admin_user):
    rows, _ = read_invite_csv(GOOD)
    made = invite_into_cohort(invitees=rows, cohort=cohort, acting_user=admin_user, now=NOW)
    assert len(made) == 2
    sam = User.objects.get(email="sam@example.org")
    assert (sam.preferred_name, sam.role, sam.timezone) == (
        "Sam Rivera",
        "client",
        "America/Chicago",
    )
    assert not sam.has_usable_password()
    assert {e.source for e in made} == {EnrollmentSource.MANUAL}
    assert {e.cohort_id for e in made} == {cohort.pk}
    invitation = Notification.objects.get(user=sam, kind=Kind.INVITATION)
    sealed = unseal(invitation.sealed.token)
    assert sealed["to"] == "sam@example.org"
    assert "Sam Rivera" in sealed["text"]
    assert re.search(r"https://ehab\.example/accounts/password/reset/key/[\w-]+/", sealed["text"])
    assert AuditEvent.objects.get(action="ops.invited").metadata == {"count": 2}


def test_the_invitation_link_lets_the_person_choose_a_password(client, cohort, admin_user):
    rows, _ = read_invite_csv(b"name,email\nSam,sam@example.org\n")
    invite_into_cohort(invitees=rows, cohort=cohort, acting_user=admin_user, now=NOW)
    sealed = unseal(Notification.objects.get(kind=Kind.INVITATION).sealed.token)
    link = re.search(r"https://ehab\.example(\S+)", sealed["text"]).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    client.post(
        form_url, {"password1": "a calm long phrase 42", "password2": "a calm long phrase 42"}
    )
    assert User.objects.get(email="sam@example.org").check_password("a calm long phrase 42")


def test_inviting_more_people_than_free_seats_creates_nobody(cohort, admin_user):
    enrollment_create(client=UserFactory(), track=cohort.track, cohort=cohort, now=NOW)
    enrollment_create(client=UserFactory(), track=cohort.track, cohort=cohort, now=NOW)
    rows, _ = read_invite_csv(GOOD)
    with pytest.raises(EnrollmentError, match="1 free seat; this needs 2"):
        invite_into_cohort(invitees=rows, cohort=cohort, acting_user=admin_user, now=NOW)
    assert not User.objects.filter(email__in=["sam@example.org", "jo@example.org"]).exists()
    assert not Notification.objects.filter(kind=Kind.INVITATION).exists()


def test_an_address_taken_after_the_check_rolls_everyone_back(cohort, admin_user):
    rows, _ = read_invite_csv(GOOD)
    UserFactory(email="jo@example.org")  # signed up between reading and inviting
    with pytest.raises(EnrollmentError, match="Line 3"):
        invite_into_cohort(invitees=rows, cohort=cohort, acting_user=admin_user, now=NOW)
    assert not User.objects.filter(email="sam@example.org").exists()
    assert not Enrollment.objects.exists()


def test_a_manual_enrollment_of_an_existing_client_is_marked_for_billing(
    cohort, admin_user, client_a
):
    made = enrollment_manual_create(client=client_a, cohort=cohort, acting_user=admin_user, now=NOW)
    assert (made.source, made.cohort_id, made.status) == (
        EnrollmentSource.MANUAL,
        cohort.pk,
        "active",
    )
    event = AuditEvent.objects.get(action="enrollment.created")
    assert event.metadata["source"] == "manual" and event.actor_id == admin_user.pk
    with pytest.raises(EnrollmentError, match="already has a live enrollment"):
        enrollment_manual_create(client=client_a, cohort=cohort, acting_user=admin_user, now=NOW)


def test_a_manual_enrollment_into_a_full_cohort_is_refused(cohort, admin_user, client_a):
    cohort.capacity = 1
    cohort.save()
    enrollment_create(client=UserFactory(), track=cohort.track, cohort=cohort, now=NOW)
    with pytest.raises(EnrollmentError, match="0 free seats"):
        enrollment_manual_create(client=client_a, cohort=cohort, acting_user=admin_user, now=NOW)


# --- the pages --------------------------------------------------------------------------------


def upload(data: bytes):
    return SimpleUploadedFile("people.csv", data, content_type="text/csv")


def test_the_invite_page_invites_everyone_in_a_good_file(client, signed_in, admin_user, cohort):
    signed_in(admin_user)
    assert client.get(reverse("ops:invite")).status_code == 200
    response = client.post(reverse("ops:invite"), {"cohort": cohort.pk, "people": upload(GOOD)})
    assert response.status_code == 302
    assert Enrollment.objects.filter(cohort=cohort, source="manual").count() == 2
    assert Notification.objects.filter(kind=Kind.INVITATION).count() == 2


def test_a_bad_file_is_a_400_report_with_line_numbers_and_creates_nothing(
    client, signed_in, admin_user, cohort
):
    signed_in(admin_user)
    data = b"name,email\nSam,sam@example.org\nJo,not-an-address\n,x@example.org\n"
    response = client.post(reverse("ops:invite"), {"cohort": cohort.pk, "people": upload(data)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 3: “not-an-address” is not an email address." in page
    assert "Line 4: The name is missing." in page
    assert not User.objects.filter(email="sam@example.org").exists()
    assert not Notification.objects.filter(kind=Kind.INVITATION).exists()


def test_too_few_seats_or_no_file_is_a_400(client, signed_in, admin_user, cohort):
    signed_in(admin_user)
    cohort.capacity = 1
    cohort.save()
    response = client.post(reverse("ops:invite"), {"cohort": cohort.pk, "people": upload(GOOD)})
    assert response.status_code == 400
    assert "1 free seat; this needs 2" in response.content.decode()
    assert client.post(reverse("ops:invite"), {"cohort": cohort.pk}).status_code == 400
    assert not Enrollment.objects.exists()


def test_inviting_asks_for_a_fresh_sign_in(client, signed_in, admin_user, cohort, clock):
    signed_in(admin_user)
    clock.shift(6 * 60)
    asked = client.post(reverse("ops:invite"), {"cohort": cohort.pk, "people": upload(GOOD)})
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert not Enrollment.objects.exists()


def test_the_manual_enrollment_page(client, signed_in, admin_user, cohort, client_a):
    signed_in(admin_user)
    assert client.get(reverse("ops:manual_enroll")).status_code == 200
    unknown = client.post(
        reverse("ops:manual_enroll"), {"email": "nobody@example.org", "cohort": cohort.pk}
    )
    assert unknown.status_code == 400
    assert "No client account has that address." in unknown.content.decode()
    done = client.post(reverse("ops:manual_enroll"), {"email": client_a.email, "cohort": cohort.pk})
    made = Enrollment.objects.get(client=client_a)
    assert done.status_code == 302 and done["Location"] == reverse("ops:enrollment", args=[made.pk])
    assert made.source == EnrollmentSource.MANUAL


@pytest.mark.parametrize("name", ["ops:invite", "ops:manual_enroll"])
def test_the_add_people_pages_are_for_administrators_only(
    client, signed_in, clinician, client_b, name
):
    for user in (clinician, client_b):
        signed_in(user)
        assert client.get(reverse(name)).status_code == 404
        assert client.post(reverse(name), {}).status_code == 404
        assert AuditEvent.objects.filter(actor=user, outcome="denied").exists()
    client.logout()
    assert client.get(reverse(name))["Location"].startswith(reverse("account_login"))


# --- billing treats a manual enrollment as needing no payment ---------------------------------


def test_a_manual_client_is_told_there_is_nothing_to_pay_and_not_asked_to_choose_a_plan(
    client, signed_in, admin_user, cohort, client_a
):
    signed_in(client_a)
    before = client.get(reverse("my_billing:account")).content.decode()
    assert "choose a plan" in before
    enrollment_manual_create(client=client_a, cohort=cohort, acting_user=admin_user, now=NOW)
    page = client.get(reverse("my_billing:account")).content.decode()
    assert "nothing to pay here" in page
    assert "choose a plan" not in page


def test_the_billing_console_counts_manual_enrollments(
    client, signed_in, admin_user, billing_user, cohort, client_a
):
    enrollment_manual_create(client=client_a, cohort=cohort, acting_user=admin_user, now=NOW)
    enrollment_create(client=UserFactory(), track=cohort.track, cohort=cohort, now=NOW)  # paid
    signed_in(billing_user)
    page = client.get(reverse("billing:console")).content.decode()
    assert "1 current enrollment made by an administrator" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_manual_enrollments_into_the_last_seat_at_once_place_exactly_one(admin_user):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    cohort = CohortFactory(track=track, capacity=1)
    people = [UserFactory(), UserFactory()]

    def enroll():
        enrollment_manual_create(client=people.pop(), cohort=cohort, acting_user=admin_user,
                                 now=NOW)  # fmt: skip

    errors = run_at_once(enroll)
    assert len(errors) == 1 and "0 free seats" in str(errors[0])
    assert Enrollment.objects.filter(cohort=cohort).count() == 1


def test_the_invite_and_manual_pages_cost_the_same_however_many_cohorts(
    client, signed_in, admin_user, django_assert_max_num_queries
):
    """The forms list the cohorts in one query each: ten more cohorts cost nothing more."""
    track = make_track(weeks=2)
    CohortFactory(track=track)
    signed_in(admin_user)
    for name in ("ops:invite", "ops:manual_enroll"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse(name)).status_code == 200
    for _ in range(10):
        CohortFactory(track=track)
    for name in ("ops:invite", "ops:manual_enroll"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse(name)).status_code == 200
