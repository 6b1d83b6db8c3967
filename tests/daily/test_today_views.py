"""The check-in pages (/me/today/, /me/today/<day>/) and the home's "Today" card: the client's
own, whatever their billing or enrollment; staff get 404 with a denied audit row; one client
never sees another's. A refused form comes back (400) with what was typed; an unsafe answer
leads to help; a lapse leads to its chain analysis, gently; the pages cost the same with no
history and with half a year of it; and the words stay free of streak-and-reset shaming."""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from audit.models import Action, AuditEvent, Outcome
from care.models import RiskFlag
from courses.reminders import checkin_items
from daily.home import daily_home_panel
from daily.models import Checkin, Lapse
from daily.services.checkins import checkin_save
from daily.services.plan import dsap_save
from notifications.models import DeliverySettings, Kind
from tests.factories import EnrollmentFactory, make_track

NY = "America/New_York"
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
DAY = date(2026, 11, 25)
TODAY = "daily:today"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "daily"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ny(client_a):
    client_a.timezone = NY
    client_a.save(update_fields=["timezone"])
    return client_a


def day_url(day):
    return reverse("daily:checkin_day", kwargs={"day": day})


def evening_form(**fields):
    values = {"part": "evening", "mood": "6", "urge": "2", "loudest_part": "loving_parent",
              "bottom_lines": "held", "helped": "A walk", "safe": "yes"}  # fmt: skip
    values.update(fields)
    return values


def test_a_client_without_a_plan_gets_the_check_in_and_an_invitation_to_write_one(
    client, ny, signed_in
):
    signed_in(ny)
    page = client.get(reverse(TODAY)).content.decode()
    assert "Today's check-in" in page
    assert reverse("daily:plan") in page
    assert "Are you safe tonight?" in page
    assert page.count('class="daily-mark ') == 7
    assert 'name="anchors_done"' not in page


def test_the_morning_then_the_evening_are_saved_and_the_page_says_so(client, ny, signed_in):
    dsap_save(client=ny, sections={"anchors": "Walk\nCall Sam"}, now=NOW)
    signed_in(ny)
    page = client.get(reverse(TODAY)).content.decode()
    assert "Walk" in page and "Call Sam" in page
    response = client.post(reverse(TODAY), {"part": "morning", "intention": "Go gently"})
    assert response.status_code == 302 and response.url == reverse(TODAY)
    response = client.post(reverse(TODAY), evening_form(anchors_done=["Call Sam"]), follow=True)
    page = response.content.decode()
    assert "Saved. You can change it until the end of tomorrow." in page
    checkin = Checkin.objects.get(client=ny)
    assert (checkin.day, checkin.intention, checkin.anchors_done) == (
        DAY,
        "Go gently",
        ["Call Sam"],
    )
    assert (checkin.mood, checkin.bottom_lines, checkin.safe) == (6, "held", "yes")
    assert "Every day you held counts. This stretch: 1 day." in page
    assert "Go gently" in page  # the form shows what was saved


def test_a_refused_evening_keeps_what_was_typed_and_stores_nothing(client, ny, signed_in):
    dsap_save(client=ny, sections={"anchors": "Walk"}, now=NOW)
    signed_in(ny)
    for bad in ({"mood": "11"}, {"loudest_part": "boss"}, {"anchors_done": ["Run"]},
                {"helped": "tea\x00"}, {"helped": "x" * 301}):  # fmt: skip
        response = client.post(reverse(TODAY), evening_form(helped="My brother called", **bad)
                               if "helped" not in bad else evening_form(**bad))  # fmt: skip
        assert response.status_code == 400, bad
        page = response.content.decode()
        assert "Your evening is not saved yet" in page
        if "helped" not in bad:
            assert 'value="My brother called"' in page
    assert not Checkin.objects.exists()


def test_a_form_without_its_part_is_refused(client, ny, signed_in):
    signed_in(ny)
    response = client.post(reverse(TODAY), {"intention": "x"})
    assert response.status_code == 400
    assert not Checkin.objects.exists()


def test_not_safe_tonight_leads_to_help_and_raises_one_flag(client, ny, clinician, signed_in):
    signed_in(ny)
    response = client.post(reverse(TODAY), evening_form(safe="no"))
    assert response.status_code == 302 and response.url == reverse("risk:support")
    page = client.get(response.url).content.decode()
    assert "988" in page and reverse("safety_plan:page") in page
    flag = RiskFlag.objects.get()
    assert (flag.source, flag.client) == (RiskFlag.Source.CHECKIN, ny)
    page = client.get(reverse(TODAY)).content.decode()
    assert "You said you weren't safe tonight" in page
    assert reverse("risk:support") in page and reverse("safety_plan:page") in page


