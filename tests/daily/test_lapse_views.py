"""The lapse pages: recording a lapse on its own (today by default, or a recent day) and its
guided chain analysis. The client's own: another client, staff and visitors never see one (a
denied 404); a refused answer comes back as typed (400) with nothing stored; the page opens with
compassion and ends with a next step, the safety plan and support; and nothing counted moves."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Role
from audit.models import Action, AuditEvent
from daily.models import BottomLines, Checkin, Lapse, PartsEntry, PracticeLog, UrgeLog
from daily.services.lapses import lapse_chain_save, lapse_record
from tests.factories import UserFactory

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday afternoon
DAY = date(2026, 11, 25)
NEW = "daily:lapse_new"
COMPASSION = "A lapse is information, not the end of anything you've built."

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lapse(client_a):
    return lapse_record(client=client_a, day=DAY, now=NOW)


def _url(lapse):
    return reverse("daily:lapse", args=[lapse.pk])


def _chain(**overrides):
    answers = {
        "situation": "Home alone <late>",
        "body": "Tight chest",
        "thought": "Nobody would know",
        "part": "teenager",
        "stage": "escape",
        "needed": "Company",
        "next_time": "Text Sam",
        "action": "finish",
    }
    return answers | overrides


# --- recording a lapse ------------------------------------------------------------------------


def test_recording_a_lapse_opens_with_compassion_and_defaults_to_today(client, client_a, signed_in):
    signed_in(client_a)
    response = client.get(reverse(NEW))
    assert response.status_code == 200
    html = response.content.decode()
    assert COMPASSION in html and "Your days held still count." in html
    assert 'value="2026-11-25" id="id_day_0" required checked' in html
    assert "Yesterday" in html and "Wednesday 18 November" in html  # 7 days back
    assert "Tuesday 17 November" not in html
    assert f'href="{reverse("safety_plan:page")}"' in html
    assert f'href="{reverse("risk:support")}"' in html


def test_recording_a_lapse_stores_it_for_the_chosen_day_and_goes_to_its_chain(
    client, client_a, signed_in
):
    signed_in(client_a)
    response = client.post(reverse(NEW), {"day": "2026-11-24"})
    lapse = Lapse.objects.get()
    assert response.status_code == 302 and response.url == _url(lapse)
    assert (lapse.client, lapse.day, lapse.created_at, lapse.checkin) == (
        client_a,
        date(2026, 11, 24),
        NOW,
        None,
    )
    assert AuditEvent.objects.filter(action="daily.lapse_recorded", target_id=lapse.pk).exists()


def test_today_is_the_clients_own_day_late_in_the_evening_in_los_angeles(client, signed_in):
    la = UserFactory(role=Role.CLIENT, timezone="America/Los_Angeles")
    with time_machine.travel(datetime(2026, 11, 26, 7, 30, tzinfo=UTC), tick=False):
        signed_in(la)
        html = client.get(reverse(NEW)).content.decode()
        assert 'value="2026-11-25" id="id_day_0" required checked' in html
        client.post(reverse(NEW), {"day": "2026-11-25"})
    assert Lapse.objects.get().day == date(2026, 11, 25)


@pytest.mark.parametrize("day", ["2026-11-26", "2026-11-17", "yesterday", "", "2026-02-30"])
def test_a_day_outside_the_last_week_is_refused_with_400_and_nothing_stored(
    client, client_a, signed_in, day
):
    signed_in(client_a)
    response = client.post(reverse(NEW), {"day": day})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not saved yet" in html
    assert "Choose one of the days" in html or "Choose the day" in html
    assert not Lapse.objects.exists()


# --- the chain analysis -----------------------------------------------------------------------


def test_the_chain_page_opens_with_compassion_and_says_who_sees_it_and_for_how_long(
    client, client_a, lapse, signed_in
):
    signed_in(client_a)
    response = client.get(_url(lapse))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(COMPASSION) < html.index('class="logs-chain"')
    assert "Your care team can see what you write here in your record." in html
    assert "You can come back and change this until Wednesday 2 December" in html
    steps = (
        "What was happening?",
        "What did you notice in your body?",
        "What were you telling yourself?",
        "Which part was loudest?",
        "Where in the cycle were you",
        "What did you need",
        "What will you try",
    )
    assert all(step in html for step in steps)
    assert html.count("<fieldset") == 2 and html.count("<legend") == 2
    assert "Inner Child" in html and "I&#x27;m not sure" in html and "Leave this for now" in html
    assert "A next step, if you'd like one" not in html  # nothing saved yet
    assert f'href="{reverse("safety_plan:page")}"' in html


def test_finishing_the_chain_saves_it_and_offers_a_next_step_safety_plan_and_support(
    client, client_a, lapse, signed_in
):
    signed_in(client_a)
    response = client.post(_url(lapse), _chain())
    assert response.status_code == 302 and response.url == _url(lapse)
    lapse.refresh_from_db()
    assert (lapse.situation, lapse.part, lapse.stage) == ("Home alone <late>", "teenager", "escape")
    assert lapse.completed_at == NOW
    html = client.get(response.url).content.decode()
    assert "Thank you for looking at this. It is saved." in html
    next_steps = html[html.index("A next step, if you'd like one") :]
    for name in ("daily:practice", "safety_plan:page", "risk:support"):
        assert f'href="{reverse(name)}"' in next_steps
    assert "Reach out to someone you trust" in next_steps
    # What was written comes back in the form, escaped, for changing later.
    assert "Home alone &lt;late&gt;</textarea>" in html
    assert 'value="teenager" id="id_part_2" checked' in html


def test_saving_for_later_keeps_it_unfinished(client, client_a, lapse, signed_in):
    signed_in(client_a)
    client.post(_url(lapse), {"body": "Restless", "action": "later"})
    lapse.refresh_from_db()
    assert lapse.body == "Restless" and lapse.completed_at is None
    assert "Saved. You can come back to it" in client.get(_url(lapse)).content.decode()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"situation": "x" * 2001}, "the limit is 2,000"),
        ({"thought": "a\x00b"}, "cannot be stored"),
        ({"part": "inner_critic"}, "Choose one of the parts"),
        ({"stage": "collapse"}, "Choose one of the stages"),
    ],
)
def test_a_refused_step_comes_back_as_typed_with_400_and_nothing_stored(
    client, client_a, lapse, signed_in, change, words
):
    signed_in(client_a)
    response = client.post(_url(lapse), _chain(**change))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This is not saved yet, and nothing you chose or typed is lost" in html
    assert words in html
    typed = _chain(**change)
    for step in ("situation", "thought"):
        # A NUL comes back as U+FFFD, as a browser shows it (a NUL is not allowed in HTML).
        assert f"{escape(typed[step]).replace(chr(0), chr(0xFFFD))}</textarea>" in html
    assert "\x00" not in html
    assert "Text Sam</textarea>" in html
    assert 'maxlength="' not in html
    lapse.refresh_from_db()
    assert lapse.situation == "" and lapse.completed_at is None and lapse.updated_at == NOW
    assert not AuditEvent.objects.filter(action="daily.lapse_chain_saved").exists()


def test_after_seven_days_the_chain_reads_as_written_and_cannot_be_changed(
    client, client_a, lapse, signed_in
):
    lapse_chain_save(lapse=lapse, answers={"body": "Tight <chest>"}, now=NOW, complete=True)
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        signed_in(client_a)
        html = client.get(_url(lapse)).content.decode()
        assert '<form method="post" action="' + _url(lapse) not in html
        assert "Tight &lt;chest&gt;" in html and "Left for now" in html
        assert COMPASSION in html
        response = client.post(_url(lapse), _chain(body="Changed"))
    assert response.status_code == 400
    assert "This can be changed for 7 days after it was recorded." in response.content.decode()
    lapse.refresh_from_db()
    assert lapse.body == "Tight <chest>"


def test_wrong_methods_are_refused_after_the_gate(client, client_a, lapse, signed_in):
    signed_in(client_a)
    assert client.put(_url(lapse)).status_code == 405
    assert client.delete(reverse(NEW)).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client, lapse):
    for url in (reverse(NEW), _url(lapse)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize(
    "who", ["client_b", "clinician", "other_clinician", "billing_user", "admin_user"]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anyone_but_the_client_gets_404_and_a_denied_row_and_nothing_changes(
    client, client_a, lapse, signed_in, request, who, method
):
    lapse_chain_save(lapse=lapse, answers={"situation": "CANARY-lapse-41"}, now=NOW,
                     complete=True)  # fmt: skip
    user = request.getfixturevalue(who)
    signed_in(user)
    response = getattr(client, method)(_url(lapse), _chain(situation="overwritten"))
    assert response.status_code == 404
    assert "CANARY" not in response.content.decode()
    assert AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED, actor=user, outcome="denied"
    ).exists()
    lapse.refresh_from_db()
    assert lapse.situation == "CANARY-lapse-41"
    if who != "client_b":  # staff cannot record one either
        assert client.post(reverse(NEW), {"day": "2026-11-25"}).status_code == 404
    assert Lapse.objects.count() == 1


def test_a_missing_lapse_looks_like_another_clients(client, client_a, signed_in):
    signed_in(client_a)
    assert client.get(reverse("daily:lapse", args=[999_999])).status_code == 404


def test_recording_a_lapse_and_its_chain_touches_no_check_in(client, client_a, signed_in):
    held = Checkin.objects.create(
        client=client_a, day=DAY - timedelta(days=1), bottom_lines=BottomLines.HELD,
        created_at=NOW - timedelta(days=1), updated_at=NOW - timedelta(days=1),
    )  # fmt: skip
    today = Checkin.objects.create(
        client=client_a, day=DAY, intention="Walk at lunch", created_at=NOW, updated_at=NOW
    )
    before = list(Checkin.objects.order_by("pk").values())
    signed_in(client_a)
    url = client.post(reverse(NEW), {"day": DAY.isoformat()}).url
    client.post(url, _chain())
    client.post(url, _chain(body="Changed", action="later"))
    assert list(Checkin.objects.order_by("pk").values()) == before
    assert Lapse.objects.get().checkin_id is None
    assert {held.pk, today.pk} == set(Checkin.objects.values_list("pk", flat=True))


def _history(client, days: int) -> None:
    """`days` days of a client's lapses (one every fifth day), urges, practices and entries."""
    for n in range(days):
        at = NOW - timedelta(days=n + 1)
        day = DAY - timedelta(days=n + 1)
        if n % 5 == 0:
            Lapse.objects.create(client=client, day=day, created_at=at, updated_at=at,
                                 situation="Earlier", completed_at=at)  # fmt: skip
        UrgeLog.objects.create(client=client, at=at, day=day, intensity=5, where="chest",
                               did="waited")  # fmt: skip
        PracticeLog.objects.create(client=client, at=at, day=day, practice="breathing",
                                   suds_before=6, suds_after=3)  # fmt: skip
        PartsEntry.objects.create(client=client, at=at, day=day, parts=["witness"], text="x")


