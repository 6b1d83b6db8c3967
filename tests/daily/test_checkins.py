"""The Kitchen Table check-in (decision 0016): one row per client and local day, the morning and
the evening saved apart or together; the day rules of daily/days.py (a local day, late fills
marked, editing closed after the next day); anchors copied from the DSAP; an unsafe answer
raising one care risk flag with its urgent alert; a lapse recorded and never taking a day held
away; refused input storing nothing; audited without words."""

from datetime import UTC, date, datetime, timedelta

import pytest

from audit.models import AuditEvent
from care.models import RiskFlag
from core.events import subscribers
from daily.days import local_today
from daily.events import CheckinUnsafe
from daily.models import Checkin, Lapse
from daily.selectors.days import current_run, days_held
from daily.services.checkins import CheckinError, checkin_save
from daily.services.plan import dsap_save
from notifications.models import Kind, Notification

NY = "America/New_York"
# Wednesday 25 November 2026, 10:00 in New York.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
DAY = date(2026, 11, 25)
CANARY = "CANARY-ci-4d2 walked with Sam"

pytestmark = pytest.mark.django_db


@pytest.fixture
def ny(client_a):
    client_a.timezone = NY
    client_a.save(update_fields=["timezone"])
    return client_a


def evening(**fields):
    values = {"mood": 6, "urge": 3, "loudest_part": "witness", "bottom_lines": "held",
              "helped": "A walk", "safe": "yes", "anchors_done": []}  # fmt: skip
    values.update(fields)
    return values


def test_the_morning_and_the_evening_are_saved_apart_into_one_row(ny):
    first = checkin_save(client=ny, day=DAY, now=NOW, intention="  Be kind to myself ")
    later = NOW + timedelta(hours=10)
    second = checkin_save(client=ny, day=DAY, now=later, evening=evening())
    checkin = Checkin.objects.get()
    assert first.created and not second.created
    assert (checkin.intention, checkin.morning_at, checkin.evening_at) == (
        "Be kind to myself", NOW, later,
    )  # fmt: skip
    assert (checkin.mood, checkin.urge, checkin.loudest_part) == (6, 3, "witness")
    assert (checkin.bottom_lines, checkin.helped, checkin.safe) == ("held", "A walk", "yes")
    assert (checkin.late, checkin.created_at, checkin.updated_at) == (False, NOW, later)


def test_the_morning_and_the_evening_can_be_saved_together(ny):
    result = checkin_save(client=ny, day=DAY, now=NOW, intention="Rest", evening=evening())
    assert result.created
    assert (result.checkin.intention, result.checkin.mood) == ("Rest", 6)


def test_a_day_is_the_clients_local_day_across_the_night_the_clocks_go_back(ny):
    # 1 November 2026: New York goes from EDT (UTC-4) to EST (UTC-5) at 2:00.
    cases = [
        (datetime(2026, 11, 1, 3, 30, tzinfo=UTC), date(2026, 10, 31)),  # Sat 23:30 EDT
        (datetime(2026, 11, 1, 4, 30, tzinfo=UTC), date(2026, 11, 1)),  # Sun 00:30 EDT
        (datetime(2026, 11, 2, 4, 30, tzinfo=UTC), date(2026, 11, 1)),  # Sun 23:30 EST
        (datetime(2026, 11, 2, 5, 30, tzinfo=UTC), date(2026, 11, 2)),  # Mon 00:30 EST
    ]
    for at, expected in cases:
        day = local_today(now=at, tz=ny.timezone)
        assert day == expected, at
        result = checkin_save(client=ny, day=day, now=at, intention=f"at {at:%H:%M}")
        assert (result.checkin.day, result.checkin.late) == (expected, False)
    assert Checkin.objects.count() == 3
    # Saturday's row, first written at 23:30, is not late; at 00:30 it is still editable.
    saturday = Checkin.objects.get(day=date(2026, 10, 31))
    assert saturday.created_at == datetime(2026, 11, 1, 3, 30, tzinfo=UTC)


def test_a_missed_day_written_after_it_ended_is_marked_late(ny):
    at_half_past_midnight = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)  # Sunday 00:30 local
    result = checkin_save(
        client=ny, day=date(2026, 10, 31), now=at_half_past_midnight, evening=evening()
    )
    assert result.checkin.late
    three_days_on = NOW + timedelta(days=3)
    assert checkin_save(client=ny, day=DAY, now=three_days_on, intention="x").checkin.late