def test_a_lapse_leads_gently_to_its_chain_analysis_and_keeps_the_days_held(client, ny, signed_in):
    checkin_save(client=ny, day=DAY - timedelta(days=1), now=NOW - timedelta(days=1),
                 evening={"bottom_lines": "held"})  # fmt: skip
    signed_in(ny)
    response = client.post(reverse(TODAY), evening_form(bottom_lines="lapsed"))
    lapse = Lapse.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("daily:lapse", kwargs={"lapse_id": lapse.pk})
    page = client.get(reverse(TODAY)).content.decode()
    assert "not a verdict" in page  # the message, then the note on the page
    assert "1</strong> day held so far" in page
    # Saving the evening again goes back to the page, not the analysis once more.
    response = client.post(reverse(TODAY), evening_form(bottom_lines="lapsed", mood="4"))
    assert response.url == reverse(TODAY)


def test_yesterday_and_a_missed_day_can_be_filled_in_later_and_are_marked(client, ny, signed_in):
    signed_in(ny)
    missed = DAY - timedelta(days=3)
    page = client.get(reverse(TODAY)).content.decode()
    assert day_url(missed) in page and "Fill in" in page
    response = client.post(day_url(missed), evening_form())
    assert response.status_code == 302 and response.url == day_url(missed)
    assert Checkin.objects.get().late
    page = client.get(reverse(TODAY)).content.decode()
    assert "Held, filled in later" in page
    page = client.get(day_url(missed)).content.decode()
    assert "Filled in later" in page


def test_a_closed_day_is_shown_as_written_and_cannot_be_changed(client, ny, signed_in):
    old = DAY - timedelta(days=5)
    checkin_save(client=ny, day=old, now=NOW - timedelta(days=5), intention="Breathe")
    signed_in(ny)
    page = client.get(day_url(old)).content.decode()
    assert "closed" in page and "Breathe" in page and 'name="part"' not in page
    response = client.post(day_url(old), {"part": "morning", "intention": "Changed"})
    assert response.status_code == 400
    assert Checkin.objects.get().intention == "Breathe"


def test_a_day_that_has_not_come_yet_is_not_a_page(client, ny, signed_in):
    signed_in(ny)
    assert client.get(day_url(DAY + timedelta(days=1))).status_code == 404


def test_today_is_the_clients_local_day_on_the_night_the_clocks_go_back(client, ny, signed_in):
    signed_in(ny)
    sunday_night = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)  # Sun 1 Nov 23:30 EST
    with time_machine.travel(sunday_night, tick=False):
        client.post(reverse(TODAY), {"part": "morning", "intention": "Late one"})
    monday_early = datetime(2026, 11, 2, 5, 30, tzinfo=UTC)  # Mon 2 Nov 00:30 EST
    with time_machine.travel(monday_early, tick=False):
        client.post(reverse(TODAY), {"part": "morning", "intention": "Early one"})
    assert dict(Checkin.objects.values_list("day", "intention")) == {
        date(2026, 11, 1): "Late one",
        date(2026, 11, 2): "Early one",
    }