@pytest.mark.parametrize("days", [0, 180])
def test_the_lapse_pages_cost_the_same_few_queries_with_a_long_history(
    client, client_a, signed_in, django_assert_max_num_queries, days
):
    _history(client_a, days)
    lapse = lapse_record(client=client_a, day=DAY, now=NOW)
    signed_in(client_a)
    client.get(reverse(NEW))  # warm the session
    # The session and the user; then the lapse (with its client).
    with django_assert_max_num_queries(2):
        assert client.get(reverse(NEW)).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(_url(lapse)).status_code == 200
    # + the savepoint, the locked lapse, its update, the audit row, the savepoint's release, and
    # the session keeping the "saved" message (in its own savepoint).
    with django_assert_max_num_queries(11):
        assert client.post(_url(lapse), _chain()).status_code == 302


def test_the_pages_carry_no_inline_style_or_script_and_the_educational_note(
    client, client_a, lapse, signed_in
):
    signed_in(client_a)
    for url in (reverse(NEW), _url(lapse)):
        html = client.get(url).content.decode()
        assert "style=" not in html and "<script>" not in html and "onclick" not in html
        # The base template's note: educational support, not a substitute for care.
        assert "It is not a substitute for care from" in html


def test_the_logs_styles_are_one_delimited_block_of_the_site_stylesheet():
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "ehab.css").read_text()
    block = css[css.index("/* daily: logs") : css.index("/* end daily: logs */")]
    assert ".logs-option__text" in block and "min-height: 48px" in block
    assert "input:checked + .logs-option__text::before" in block  # not colour alone
