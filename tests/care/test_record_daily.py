"""The record's Daily section: the client's trends, their current DSAP with its version, and
their lapses with each chain analysis, for the care team only, in two queries whatever the
history."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care.selectors.record_daily import LAPSES_SHOWN, daily_section
from daily.models import BottomLines, PartsEntry

from ..daily.test_trends import history
from ..factories import CheckinFactory, DsapFactory, LapseFactory, UserFactory
from .record_history import NOW

TODAY = NOW.date()  # in New York too at NOW (15:00 UTC)
SECRET_SITUATION = "Alone after the <late> shift & tired"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def url_for(person) -> str:
    return reverse("care:client_detail", args=[person.pk])


@pytest.fixture
def lapsed(client_a):
    """Alex: a DSAP in two versions, a week of check-ins and a lapse with its chain analysis."""
    DsapFactory(client=client_a, version=1, bottom_lines="Old lines")
    DsapFactory(client=client_a, version=2, bottom_lines="No scrolling in bed")
    for back in range(7):
        CheckinFactory(
            client=client_a,
            day=TODAY - timedelta(days=back),
            bottom_lines=BottomLines.LAPSED if back == 2 else BottomLines.HELD,
        )
    LapseFactory(client=client_a, day=TODAY - timedelta(days=2), situation=SECRET_SITUATION)
    return client_a


def test_the_care_team_reads_the_plan_the_trends_and_each_chain_analysis(
    client, lapsed, clinician, signed_in
):
    signed_in(clinician)
    response = client.get(url_for(lapsed))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="daily"' in html and 'href="#daily"' in html
    assert "Version 2, in the client's words." in html and "No scrolling in bed" in html
    assert "Old lines" not in html
    assert "Evening check-ins on 7 of 84 days" in html
    assert "6 days in all with bottom lines held" in html
    assert "Alone after the &lt;late&gt; shift &amp; tired" in html  # escaped
    for label in ("What was happening", "In the body", "The thought", "Which part"):
        assert label in html
    assert "Teenager" in html and "Escape" in html and "Text a friend" in html
    assert "1 recorded in these 12 weeks." in html


@pytest.mark.parametrize("outsider", ["client_b", "other_clinician", "billing_user", "admin_user"])
def test_no_one_outside_the_care_team_sees_the_lapses(
    outsider, request, client, lapsed, clinician, signed_in
):
    signed_in(request.getfixturevalue(outsider))
    response = client.get(url_for(lapsed))
    assert response.status_code == 404
    assert "late" not in response.content.decode().lower()


def test_a_client_with_nothing_daily_gets_calm_empty_states(client, client_a, clinician, signed_in):
    signed_in(clinician)
    html = client.get(url_for(client_a)).content.decode()
    assert "No plan written yet." in html
    assert "No lapses recorded." in html
    assert "No check-ins, urges or practices in these weeks." in html
    assert "<svg" not in html


def test_an_empty_chain_analysis_says_so(client_a, clinician):
    LapseFactory(
        client=client_a, situation="", body="", thought="", part="", stage="", needed="",
        next_time="", completed_at=None,
    )  # fmt: skip
    section = daily_section(client=client_a, enrollment=None, viewer=clinician, now=NOW)
    (lapse,) = section["lapses"]
    assert lapse.answered == [] and not lapse.from_checkin


def test_only_the_newest_lapses_are_listed_newest_first(client_a, clinician):
    for back in range(LAPSES_SHOWN + 3):
        LapseFactory(client=client_a, day=TODAY - timedelta(days=back), situation=f"day {back}")
    section = daily_section(client=client_a, enrollment=None, viewer=clinician, now=NOW)
    lapses = section["lapses"]
    assert len(lapses) == LAPSES_SHOWN
    assert [lapse.steps[0].answer for lapse in lapses[:2]] == ["day 0", "day 1"]


def test_the_section_makes_two_queries_with_no_history_and_with_180_days(client_a, clinician):
    counts = []
    for days in (0, 180):
        history(client_a, days)
        if days:
            DsapFactory(client=client_a, version=1)
        with CaptureQueriesContext(connection) as queries:
            section = daily_section(client=client_a, enrollment=None, viewer=clinician, now=NOW)
        counts.append(len(queries.captured_queries))
    assert counts == [2, 2]
    assert section["trends"].reviewed == 84 and len(section["lapses"]) == LAPSES_SHOWN


def test_another_clients_daily_rows_never_reach_the_section(client_a, clinician):
    other = UserFactory()
    history(other, 30)
    DsapFactory(client=other, version=1)
    section = daily_section(client=client_a, enrollment=None, viewer=clinician, now=NOW)
    assert section["plan"] is None and section["lapses"] == []
    assert section["trends"].reviewed == 0


def test_the_parts_journal_stays_the_clients_own(client, lapsed, clinician, signed_in):
    """The journal page tells the client their entries are not in the record: so they are not."""
    PartsEntry.objects.create(
        client=lapsed, at=NOW, day=TODAY, parts=["witness"], text="A private journal line"
    )
    signed_in(clinician)
    html = client.get(url_for(lapsed)).content.decode()
    assert "A private journal line" not in html
    signed_in(lapsed)
    journal = client.get(reverse("daily:parts")).content.decode()
    assert "A private journal line" in journal
    assert "they are not shown in your care team's record" in journal
