"""Superbills and receipts: the client's own sessions attended and payments on their own days,
with the practice's details and the diagnosis their clinician entered; nothing of another
client's (canary); not available until the practice has set them up; bad input is a 400 with
nothing stored; anyone else's receipt is a denied 404; every page is audited and costs the same
whatever the history."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from care.services import DiagnosisError, diagnosis_enter
from meetings.attendance_services import Mark, attendance_record
from meetings.services import individual_session_book, occurrence_cancel, series_create
from payments.models import BillingAccount, Payment, Plan
from records.models import ClaimDetails
from records.services import SuperbillError, claim_details_save, superbill_issue
from tests.factories import CareAssignmentFactory, EnrollmentFactory, UserFactory
from tests.meetings.conftest import fields

BEFORE_START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
AFTER = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # Friday 20 November, midday in New York
PRACTICE = {
    "EHAB_PRACTICE_NAME": "Harbor Counseling",
    "EHAB_PRACTICE_ADDRESS": "1 Calm Street;Miami, FL 33101",
    "EHAB_PRACTICE_TAX_ID": "12-3456789",
    "EHAB_PRACTICE_NPI": "1234567893",
    "EHAB_SESSION_FEES": {"group": Decimal("120.00"), "individual": Decimal("175.00")},
    "EHAB_SERVICE_CODES": {"group": "90853", "individual": "90837"},
}


@pytest.fixture
def practice(settings):
    for name, value in PRACTICE.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def other(cohort):
    """Another client in the same cohort: a canary for everything that is not ours."""
    client = UserFactory(role=Role.CLIENT, preferred_name="Canary")
    EnrollmentFactory(
        client=client, track=cohort.track, cohort=cohort, start_date=cohort.start_date
    )
    return client


@pytest.fixture
def history(cohort, lead, member, other, admin_user):
    """Group sessions on Tuesdays at 18:30 New York (the member lives in Los Angeles): present on
    13 October, late on 20 October (60 of 90 minutes), absent on 27 October, excused on 3
    November, the 10 November one cancelled; one individual session on 5 November; the other
    client present at all of them. Two payments of the member's, one of the other's."""
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    sessions = {o.local_date: o for o in series.occurrences.all()}
    marks = {
        date(2026, 10, 13): Mark(member.pk, "present"),
        date(2026, 10, 20): Mark(member.pk, "late", 60),
        date(2026, 10, 27): Mark(member.pk, "absent"),
        date(2026, 11, 3): Mark(member.pk, "excused"),
    }
    for day, mark in marks.items():
        attendance_record(
            occurrence=sessions[day], marks=[mark, Mark(other.pk, "present")], by=lead, now=AFTER
        )
    occurrence_cancel(occurrence=sessions[date(2026, 11, 10)], acting_user=admin_user,
                      now=BEFORE_START)  # fmt: skip
    CareAssignmentFactory(clinician=lead, client=member)
    individual = individual_session_book(
        clinician=lead, client=member, day=date(2026, 11, 5), start_time=time(10, 0),
        length_minutes=50, weeks=1, video_url="https://video.example.org/1to1", now=BEFORE_START,
    )  # fmt: skip
    attendance_record(
        occurrence=individual.occurrences.get(), marks=[Mark(member.pk, "present")], by=lead,
        now=AFTER,
    )  # fmt: skip
    plan = Plan.objects.create(track=cohort.track, slug="sb-monthly", kind="installments",
                               installments=3, amount=Decimal("1050.00"))  # fmt: skip
    for client, paid in ((member, ["2026-10-05", "2026-11-05"]), (other, ["2026-10-07"])):
        account = BillingAccount.objects.create(enrollment=client.enrollments.get(), plan=plan)
        for n, day in enumerate(paid):
            Payment.objects.create(
                account=account, amount=Decimal("1050.00"), stripe_invoice_id=f"in_{client.pk}_{n}",
                paid_at=datetime.fromisoformat(f"{day}T15:00:00+00:00"),
            )  # fmt: skip
    diagnosis_enter(client=member, code="F52.8", by=lead, now=BEFORE_START)
    diagnosis_enter(client=other, code="F41.1", by=lead, now=BEFORE_START)
    claim_details_save(client=member, legal_name="Samuel Rivera", date_of_birth=date(1980, 4, 2),
                       now=BEFORE_START)  # fmt: skip
    claim_details_save(client=other, legal_name="Canary Person", date_of_birth=date(1975, 1, 1),
                       now=BEFORE_START)  # fmt: skip
    return series


def test_the_superbill_lists_exactly_the_clients_own_sessions_and_payments(practice, history,
                                                                         member):  # fmt: skip
    bill = superbill_issue(client=member, since=date(2026, 10, 1), until=date(2026, 11, 19),
                           now=AFTER)  # fmt: skip
    # Dates in the member's own zone (Los Angeles): 18:30 New York is 15:30 there.
    assert [(s.day, s.kind, s.code, s.minutes, s.fee) for s in bill.services] == [
        (date(2026, 10, 13), "Group session", "90853", 90, Decimal("120.00")),
        (date(2026, 10, 20), "Group session", "90853", 60, Decimal("120.00")),
        (date(2026, 11, 5), "Individual session", "90837", 50, Decimal("175.00")),
    ]
    assert bill.total_fees == Decimal("415.00")
    assert [(p.day, p.net) for p in bill.payments] == [
        (date(2026, 10, 5), Decimal("1050.00")),
        (date(2026, 11, 5), Decimal("1050.00")),
    ]
    assert bill.total_paid == Decimal("2100.00")
    assert (bill.client_name, bill.date_of_birth) == ("Samuel Rivera", date(1980, 4, 2))
    assert bill.diagnosis_code == "F52.8"
    assert (bill.npi, bill.tax_id, bill.practice_address) == (
        "1234567893", "12-3456789", ["1 Calm Street", "Miami, FL 33101"],
    )  # fmt: skip
    event = AuditEvent.objects.get(action=Action.SUPERBILL_GENERATED)
    assert event.metadata == {"since": "2026-10-01", "until": "2026-11-19", "sessions": 3,
                              "payments": 2}  # fmt: skip


def test_the_range_is_the_clients_own_days(practice, history, member):
    bill = superbill_issue(client=member, since=date(2026, 10, 14), until=date(2026, 11, 4),
                           now=AFTER)  # fmt: skip
    assert [s.day for s in bill.services] == [date(2026, 10, 20)]
    assert bill.payments == []


def test_the_printed_superbill_holds_nothing_of_another_client(client, signed_in, practice,
                                                              history, member):  # fmt: skip
    with time_machine.travel(AFTER, tick=False):
        signed_in(member)
        response = client.get(
            reverse("records:superbill_print"), {"since": "2026-10-01", "until": "2026-11-19"}
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Samuel Rivera" in page and "April 2, 1980" in page and "F52.8" in page
    assert "$415.00" in page and "$2100.00" in page and "NPI: 1234567893" in page
    assert "Canary" not in page and "F41.1" not in page and "1975" not in page


def test_not_available_until_the_practice_sets_it_up(client, signed_in, history, member):
    with pytest.raises(SuperbillError, match="not available yet"):
        superbill_issue(client=member, since=date(2026, 10, 1), until=date(2026, 11, 1), now=AFTER)
    with time_machine.travel(AFTER, tick=False):
        signed_in(member)
        page = client.get(reverse("records:superbill")).content.decode()
        printed = client.get(
            reverse("records:superbill_print"), {"since": "2026-10-01", "until": "2026-11-01"}
        )
    assert "not available yet" in page and "Save my details" not in page
    assert printed.status_code == 302
    assert not AuditEvent.objects.filter(action=Action.SUPERBILL_GENERATED).exists()


def test_without_the_clients_details_there_is_no_superbill(practice, cohort, member):
    with pytest.raises(SuperbillError, match="legal name and date of birth"):
        superbill_issue(client=member, since=date(2026, 10, 1), until=date(2026, 11, 1), now=AFTER)


def test_details_are_saved_and_audited_without_their_values(client, signed_in, practice, member):
    with time_machine.travel(AFTER, tick=False):
        signed_in(member)
        response = client.post(
            reverse("records:superbill"),
            {"legal_name": "  Samuel   Rivera ", "date_of_birth": "1980-04-02"},
        )
    assert response.status_code == 302
    details = ClaimDetails.objects.get(client=member)
    assert (details.legal_name, details.date_of_birth) == ("Samuel Rivera", date(1980, 4, 2))
    event = AuditEvent.objects.get(action=Action.CLAIM_DETAILS_SAVED)
    assert "Samuel" not in str(event.metadata) and "1980" not in str(event.metadata)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"legal_name": "", "date_of_birth": "1980-04-02"}, "legal_name"),
        ({"legal_name": "Sam\u202eevil", "date_of_birth": "1980-04-02"}, "legal_name"),
        ({"legal_name": "x" * 121, "date_of_birth": "1980-04-02"}, "legal_name"),
        ({"legal_name": "Sam", "date_of_birth": "2026-11-20"}, "date_of_birth"),
        ({"legal_name": "Sam", "date_of_birth": "1899-12-31"}, "date_of_birth"),
        ({"legal_name": "Sam", "date_of_birth": "1980-02-30"}, "date_of_birth"),
    ],
)
def test_bad_details_are_a_400_and_store_nothing(client, signed_in, practice, member, data,
                                                 field):  # fmt: skip
    with time_machine.travel(AFTER, tick=False):
        signed_in(member)
        response = client.post(reverse("records:superbill"), data)
    assert response.status_code == 400
    assert field in response.context["details_form"].errors
    assert not ClaimDetails.objects.exists()


@pytest.mark.parametrize(
    "query, field",
    [
        ({"since": "2026-11-01", "until": "2026-11-21"}, "until"),  # tomorrow, in Los Angeles
        ({"since": "2026-11-10", "until": "2026-11-01"}, "until"),
        ({"since": "1999-12-31", "until": "2026-11-19"}, "since"),
        ({"since": "not a day", "until": "2026-11-19"}, "since"),
        ({"until": "2026-11-19"}, "since"),
    ],
)
def test_a_bad_range_is_a_400_and_issues_nothing(client, signed_in, practice, history, member,
                                                 query, field):  # fmt: skip
    with time_machine.travel(AFTER, tick=False):
        signed_in(member)
        response = client.get(reverse("records:superbill_print"), query)
    assert response.status_code == 400
    assert field in response.context["range_form"].errors
    assert not AuditEvent.objects.filter(action=Action.SUPERBILL_GENERATED).exists()


def test_a_code_the_practice_did_not_configure_is_refused(cohort, lead, member):
    with pytest.raises(DiagnosisError):
        diagnosis_enter(client=member, code="Z99.99", by=lead, now=AFTER)


def test_a_receipt_is_the_clients_own(client, signed_in, practice, history, member, other):
    mine = Payment.objects.filter(account__enrollment__client=member).first()
    theirs = Payment.objects.get(account__enrollment__client=other)
    with time_machine.travel(AFTER, tick=False):
        signed_in(member)
        response = client.get(reverse("records:receipt", args=[mine.pk]))
        before = audit_denials_counted()
        assert client.get(reverse("records:receipt", args=[theirs.pk])).status_code == 404
        assert client.post(reverse("records:receipt", args=[theirs.pk])).status_code == 404
    assert audit_denials_counted() == before + 2
    page = response.content.decode()
    assert response.status_code == 200
    assert "Samuel Rivera" in page and "$1050.00 USD" in page and "October 5, 2026" in page
    assert AuditEvent.objects.filter(action=Action.RECEIPT_VIEWED, target_id=str(mine.pk)).exists()


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.BILLING, Role.ADMIN])
def test_staff_reach_no_superbill_and_no_receipt(client, signed_in, practice, history, member,
                                                 role):  # fmt: skip
    payment = Payment.objects.filter(account__enrollment__client=member).first()
    signed_in(UserFactory(role=role))
    for url in (reverse("records:superbill"), reverse("records:receipt", args=[payment.pk])):
        assert client.get(url).status_code == 404


def test_the_superbill_costs_the_same_for_a_short_and_a_long_history(
    client, signed_in, practice, history, member, lead, django_assert_max_num_queries
):
    query = {"since": "2026-10-01", "until": "2026-11-19"}
    with time_machine.travel(AFTER, tick=False):
        signed_in(member)
        client.get(reverse("records:superbill"))
        with django_assert_max_num_queries(12):
            assert client.get(reverse("records:superbill_print"), query).status_code == 200
        with django_assert_max_num_queries(8):
            assert client.get(reverse("records:superbill")).status_code == 200
    # Many more sessions attended: the same number of queries.
    for occurrence in history.occurrences.filter(local_date__lt=date(2026, 10, 13)):
        attendance_record(occurrence=occurrence, marks=[Mark(member.pk, "present")], by=lead,
                          now=AFTER)  # fmt: skip
    with time_machine.travel(AFTER, tick=False), django_assert_max_num_queries(12):
        assert client.get(reverse("records:superbill_print"), query).status_code == 200
