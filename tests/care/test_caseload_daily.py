"""The caseload's Check-ins column: each client's last 14 local days (evening check-ins and
lapses), counted in the figures' one read, ranked a little higher after a recent lapse; the
counts' hand-written SQL against its ORM twin."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db.models import Count, Q
from django.urls import reverse

from accounts.roles import Role
from care.queries.caseload import caseload_figures
from care.selectors.caseload import (
    DAILY_DAYS,
    POINTS_LAPSES,
    caseload_rows,
    daily_windows,
)
from daily.models import Checkin, Lapse
from tests.factories import CareAssignmentFactory, CheckinFactory, LapseFactory, UserFactory

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Nov 25 in New York; Nov 26 in Kiritimati
TODAY = date(2026, 11, 25)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician():
    return UserFactory(role=Role.CLINICIAN, timezone="America/New_York")


def assigned(clinician, name, *, zone="America/New_York"):
    person = UserFactory(role=Role.CLIENT, preferred_name=name, timezone=zone)
    CareAssignmentFactory(clinician=clinician, client=person)
    return person


def row_of(clinician, person):
    return next(
        r for r in caseload_rows(viewer=clinician, now=NOW).rows if r.client.pk == person.pk
    )


def test_the_row_counts_evening_check_ins_and_lapses_of_the_last_14_days(clinician):
    alex = assigned(clinician, "Alex")
    for back in range(20):
        CheckinFactory(client=alex, day=TODAY - timedelta(days=back))
    CheckinFactory(client=alex, day=TODAY - timedelta(days=25), evening_at=None)
    Checkin.objects.filter(client=alex, day=TODAY - timedelta(days=1)).update(evening_at=None)
    LapseFactory(client=alex, day=TODAY - timedelta(days=2))
    LapseFactory(client=alex, day=TODAY - timedelta(days=13))  # the window's first day
    LapseFactory(client=alex, day=TODAY - timedelta(days=14))  # the day before it
    counts = row_of(clinician, alex).checkins
    assert (counts.checkins, counts.days, counts.lapses) == (13, DAILY_DAYS, 2)


def test_a_client_in_a_far_zone_is_counted_in_their_own_days(clinician):
    far = assigned(clinician, "Far", zone="Pacific/Kiritimati")  # already Nov 26 there
    near = assigned(clinician, "Near", zone="America/New_York")
    for person in (far, near):
        CheckinFactory(client=person, day=date(2026, 11, 26))  # tomorrow for Near
        CheckinFactory(client=person, day=date(2026, 11, 12))  # Near's first day, not Far's
        LapseFactory(client=person, day=date(2026, 11, 12))
    assert row_of(clinician, far).checkins.checkins == 1
    assert row_of(clinician, far).checkins.lapses == 0
    assert row_of(clinician, near).checkins.checkins == 1
    assert row_of(clinician, near).checkins.lapses == 1


def test_each_zones_window_is_read_once():
    windows, pick = daily_windows(
        now=NOW, zones={"America/New_York", "America/Chicago", "Pacific/Kiritimati"}
    )
    assert windows == [
        (TODAY - timedelta(days=13), TODAY),
        (date(2026, 11, 13), date(2026, 11, 26)),
    ]
    assert pick == {"America/Chicago": 0, "America/New_York": 0, "Pacific/Kiritimati": 1}


def test_a_recent_lapse_ranks_a_client_higher_with_a_neutral_reason(clinician):
    alex, blake = assigned(clinician, "Alex"), assigned(clinician, "Blake")
    LapseFactory(client=blake, day=TODAY - timedelta(days=1))
    LapseFactory(client=alex, day=TODAY - timedelta(days=20))  # too long ago to count
    rows = caseload_rows(viewer=clinician, now=NOW).rows
    assert [row.client.pk for row in rows] == [blake.pk, alex.pk]
    (reason,) = rows[0].reasons
    assert (reason.key, reason.label, reason.points) == ("lapses", "1 lapse in 14 days", 3)
    assert POINTS_LAPSES == 3 and rows[1].reasons == []


def test_the_page_shows_the_counts_in_plain_words(client, clinician, signed_in):
    alex = assigned(clinician, "Alex")
    for back in range(9):
        CheckinFactory(client=alex, day=TODAY - timedelta(days=back))
    LapseFactory(client=alex, day=TODAY)
    LapseFactory(client=alex, day=TODAY - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):  # signed in at NOW: a session is dated
        signed_in(clinician)
        page = client.get(reverse("care:caseload")).content.decode()
    assert '9 of 14 days<br><span class="muted">2 lapses</span>' in page
    assert "2 lapses in 14 days" in page


def orm_daily_twin(client_ids, windows):
    """The same counts through the ORM: per client and window, evening check-ins and lapses."""
    found = {}
    for client_id in client_ids:
        checkins = Checkin.objects.filter(client_id=client_id).aggregate(
            **{
                f"k{i}": Count("pk", filter=Q(day__range=w, evening_at__isnull=False))
                for i, w in enumerate(windows)
            }
        )
        lapses = Lapse.objects.filter(client_id=client_id).aggregate(
            **{f"l{i}": Count("pk", filter=Q(day__range=w)) for i, w in enumerate(windows)}
        )
        found[client_id] = (
            tuple(checkins[f"k{i}"] for i in range(len(windows))),
            tuple(lapses[f"l{i}"] for i in range(len(windows))),
        )
    return found


def test_the_daily_counts_match_their_orm_twin(django_assert_num_queries):
    people = [UserFactory(role=Role.CLIENT) for _ in range(4)]
    busy, quiet, lapsed, nothing = people
    for back in range(40):
        CheckinFactory(
            client=busy, day=TODAY - timedelta(days=back), evening_at=None if back % 4 else NOW
        )
        if back % 6 == 0:
            LapseFactory(client=busy, day=TODAY - timedelta(days=back))
    CheckinFactory(client=quiet, day=TODAY + timedelta(days=1))
    for back in (0, 0, 5, 13, 14, 15):
        LapseFactory(client=lapsed, day=TODAY - timedelta(days=back))
    windows = [
        (TODAY - timedelta(days=14), TODAY - timedelta(days=1)),
        (TODAY - timedelta(days=13), TODAY),
        (TODAY - timedelta(days=12), TODAY + timedelta(days=1)),
    ]
    ids = sorted(person.pk for person in people)
    with django_assert_num_queries(1):
        figures = caseload_figures(client_ids=ids, windows=windows)
    found = {client_id: (f.checkins, f.lapses) for client_id, f in figures.items()}
    assert found == orm_daily_twin(ids, windows)
    assert found[nothing.pk] == ((0, 0, 0), (0, 0, 0))
    assert found[lapsed.pk][1] == (3, 4, 3)
    assert caseload_figures(client_ids=ids)[busy.pk].checkins == ()  # no window asked
