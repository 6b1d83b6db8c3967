"""The demo client's three weeks of daily structure (ehab/demo_daily.py): enough for the trends
page and the record's Daily section to show something real, written once."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import User
from daily.models import Checkin, Dsap, Lapse
from daily.selectors.trends import client_trends

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("now", [NOW, datetime(2027, 3, 14, 6, 59, tzinfo=UTC)])
def test_the_demo_client_has_three_weeks_of_check_ins_a_lapse_and_a_plan(db, now):
    with time_machine.travel(now, tick=False):
        call_command("seed_demo", stdout=None)
        call_command("seed_demo", stdout=None)  # twice: nothing more
    sam = User.objects.get(email="client@example.com")
    trends = client_trends(client=sam, now=now, weeks=4)
    assert Checkin.objects.filter(client=sam).count() == 21 - 3
    assert trends.reviewed == 18 and trends.held_total == 17
    assert trends.lapses == 1 and trends.urges == 5
    assert {p.practice for p in trends.practices} >= {"breathing", "grounding"}
    assert all(p.after < p.before for p in trends.practices)
    assert sum(part.count for part in trends.parts) == 18
    lapse = Lapse.objects.get(client=sam)
    assert lapse.checkin is not None and lapse.next_time and lapse.completed_at
    assert list(Dsap.objects.filter(client=sam).values_list("version", flat=True)) == [2, 1]
    assert Checkin.objects.filter(client=sam, late=True).count() == 1
