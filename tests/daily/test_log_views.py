"""The urge log, the body practice log and the parts journal pages: a few taps each on a phone,
the client's own (staff get a denied 404, visitors sign in), a refused form back as chosen and
typed (400) with nothing stored, a calm confirmation (with gentle next steps after a strong urge
or one acted on), and the same few queries however long the history."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from daily.models import PartsEntry, PracticeLog, UrgeLog
from daily.services.logs import parts_entry_add, practice_log, urge_log
from tests.factories import UserFactory

from .test_lapse_views import _history

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
URGE, PRACTICE, PARTS = "daily:urge", "daily:practice", "daily:parts"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client_a(client_a):
    """Client A in New York, so the times the pages show are known."""
    client_a.timezone = "America/New_York"
    client_a.save(update_fields=["timezone"])
    return client_a


def _checked(html: str, name: str, value: str) -> bool:
    """Whether the option `value` of `name` is ticked in the page."""
    return f'name="{name}" value="{value}" id=' in html and any(
        f'name="{name}" value="{value}" id="id_{name}_{n}"{extra} checked' in html
        for n in range(12)
        for extra in ("", " required")
    )


# --- the urge log -----------------------------------------------------------------------------


def test_the_urge_log_is_three_sets_of_big_options(client, client_a, signed_in):
    signed_in(client_a)
    response = client.get(reverse(URGE))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="logs-field"') == 3 and html.count("<legend>") == 3
    assert [f'name="intensity" value="{n}"' in html for n in range(11)] == [True] * 11
    assert 'name="intensity" value="11"' not in html
    assert "0 is none at all, 10 is the strongest you know." in html
    assert "Throat or jaw" in html and "Reached out to someone" in html
    assert "Logged today" not in html


def test_a_mild_urge_is_noted_calmly_and_listed_with_todays(client, client_a, signed_in):
    urge_log(client=client_a, intensity=2, where="head", did="breathed",
             now=NOW - timedelta(days=1))  # fmt: skip
    signed_in(client_a)
    response = client.post(reverse(URGE), {"intensity": "4", "where": "chest", "did": "moved"})
    log = UrgeLog.objects.get(at=NOW)
    assert response.status_code == 302 and response.url == f"{reverse(URGE)}?logged={log.pk}"
    assert (log.intensity, log.where, log.did, log.day) == (4, "chest", "moved", date(2026, 11, 25))
    html = client.get(response.url).content.decode()
    assert "Noted at 10:00 a.m." in html and "Well noticed" in html
    assert "A next step, if you'd like one" not in html
    recent = html[html.index("Logged today") :]
    assert "4 out of 10, chest. Moved my body." in recent
    assert "2 out of 10" not in recent  # yesterday's is not today's


@pytest.mark.parametrize(
    ("values", "lapse_link"),
    [
        ({"intensity": "7", "where": "whole", "did": "waited"}, False),
        ({"intensity": "2", "where": "legs", "did": "acted"}, True),
    ],
)
def test_a_strong_urge_or_one_acted_on_is_met_with_gentle_next_steps(
    client, client_a, signed_in, values, lapse_link
):
    signed_in(client_a)
    html = client.get(client.post(reverse(URGE), values).url).content.decode()
    start = html.index("A next step, if you'd like one")
    next_steps = html[start : html.index('action="/me/urges/new/"')]
    for name in ("daily:practice", "safety_plan:page", "risk:support"):
        assert f'href="{reverse(name)}"' in next_steps
    assert (f'href="{reverse("daily:lapse_new")}"' in next_steps) is lapse_link


def test_a_confirmation_only_shows_the_clients_own_urge(client, client_a, client_b, signed_in):
    theirs = urge_log(client=client_b, intensity=9, where="head", did="acted", now=NOW)
    signed_in(client_a)
    for query in (f"?logged={theirs.pk}", "?logged=abc", "?logged=99999999999999999"):
        html = client.get(reverse(URGE) + query).content.decode()
        assert "Noted at" not in html and "A next step" not in html


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"intensity": "11"}, "Choose a number from 0 to 10."),
        ({"intensity": "-1"}, "Choose a number from 0 to 10."),
        ({"intensity": ""}, "Choose how strong it is, from 0 to 10."),
        ({"where": "heart"}, "Choose one of the options."),
        ({"did": "nothing\x00"}, "Choose one of the options."),
    ],
)
def test_a_refused_urge_comes_back_with_what_was_chosen_and_nothing_stored(
    client, client_a, signed_in, values, words
):
    signed_in(client_a)
    data = {"intensity": "6", "where": "stomach", "did": "reached_out"} | values
    response = client.post(reverse(URGE), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The urge is not saved yet, and nothing you chose or typed is lost" in html
    assert words in html and 'role="alert"' in html
    for name in ("intensity", "where", "did"):
        if name not in values:
            assert _checked(html, name, data[name]), name
    assert (
        not UrgeLog.objects.exists()
        and not AuditEvent.objects.filter(action="daily.urge_logged").exists()
    )


def test_todays_urges_are_the_clients_own_day_in_los_angeles(client, signed_in):
    la = UserFactory(role=Role.CLIENT, timezone="America/Los_Angeles")
    late = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)  # 23:30 on the 25th in Los Angeles
    urge_log(client=la, intensity=3, where="head", did="waited", now=late - timedelta(hours=20))
    with time_machine.travel(late, tick=False):
        signed_in(la)
        url = client.post(reverse(URGE), {"intensity": "5", "where": "arms", "did": "left"}).url
        html = client.get(url).content.decode()
    assert UrgeLog.objects.get(intensity=5).day == date(2026, 11, 25)
    assert "Noted at 11:30 p.m." in html
    recent = html[html.index("Logged today") :]
    assert "5 out of 10" in recent and "3 out of 10" in recent  # 03:30 local, the same day


# --- the body practice log --------------------------------------------------------------------


def test_a_practice_is_logged_with_suds_before_and_after_and_confirmed_warmly(
    client, client_a, signed_in
):
    signed_in(client_a)
    html = client.get(reverse(PRACTICE)).content.decode()
    assert html.count('class="logs-options logs-options--scale"') == 2
    assert "Grounding (5-4-3-2-1)" in html and "<details" in html
    response = client.post(
        reverse(PRACTICE), {"practice": "grounding", "suds_before": "8", "suds_after": "5"}
    )
    log = PracticeLog.objects.get()
    assert response.url == f"{reverse(PRACTICE)}?logged={log.pk}"
    assert (log.practice, log.suds_before, log.suds_after, log.at) == ("grounding", 8, 5, NOW)
    html = client.get(response.url).content.decode()
    assert "Saved: grounding (5-4-3-2-1), 8 before and 5 after." in html
    assert "Your body settled a little." in html


def test_a_practice_that_did_not_shift_much_is_met_kindly(client, client_a, signed_in):
    log = practice_log(client=client_a, practice="breathing", suds_before=4, suds_after=6,
                       now=NOW)  # fmt: skip
    signed_in(client_a)
    html = client.get(f"{reverse(PRACTICE)}?logged={log.pk}").content.decode()
    assert "Some days a practice shifts little, and that" in html


def test_another_clients_practice_is_never_confirmed(client, client_b, client_a, signed_in):
    theirs = practice_log(client=client_b, practice="breathing", suds_before=9, suds_after=1,
                          now=NOW)  # fmt: skip
    signed_in(client_a)
    assert "Saved:" not in client.get(f"{reverse(PRACTICE)}?logged={theirs.pk}").content.decode()


def test_a_refused_practice_comes_back_with_400_and_nothing_stored(client, client_a, signed_in):
    signed_in(client_a)
    data = {"practice": "body_scan", "suds_before": "11", "suds_after": "3"}
    response = client.post(reverse(PRACTICE), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a number from 0 to 10." in html
    assert _checked(html, "practice", "body_scan") and _checked(html, "suds_after", "3")
    assert not PracticeLog.objects.exists()


# --- the parts journal ------------------------------------------------------------------------


def test_the_journal_starts_empty_and_an_entry_is_added_with_its_parts(client, client_a, signed_in):
    signed_in(client_a)
    html = client.get(reverse(PARTS)).content.decode()
    assert "No entries yet." in html and 'type="checkbox"' in html
    response = client.post(
        reverse(PARTS),
        {"parts": ["witness", "inner_child"], "text": "The little one was <scared>.\nI stayed."},
    )
    assert response.status_code == 302 and response.url == reverse(PARTS)
    entry = PartsEntry.objects.get()
    assert entry.parts == ["inner_child", "witness"] and entry.at == NOW
    html = client.get(reverse(PARTS)).content.decode()
    assert "Your entry is saved." in html
    assert "About: Inner Child, Witness" in html
    assert "The little one was &lt;scared&gt;.<br>I stayed." in html
    assert '<time datetime="2026-11-25T10:00:00-05:00">Wednesday 25 November 2026, 10:00' in html


def test_the_journal_shows_the_newest_first_twenty_a_page(client, client_a, signed_in):
    for n in range(25):
        parts_entry_add(client=client_a, parts=["witness"], text=f"Entry number {n:02}",
                        now=NOW - timedelta(hours=25 - n))  # fmt: skip
    signed_in(client_a)
    first = client.get(reverse(PARTS)).content.decode()
    assert first.count('class="logs-entry"') == 20
    assert first.index("Entry number 24") < first.index("Entry number 23")
    assert "Entry number 04" not in first and "Page 1 of 2" in first
    assert 'href="?page=2">Older entries' in first
    second = client.get(reverse(PARTS), {"page": "2"}).content.decode()
    assert second.count('class="logs-entry"') == 5 and "Entry number 00" in second
    assert 'href="?page=1">Newer entries' in second
    assert client.get(reverse(PARTS), {"page": "nonsense"}).status_code == 200


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"parts": ["witness"], "text": "x" * 10_001}, "the limit is 10,000"),
        ({"parts": ["witness"], "text": "a\x00b"}, "cannot be stored"),
        ({"parts": [], "text": "Kept words"}, "Choose at least one part"),
        ({"parts": ["shadow"], "text": "Kept words"}, "Choose parts from the list."),
        ({"parts": ["witness"], "text": "   "}, "Write a few words for this entry."),
    ],
)
def test_a_refused_entry_comes_back_as_typed_with_400_and_nothing_stored(
    client, client_a, signed_in, data, words
):
    parts_entry_add(client=client_a, parts=["teenager"], text="An earlier entry", now=NOW)
    signed_in(client_a)
    response = client.post(reverse(PARTS), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your entry is not saved yet, and nothing you chose or typed is lost" in html
    assert words in html and 'maxlength="' not in html
    if "x" * 10_001 in data["text"] or data["text"] == "Kept words":
        assert f"{data['text']}</textarea>" in html
    if data["parts"] == ["witness"]:
        assert 'value="witness" id="id_parts_4" checked' in html
    assert "An earlier entry" in html  # the journal is still there below
    assert PartsEntry.objects.count() == 1


# --- who may open them ------------------------------------------------------------------------

PAGES = (URGE, PRACTICE, PARTS)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("staff", ["clinician", "other_clinician", "billing_user", "admin_user"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_get_404_and_a_denied_row_and_nothing_is_stored(
    client, signed_in, request, staff, method
):
    user = request.getfixturevalue(staff)
    signed_in(user)
    data = {"intensity": "3", "where": "head", "did": "waited", "practice": "breathing",
            "suds_before": "3", "suds_after": "2", "parts": ["witness"], "text": "x"}  # fmt: skip
    for name in PAGES:
        assert getattr(client, method)(reverse(name), data).status_code == 404
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user).exists()
    assert not (UrgeLog.objects.exists() or PracticeLog.objects.exists())
    assert not PartsEntry.objects.exists()


def test_one_clients_logs_never_show_to_another(client, client_a, client_b, signed_in):
    urge_log(client=client_a, intensity=9, where="head", did="acted", now=NOW)
    parts_entry_add(client=client_a, parts=["witness"], text="CANARY-parts-12", now=NOW)
    signed_in(client_b)
    assert "9 out of 10" not in client.get(reverse(URGE)).content.decode()
    assert "CANARY" not in client.get(reverse(PARTS)).content.decode()


def test_wrong_methods_are_refused(client, client_a, signed_in):
    signed_in(client_a)
    for name in PAGES:
        assert client.put(reverse(name)).status_code == 405


@pytest.mark.parametrize("days", [0, 180])
def test_the_log_pages_cost_the_same_few_queries_with_a_long_history(
    client, client_a, signed_in, django_assert_max_num_queries, days
):
    _history(client_a, days)
    signed_in(client_a)
    client.get(reverse(URGE))  # warm the session
    logged = practice_log(client=client_a, practice="breathing", suds_before=5, suds_after=2,
                          now=NOW)  # fmt: skip
    # The session and the user, then one read: today's urges, the practice just logged.
    with django_assert_max_num_queries(3):
        assert client.get(reverse(URGE)).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(f"{reverse(PRACTICE)}?logged={logged.pk}").status_code == 200
    # The journal: the count for the pages and one page of entries.
    with django_assert_max_num_queries(4):
        assert client.get(reverse(PARTS)).status_code == 200
    # A save: the savepoint, the row, its audit row, the release.
    with django_assert_max_num_queries(6):
        data = {"intensity": "3", "where": "head", "did": "waited"}
        assert client.post(reverse(URGE), data).status_code == 302
    with django_assert_max_num_queries(6):
        data = {"practice": "movement", "suds_before": "5", "suds_after": "4"}
        assert client.post(reverse(PRACTICE), data).status_code == 302
    # + the session keeping the "saved" message.
    with django_assert_max_num_queries(9):
        assert client.post(reverse(PARTS), {"parts": ["witness"], "text": "x"}).status_code == 302


def test_the_pages_carry_no_inline_style_or_script_and_the_educational_note(
    client, client_a, signed_in
):
    signed_in(client_a)
    for name in PAGES:
        html = client.get(reverse(name)).content.decode()
        assert "style=" not in html and "<script>" not in html and "onclick" not in html
        # The base template's note: educational support, not a substitute for care.
        assert "It is not a substitute for care from" in html