def test_wrong_methods_are_refused_after_the_door(client, ny, signed_in):
    signed_in(ny)
    assert client.put(reverse(TODAY)).status_code == 405
    assert client.delete(day_url(DAY)).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (reverse(TODAY), day_url(DAY)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("staff", ["clinician", "other_clinician", "billing_user", "admin_user"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_get_404_and_a_denied_row_and_nothing_is_stored(
    staff, method, request, client, ny, signed_in
):
    checkin_save(client=ny, day=DAY, now=NOW, intention="CANARY-today-31")
    user = request.getfixturevalue(staff)
    signed_in(user)
    for url in (reverse(TODAY), day_url(DAY)):
        response = getattr(client, method)(url, {"part": "morning", "intention": "x"})
        assert response.status_code == 404
        assert "CANARY" not in response.content.decode()
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user)
    assert denied.exists() and {d.outcome for d in denied} == {Outcome.DENIED}
    assert Checkin.objects.get().intention == "CANARY-today-31"


def test_one_clients_check_in_never_shows_to_another(client, ny, client_b, signed_in):
    checkin_save(client=ny, day=DAY, now=NOW, intention="CANARY-today-a")
    dsap_save(client=ny, sections={"anchors": "CANARY-anchor-a"}, now=NOW)
    signed_in(client_b)
    for url in (reverse(TODAY), day_url(DAY)):
        assert "CANARY" not in client.get(url).content.decode()
    client.post(reverse(TODAY), {"part": "morning", "intention": "B's own"})
    assert Checkin.objects.get(client=client_b).intention == "B's own"
    assert Checkin.objects.get(client=ny).intention == "CANARY-today-a"


# --- query budgets -------------------------------------------------------------------------


def _history(client, *, days: int) -> None:
    """`days` days of check-ins before today (every fifth a lapse), with plan versions."""
    for n in range(min(days, 12)):
        dsap_save(client=client, sections={"anchors": f"Walk\nRead {n}"}, now=NOW)
    rows = [
        Checkin(
            client=client, day=DAY - timedelta(days=n), intention="x", mood=5, urge=2,
            bottom_lines="lapsed" if n % 5 == 0 else "held", anchors_offered=["Walk"],
            anchors_done=["Walk"], morning_at=NOW, evening_at=NOW,
            created_at=NOW - timedelta(days=n), updated_at=NOW - timedelta(days=n),
        )
        for n in range(1, days + 1)
    ]  # fmt: skip
    created = Checkin.objects.bulk_create(rows)
    Lapse.objects.bulk_create(
        Lapse(client=client, day=c.day, checkin=c, created_at=NOW, updated_at=NOW)
        for c in created
        if c.bottom_lines == "lapsed"
    )


@pytest.mark.parametrize("days", [0, 180])
def test_the_check_in_pages_cost_the_same_with_no_history_and_half_a_year(
    days, client, ny, signed_in, django_assert_max_num_queries
):
    _history(ny, days=days)
    signed_in(ny)
    client.get(reverse(TODAY))  # warm the session
    # Session and user; the week's check-ins; the plan; days held; the stretch; (a day before
    # the week: its check-in; a lapsed day: its lapse).
    for url in (reverse(TODAY), day_url(DAY - timedelta(days=1)), day_url(DAY - 7 * timedelta(1))):
        with django_assert_max_num_queries(7):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(day_url(DAY - timedelta(days=5))).status_code == 200


# --- the home card -------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 180])
def test_the_home_card_costs_one_query_whatever_the_history(
    days, ny, django_assert_max_num_queries
):
    _history(ny, days=days)
    with django_assert_max_num_queries(1):
        panel = daily_home_panel(client=ny, now=NOW)
    assert panel.context == {"morning_done": False, "evening_done": False}
    checkin_save(client=ny, day=DAY, now=NOW, intention="x")
    with django_assert_max_num_queries(1):
        assert daily_home_panel(client=ny, now=NOW).context["morning_done"]
    checkin_save(client=ny, day=DAY, now=NOW, evening={"bottom_lines": "held"})
    with django_assert_max_num_queries(1):
        panel = daily_home_panel(client=ny, now=NOW)
    expected_held = 1 + sum(1 for n in range(1, days + 1) if n % 5)
    assert panel.context == {"morning_done": True, "evening_done": True,
                             "days_held": expected_held}  # fmt: skip


def test_the_home_shows_the_today_card_with_a_button_then_the_days_held(client, ny, signed_in):
    EnrollmentFactory(client=ny, track=make_track(weeks=1, trauma_weeks=()), start_date=DAY)
    signed_in(ny)
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert "Today's check-in" in page and f'href="{reverse(TODAY)}"' in page
    checkin_save(client=ny, day=DAY, now=NOW, evening={"bottom_lines": "held"})
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert "Days held so far: <strong>1</strong>" in page


# --- the reminder ----------------------------------------------------------------------------


def test_the_check_in_reminder_opens_the_check_in(ny):
    EnrollmentFactory(client=ny, track=make_track(weeks=1, trauma_weeks=()), start_date=DAY)
    DeliverySettings.objects.create(user=ny, reminder_time=time(10, 0))
    items = checkin_items(NOW)
    assert [(i.kind, i.link_target) for i in items] == [(Kind.CHECKIN_REMINDER, TODAY)]
    assert reverse(items[0].link_target) == "/me/today/"


# --- the words -----------------------------------------------------------------------------

# Streak-and-reset language turns one hard night into proof of failure (decision 0016).
SHAMING = re.compile(
    r"\b(?:streak|reset|start(?:ing)? over|back to (?:zero|day one|square one)|failed|failure"
    r"|relapse|clean|dirty|slip(?:ped)? up|broke|weak|should have|disappoint)",
    re.IGNORECASE,
)


def test_no_daily_page_uses_streak_or_reset_words():
    scanned = sorted(TEMPLATES.rglob("*.html"))
    assert {"today.html", "plan.html", "_held.html", "_week_marks.html"} <= {
        p.name for p in scanned
    }
    found = [
        f"{path.name}: {match.group(0)!r}"
        for path in scanned
        for match in SHAMING.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found


def test_the_shaming_scan_catches_what_it_is_for():
    for sentence in ("Your streak was reset", "Start over tomorrow", "back to day one"):
        assert SHAMING.search(sentence), sentence
    assert not SHAMING.search("Every day you held counts. This stretch: 4 days.")
