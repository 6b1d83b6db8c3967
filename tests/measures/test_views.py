"""The client's questionnaire pages (`/me/measures/`): the card on home while one is due,
answering (all questions required but the optional one; a bad answer stores nothing), "not
now", the client's own scores in plain words with a chart and its table, PHQ-9 item 9 above 0
going straight to crisis help with a flag raised, and nobody else ever getting in."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from care.models import RiskFlag
from courses.services.enrollment import enrollment_create
from measures.models import Administration, MeasureSkip
from measures.services import administration_submit, measure_interval_set
from tests.factories import UserFactory, make_track

NOW = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
ENROLLED = NOW - timedelta(days=2)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def enrolled(instruments, client_a):
    track = make_track(weeks=4, lessons_per_module=1, trauma_weeks=())
    enrollment_create(client=client_a, track=track, start_date=date(2026, 11, 16), now=ENROLLED)
    return client_a


def phq9_post(item9: int = 0, *, leave_out: int | None = None) -> dict[str, str]:
    answers = {f"item_{n}": "1" for n in range(1, 9)} | {"item_9": str(item9)}
    if leave_out:
        answers.pop(f"item_{leave_out}")
    return answers


def test_a_due_questionnaire_shows_on_home_and_is_answered(client, enrolled, signed_in):
    signed_in(enrolled)
    home = client.get(reverse("courses:dashboard")).content.decode()
    assert "A few short questions" in home
    assert reverse("measures:answer", args=["phq9"]) in home
    page = client.get(reverse("measures:answer", args=["phq9"])).content.decode()
    assert "Thoughts that you would be better off dead or of hurting yourself" in page
    assert "More than half the days" in page
    response = client.post(reverse("measures:answer", args=["phq9"]), phq9_post())
    assert response.status_code == 302 and response.url == reverse("measures:mine")
    stored = Administration.objects.get(client=enrolled)
    assert (stored.total, stored.band, stored.submitted_at) == (8, "mild", NOW)
    home = client.get(reverse("courses:dashboard")).content.decode()
    assert reverse("measures:answer", args=["phq9"]) not in home
    assert reverse("measures:answer", args=["gad7"]) in home
    mine = client.get(reverse("measures:mine")).content.decode()
    assert "8 of 27" in mine and "Some low mood; worth keeping an eye on." in mine


def test_a_missing_answer_is_named_and_nothing_is_stored(client, enrolled, signed_in):
    signed_in(enrolled)
    response = client.post(reverse("measures:answer", args=["phq9"]), phq9_post(leave_out=4))
    assert response.status_code == 400
    assert "Please choose one answer for this question." in response.content.decode()
    assert not Administration.objects.exists()


def test_an_answer_outside_the_options_is_refused(client, enrolled, signed_in):
    signed_in(enrolled)
    response = client.post(reverse("measures:answer", args=["phq9"]), phq9_post() | {"item_2": "7"})
    assert response.status_code == 400
    assert not Administration.objects.exists()


def test_item_nine_above_zero_goes_straight_to_help_and_raises_a_flag(
    client, enrolled, clinician, signed_in
):
    signed_in(enrolled)
    response = client.post(reverse("measures:answer", args=["phq9"]), phq9_post(item9=1))
    assert response.status_code == 302 and response.url == reverse("risk:support")
    flag = RiskFlag.objects.get(client=enrolled)
    assert flag.source == RiskFlag.Source.MEASURE
    support = client.get(response.url).content.decode()
    assert 'href="tel:988"' in support and 'href="sms:988"' in support
    assert 'href="tel:911"' in support


def test_not_now_is_recorded_and_the_card_steps_back(client, enrolled, signed_in):
    signed_in(enrolled)
    response = client.post(reverse("measures:not_now", args=["phq9"]), {"next": "home"})
    assert response.status_code == 302 and response.url == reverse("courses:dashboard")
    assert MeasureSkip.objects.get(client=enrolled).skipped_at == NOW
    home = client.get(reverse("courses:dashboard")).content.decode()
    assert reverse("measures:answer", args=["phq9"]) not in home
    mine = client.get(reverse("measures:mine")).content.decode()
    assert 'You chose "not now" for the PHQ-9' in mine


def test_the_clients_own_scores_have_a_chart_and_a_table(client, enrolled, instruments, signed_in):
    for days, value in ((20, 2), (6, 1)):
        administration_submit(
            client=enrolled, instrument=instruments["gad7"],
            answers={n: value for n in range(1, 8)}, now=NOW - timedelta(days=days),
        )  # fmt: skip
    signed_in(enrolled)
    mine = client.get(reverse("measures:mine")).content.decode()
    assert "<svg" in mine and 'aria-describedby="table-gad7-chart-desc table-gad7"' in mine
    assert '<caption id="table-gad7">Your GAD-7 answers, newest first</caption>' in mine
    assert "14 of 21" in mine and "7 of 21" in mine
    assert "Lower than your first answers" in mine


def test_without_an_active_program_there_is_nothing_to_answer(
    client, client_b, instruments, signed_in
):
    signed_in(client_b)
    mine = client.get(reverse("measures:mine"))
    assert mine.status_code == 200
    assert "there is nothing to answer now" in mine.content.decode()
    assert client.get(reverse("measures:answer", args=["phq9"])).status_code == 404
    assert client.post(reverse("measures:answer", args=["phq9"]), phq9_post()).status_code == 404
    assert client.post(reverse("measures:not_now", args=["phq9"])).status_code == 404
    assert not Administration.objects.exists() and not MeasureSkip.objects.exists()


def test_an_unknown_questionnaire_is_404(client, enrolled, signed_in):
    signed_in(enrolled)
    assert client.get(reverse("measures:answer", args=["beck"])).status_code == 404


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.SUPERVISOR, Role.BILLING, Role.ADMIN])
def test_staff_get_404_for_every_method(client, enrolled, signed_in, role):
    signed_in(UserFactory(role=role))
    for name, args in (("measures:mine", []), ("measures:answer", ["phq9"])):
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("measures:answer", args=["phq9"]), phq9_post()).status_code == 404
    assert client.post(reverse("measures:not_now", args=["phq9"])).status_code == 404
    assert not Administration.objects.exists()


def test_visitors_are_sent_to_sign_in(client, enrolled):
    response = client.get(reverse("measures:mine"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_not_now_only_by_post(client, enrolled, signed_in):
    signed_in(enrolled)
    assert client.get(reverse("measures:not_now", args=["phq9"])).status_code == 405


def test_the_pages_cost_the_same_however_long_the_history(
    client, enrolled, instruments, signed_in, django_assert_max_num_queries
):
    signed_in(enrolled)
    client.get(reverse("measures:mine"))

    # Session and user; the page: the active enrollment, instruments, answers, "not now"
    # choices and the schedule row. Home: its own reads and the card's schedule (5).
    # +1: the Today card, +1: the sessions card.
    budgets = {reverse("measures:mine"): 7, reverse("courses:dashboard"): 11}

    def cost(url):
        with django_assert_max_num_queries(budgets[url]) as captured:
            client.get(url)
        return len(captured.captured_queries)

    short = (cost(reverse("measures:mine")), cost(reverse("courses:dashboard")))
    for days in range(60, 0, -3):
        for key, items in (("phq9", 9), ("gad7", 7)):
            administration_submit(
                client=enrolled, instrument=instruments[key],
                answers={n: 1 for n in range(1, items + 1)}, now=NOW - timedelta(days=days),
            )  # fmt: skip
    assert (cost(reverse("measures:mine")), cost(reverse("courses:dashboard"))) == short


def test_the_page_names_the_clients_own_rhythm(client, enrolled, signed_in):
    signed_in(enrolled)
    assert "Every 14 days you are asked" in client.get(reverse("measures:mine")).content.decode()
    measure_interval_set(
        client=enrolled, interval_days=28, by=UserFactory(role=Role.CLINICIAN), now=NOW
    )
    assert "Every 28 days you are asked" in client.get(reverse("measures:mine")).content.decode()