def test_a_day_can_be_changed_until_the_end_of_the_next_day_then_it_is_closed(ny):
    checkin_save(client=ny, day=DAY, now=NOW, intention="One")
    end_of_next_day = datetime(2026, 11, 27, 4, 59, tzinfo=UTC)  # Thursday 23:59 local
    checkin_save(client=ny, day=DAY, now=end_of_next_day, intention="Two")
    with pytest.raises(CheckinError) as caught:
        checkin_save(
            client=ny, day=DAY, now=end_of_next_day + timedelta(minutes=2), intention="Three"
        )
    assert "closed" in caught.value.errors["__all__"]
    assert Checkin.objects.get().intention == "Two"


def test_a_late_fill_stays_open_until_the_end_of_the_day_it_was_written(ny):
    written = NOW + timedelta(days=4)  # Sunday 29th, 10:00 local
    checkin_save(client=ny, day=DAY, now=written, intention="Late")
    checkin_save(client=ny, day=DAY, now=written + timedelta(hours=13), intention="Later")
    with pytest.raises(CheckinError):
        checkin_save(client=ny, day=DAY, now=written + timedelta(hours=15), intention="No")


def test_a_day_too_long_ago_or_not_yet_come_cannot_be_filled(ny):
    for day in (DAY - timedelta(days=8), DAY + timedelta(days=1)):
        with pytest.raises(CheckinError):
            checkin_save(client=ny, day=day, now=NOW, intention="x")
    checkin_save(client=ny, day=DAY - timedelta(days=7), now=NOW, intention="ok")
    assert Checkin.objects.count() == 1


def test_the_anchors_offered_are_copied_from_the_plan_on_the_first_evening(ny):
    dsap_save(client=ny, sections={"anchors": "Walk\nCall Sam\nRead"}, now=NOW)
    checkin_save(client=ny, day=DAY, now=NOW, evening=evening(anchors_done=["Read", "Walk"]))
    dsap_save(client=ny, sections={"anchors": "Swim"}, now=NOW + timedelta(hours=1))
    checkin_save(
        client=ny, day=DAY, now=NOW + timedelta(hours=2), evening=evening(anchors_done=["Walk"])
    )
    checkin = Checkin.objects.get()
    assert checkin.anchors_offered == ["Walk", "Call Sam", "Read"]
    assert checkin.anchors_done == ["Walk"]
    with pytest.raises(CheckinError) as caught:
        checkin_save(
            client=ny, day=DAY, now=NOW + timedelta(hours=3), evening=evening(anchors_done=["Swim"])
        )
    assert "anchors_done" in caught.value.errors


def test_without_a_plan_the_evening_works_with_no_anchors(ny):
    result = checkin_save(client=ny, day=DAY, now=NOW, evening=evening())
    assert result.checkin.anchors_offered == [] and result.checkin.mood == 6


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"mood": 11}, "mood"),
        ({"urge": -1}, "urge"),
        ({"mood": "5"}, "mood"),
        ({"loudest_part": "inner_critic"}, "loudest_part"),
        ({"bottom_lines": "mostly"}, "bottom_lines"),
        ({"safe": "maybe"}, "safe"),
        ({"anchors_done": ["Not offered"]}, "anchors_done"),
        ({"helped": "walk\x00"}, "helped"),
        ({"helped": "x" * 301}, "helped"),
    ],
)
def test_bad_evening_input_is_refused_with_a_clear_error_and_nothing_is_stored(ny, fields, key):
    with pytest.raises(CheckinError) as caught:
        checkin_save(client=ny, day=DAY, now=NOW, intention="Kept?", evening=evening(**fields))
    assert key in caught.value.errors and caught.value.errors[key]
    assert not Checkin.objects.exists()
    assert not AuditEvent.objects.filter(action="daily.checkin_saved").exists()


def test_a_bad_intention_is_refused_and_an_empty_save_has_nothing_to_save(ny):
    for intention in ("ok\x00", "y" * 301):
        with pytest.raises(CheckinError) as caught:
            checkin_save(client=ny, day=DAY, now=NOW, intention=intention)
        assert "intention" in caught.value.errors
    with pytest.raises(CheckinError):
        checkin_save(client=ny, day=DAY, now=NOW)
    assert not Checkin.objects.exists()


def test_only_a_client_has_a_check_in(clinician):
    with pytest.raises(CheckinError):
        checkin_save(client=clinician, day=DAY, now=NOW, intention="x")


