"""The record's Measures section: each instrument's trend (chart and its table, with change since
baseline and reliable change), what is due, "not now" choices, and the care team's controls
(interval, ask now): audited, refused input stores nothing, and nobody outside the client's
care team reaches them."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from care.models import Supervision
from courses.services.enrollment import enrollment_create
from measures.models import MeasureSchedule
from measures.schedule import client_schedule
from measures.services import administration_submit, measure_skip
from tests.factories import UserFactory, make_track

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def enrolled(instruments, client_a):
    track = make_track(weeks=4, lessons_per_module=1, trauma_weeks=())
    enrollment_create(
        client=client_a, track=track, start_date=date(2026, 10, 26), now=NOW - timedelta(days=30)
    )
    return client_a


def record(client, person) -> str:
    return client.get(reverse("care:client_detail", args=[person.pk])).content.decode()


def phq9(value: int) -> dict[int, int]:
    return {n: value for n in range(1, 9)} | {9: 0}


def test_the_trend_shows_bands_change_and_reliable_change(
    client, enrolled, clinician, instruments, signed_in
):
    for days, value in ((28, 1), (14, 2), (1, 3)):
        administration_submit(
            client=enrolled, instrument=instruments["phq9"], answers=phq9(value),
            now=NOW - timedelta(days=days),
        )  # fmt: skip
    measure_skip(client=enrolled, instrument=instruments["gad7"], now=NOW - timedelta(days=1))
    signed_in(clinician)
    html = record(client, enrolled)
    assert '<section class="record-section" id="measures"' in html
    assert "Latest Fri 20 Nov 2026" not in html  # answered yesterday, in the viewer's zone
    assert "<strong>24</strong>, severe; +16 since baseline" in html
    assert 'measure-change--worsened">worsened</span>' in html
    assert html.count('<circle class="trend__point"') == 3
    assert "PHQ-9 answers, newest first (the chart above, in words)" in html
    tight = re.sub(r">\s+<", "><", html)
    assert "<td>Moderately severe</td><td>+8</td><td>Worsened</td>" in tight
    assert '<td>8</td><td>Mild</td><td><span class="muted">Baseline</span></td>' in tight
    assert '"Not now": GAD-7' in html
    assert "GAD-7: &quot;not now&quot;, back" in html or 'GAD-7: "not now", back' in html


def test_a_clinician_sets_the_interval(client, enrolled, clinician, signed_in):
    signed_in(clinician)
    response = client.post(
        reverse("care:measures_interval", args=[enrolled.pk]), {"interval_days": "28"}
    )
    assert response.status_code == 302 and response.url.endswith("#measures")
    assert MeasureSchedule.objects.get(client=enrolled).interval_days == 28
    assert AuditEvent.objects.filter(action=Action.MEASURE_INTERVAL_SET, actor=clinician).exists()
    assert "Asked every 28 days (set for this client)" in record(client, enrolled)


@pytest.mark.parametrize("value", ["", "3", "100", "fortnight"])
def test_a_bad_interval_comes_back_with_its_message_and_nothing_stored(
    client, enrolled, clinician, signed_in, value
):
    signed_in(clinician)
    response = client.post(
        reverse("care:measures_interval", args=[enrolled.pk]), {"interval_days": value}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose how often to ask." in body or "Choose one of the intervals" in body
    assert not MeasureSchedule.objects.exists()


def test_asking_now_makes_everything_due(client, enrolled, clinician, instruments, signed_in):
    for key, items in (("phq9", 9), ("gad7", 7)):
        administration_submit(
            client=enrolled, instrument=instruments[key],
            answers={n: 0 for n in range(1, items + 1)}, now=NOW - timedelta(days=2),
        )  # fmt: skip
    assert client_schedule(client_id=enrolled.pk, now=NOW).due == []
    signed_in(clinician)
    response = client.post(reverse("care:measures_request", args=[enrolled.pk]))
    assert response.status_code == 302
    assert [m.key for m in client_schedule(client_id=enrolled.pk, now=NOW).due] == [
        "gad7",
        "phq9",
    ]
    assert "Due now:" in record(client, enrolled)


def test_asking_without_an_active_program_stores_nothing(
    client, client_a, clinician, instruments, signed_in
):
    signed_in(clinician)
    response = client.post(reverse("care:measures_request", args=[client_a.pk]), follow=True)
    assert "asked only during an active program" in response.content.decode()
    assert not MeasureSchedule.objects.exists()


@pytest.mark.parametrize("who", ["other_clinician", "client_a", "billing_user", "admin_user"])
def test_outsiders_get_404_for_every_method(client, enrolled, signed_in, request, who):
    signed_in(request.getfixturevalue(who))
    for name in ("care:measures_interval", "care:measures_request"):
        url = reverse(name, args=[enrolled.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"interval_days": "28"}).status_code == 404
    assert not MeasureSchedule.objects.exists()


def test_the_care_team_gets_405_for_a_get(client, enrolled, clinician, signed_in):
    signed_in(clinician)
    assert client.get(reverse("care:measures_interval", args=[enrolled.pk])).status_code == 405


def test_a_supervisor_of_the_clinician_reaches_the_controls(client, enrolled, clinician, signed_in):
    supervisor = UserFactory(role=Role.SUPERVISOR)
    Supervision.objects.create(supervisor=supervisor, clinician=clinician)
    signed_in(supervisor)
    response = client.post(
        reverse("care:measures_interval", args=[enrolled.pk]), {"interval_days": "21"}
    )
    assert response.status_code == 302