def test_a_save_is_audited_with_ids_and_parts_never_the_words(ny):
    result = checkin_save(client=ny, day=DAY, now=NOW, intention=CANARY)
    event = AuditEvent.objects.get(action="daily.checkin_saved")
    assert (event.actor, event.subject, event.target_id) == (ny, ny, str(result.checkin.pk))
    assert event.metadata == {"created": True, "morning": True, "evening": False, "late": False}
    assert "CANARY" not in str(AuditEvent.objects.values())


# --- safety ---------------------------------------------------------------------------------


def test_care_listens_for_an_unsafe_check_in():
    from care.services import risk_flag_from_checkin

    assert risk_flag_from_checkin in subscribers(CheckinUnsafe)


def test_not_safe_tonight_raises_exactly_one_flag_with_an_urgent_alert(ny, clinician):
    result = checkin_save(client=ny, day=DAY, now=NOW, evening=evening(safe="no"))
    assert result.became_unsafe
    again = checkin_save(
        client=ny, day=DAY, now=NOW + timedelta(minutes=5), evening=evening(safe="no")
    )
    assert not again.became_unsafe
    flag = RiskFlag.objects.get()
    assert (flag.client, flag.source, flag.source_ref, flag.raised_at) == (
        ny, RiskFlag.Source.CHECKIN, f"checkin:{result.checkin.pk}", NOW,
    )  # fmt: skip
    alerts = Notification.objects.filter(kind=Kind.RISK_ALERT)
    assert [n.user for n in alerts.filter(dedupe_key__startswith="risk_alert:")] == [clinician]


def test_changing_the_answer_back_and_forth_keeps_one_open_flag_per_check_in(ny, clinician):
    checkin_save(client=ny, day=DAY, now=NOW, evening=evening(safe="no"))
    checkin_save(client=ny, day=DAY, now=NOW + timedelta(minutes=1), evening=evening(safe="yes"))
    third = checkin_save(
        client=ny, day=DAY, now=NOW + timedelta(minutes=2), evening=evening(safe="no")
    )
    assert third.became_unsafe  # announced again; care keeps the flag already open
    assert RiskFlag.objects.count() == 1


def test_a_safe_evening_raises_no_flag(ny, clinician):
    result = checkin_save(client=ny, day=DAY, now=NOW, evening=evening(safe="yes"))
    assert not result.became_unsafe
    assert not RiskFlag.objects.exists()


def test_an_unsafe_answer_on_a_refused_save_raises_nothing(ny, clinician):
    with pytest.raises(CheckinError):
        checkin_save(client=ny, day=DAY, now=NOW, evening=evening(safe="no", mood=12))
    assert not RiskFlag.objects.exists() and not Notification.objects.exists()


# --- days held and lapses ---------------------------------------------------------------------


def test_a_lapse_is_recorded_once_from_its_check_in(ny):
    first = checkin_save(client=ny, day=DAY, now=NOW, evening=evening(bottom_lines="lapsed"))
    assert first.lapse is not None and first.became_lapsed
    assert (first.lapse.day, first.lapse.checkin) == (DAY, first.checkin)
    again = checkin_save(
        client=ny, day=DAY, now=NOW + timedelta(hours=1), evening=evening(bottom_lines="lapsed")
    )
    assert again.lapse == first.lapse and not again.became_lapsed
    assert Lapse.objects.count() == 1


def test_a_lapse_never_takes_a_day_held_away(ny):
    start = NOW - timedelta(days=3)
    for n in range(3):
        checkin_save(client=ny, day=DAY - timedelta(days=3 - n), now=start + timedelta(days=n),
                     evening=evening())  # fmt: skip
    assert days_held(client=ny) == 3
    assert current_run(client=ny, now=NOW) == 3  # today is still open
    checkin_save(client=ny, day=DAY, now=NOW, evening=evening(bottom_lines="lapsed"))
    assert days_held(client=ny) == 3
    assert current_run(client=ny, now=NOW) == 0
    tomorrow = NOW + timedelta(days=1)
    checkin_save(client=ny, day=DAY + timedelta(days=1), now=tomorrow, evening=evening())
    assert (days_held(client=ny), current_run(client=ny, now=tomorrow)) == (4, 1)


def test_the_current_stretch_ends_today_or_yesterday(ny):
    for n in (5, 4, 2, 1):
        day = DAY - timedelta(days=n)
        checkin_save(client=ny, day=day, now=NOW - timedelta(days=n), evening=evening())
    assert current_run(client=ny, now=NOW) == 2  # yesterday and the day before; a gap before
    assert current_run(client=ny, now=NOW + timedelta(days=1)) == 0  # yesterday not held
    assert days_held(client=ny) == 4
