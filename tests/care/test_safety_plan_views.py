"""The client's safety plan in the product: their own page (read, print, change), open whatever
their billing or enrollment; nobody else's (staff get 404, visitors sign in); the support page
after "I'm not safe right now" showing it; week 1's worksheet starting it; and the record's
Safety plan section for the care team alone."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from audit.models import Action, AuditEvent, Outcome
from care.models import SafetyPlan
from care.services import safety_plan_save
from courses.models import EnrollmentStatus, Lesson, ModuleRelease, Track, WorksheetResponse
from payments.models import BillingAccount, BillingState, Plan
from tests.factories import EnrollmentFactory, make_track

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday afternoon
PAGE, EDIT = "safety_plan:page", "safety_plan:edit"
CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum" / "e-hab-iop"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _form(**sections):
    keys = ("warning_signs", "coping", "people_places", "ask_for_help", "professionals",
            "safe_space", "reasons")  # fmt: skip
    return {key: sections.get(key, "") for key in keys}


def test_a_client_without_a_plan_is_invited_to_write_one_with_988_beside_it(
    client, client_a, signed_in
):
    signed_in(client_a)
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    html = response.content.decode()
    assert "My safety plan" in html and "Write my plan" in html
    for link in ('href="tel:988"', 'href="sms:988"', 'href="tel:911"'):
        assert link in html
    assert "no-store" in response["Cache-Control"]


def test_a_client_writes_the_plan_reads_it_and_changes_it_as_a_new_version(
    client, client_a, signed_in
):
    signed_in(client_a)
    form = client.get(reverse(EDIT))
    assert form.status_code == 200 and "Write my safety plan" in form.content.decode()
    saved = client.post(reverse(EDIT), _form(warning_signs="Late nights\nalone", reasons="Mia"))
    assert saved.status_code == 302 and saved.url == reverse(PAGE)
    page = client.get(saved.url).content.decode()
    assert "Your plan is saved." in page
    assert "Late nights<br>alone" in page and "My reasons" in page and "Mia" in page
    # Empty sections don't show; "professionals and 988" always does, with 988 and 911.
    assert "Making my space safer" not in page and "Things I can do on my own" not in page
    assert "Professionals and 988" in page and "Suicide &amp; Crisis Lifeline" in page
    assert "Version 1, saved Wednesday 25 November 2026" in page
    # The form opens with the current plan; a change is version 2 and version 1 is kept.
    assert "Mia</textarea>" in client.get(reverse(EDIT)).content.decode()
    client.post(reverse(EDIT), _form(warning_signs="Late nights", reasons="Mia and Leo"))
    assert list(SafetyPlan.objects.values_list("version", "reasons")) == [
        (2, "Mia and Leo"),
        (1, "Mia"),
    ]
    # The same text again stores nothing and says so.
    again = client.post(reverse(EDIT), _form(warning_signs="Late nights", reasons="Mia and Leo"))
    assert SafetyPlan.objects.count() == 2
    assert "Nothing had changed" in client.get(again.url).content.decode()


def test_a_refused_part_keeps_everything_typed_and_stores_nothing(client, client_a, signed_in):
    signed_in(client_a)
    response = client.post(
        reverse(EDIT), _form(coping="Walk the dog", reasons="x" * 4001, safe_space="a\x00b")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your plan is not saved yet, and nothing you typed is lost" in html
    assert "the limit is 4,000" in html and "cannot be stored" in html
    assert "Walk the dog</textarea>" in html and "x" * 4001 in html
    assert 'maxlength="' not in html
    assert not SafetyPlan.objects.exists()


def test_wrong_methods_are_refused_after_the_door(client, client_a, signed_in):
    signed_in(client_a)
    assert client.post(reverse(PAGE)).status_code == 405
    assert client.put(reverse(EDIT)).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in (PAGE, EDIT):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("staff", ["clinician", "other_clinician", "billing_user", "admin_user"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_get_404_and_a_denied_row_and_nothing_is_stored(
    staff, method, request, client, client_a, signed_in
):
    safety_plan_save(client=client_a, sections={"reasons": "CANARY-plan-77 Mia"}, now=NOW)
    user = request.getfixturevalue(staff)
    signed_in(user)
    for name in (PAGE, EDIT):
        response = getattr(client, method)(reverse(name), _form(reasons="x"))
        assert response.status_code == 404
        assert "CANARY" not in response.content.decode()
    # Refusals are counted per person and minute: one denied row for the two.
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user)
    assert denied.exists() and {d.outcome for d in denied} == {Outcome.DENIED}
    assert SafetyPlan.objects.count() == 1


def test_one_clients_plan_never_shows_to_another(client, client_a, client_b, signed_in):
    safety_plan_save(client=client_a, sections={"reasons": "CANARY-plan-a"}, now=NOW)
    signed_in(client_b)
    for url in (reverse(PAGE), reverse(EDIT), reverse("risk:support")):
        assert "CANARY" not in client.get(url).content.decode()


def test_a_paused_client_whose_billing_needs_attention_still_reads_and_changes_the_plan(
    client, client_a, signed_in
):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(
        client=client_a, track=track, start_date=date(2026, 11, 2), status=EnrollmentStatus.PAUSED
    )
    plan = Plan.objects.create(track=track, slug="sp-monthly", kind="installments",
                               installments=3, amount=Decimal("100"))  # fmt: skip
    BillingAccount.objects.create(
        enrollment=enrollment, plan=plan, state=BillingState.CONTENT_PAUSED
    )
    safety_plan_save(client=client_a, sections={"coping": "Cold water on my face"}, now=NOW)
    signed_in(client_a)
    assert "Cold water on my face" in client.get(reverse(PAGE)).content.decode()
    assert client.get(reverse(EDIT)).status_code == 200
    response = client.post(reverse(EDIT), _form(coping="Cold water, then a walk"))
    assert response.status_code == 302
    assert SafetyPlan.objects.filter(client=client_a).first().coping == "Cold water, then a walk"


def test_the_page_links_the_print_stylesheet_and_hides_the_buttons_in_print(
    client, client_a, signed_in
):
    safety_plan_save(client=client_a, sections={"reasons": "Mia"}, now=NOW)
    signed_in(client_a)
    html = client.get(reverse(PAGE)).content.decode()
    assert 'rel="stylesheet" href="/static/css/ehab.css' in html
    assert 'class="no-print"' in html and "style=" not in html and "<script>" not in html
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "ehab.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert ".site-header" in print_rules and ".no-print" in print_rules


# --- the help page and the support page -----------------------------------------------------


def test_the_help_page_is_one_tap_from_the_plan_for_a_client(client, client_a, signed_in):
    assert reverse(PAGE) not in client.get(reverse("crisis")).content.decode()
    signed_in(client_a)
    assert f'href="{reverse(PAGE)}"' in client.get(reverse("crisis")).content.decode()


def test_after_not_safe_right_now_the_support_page_shows_the_plan(
    client, client_a, clinician, signed_in, django_assert_max_num_queries
):
    safety_plan_save(
        client=client_a,
        sections={"warning_signs": "Pacing at night", "ask_for_help": "Sam: 555-0100"},
        now=NOW,
    )
    signed_in(client_a)
    support = client.post(reverse("risk:not_safe")).url
    client.get(support)  # warm the session
    # Session, user, the open flag, its alert, the plan: as many as before the plan was shown.
    with django_assert_max_num_queries(5):
        html = client.get(support).content.decode()
    assert html.index('href="tel:988"') < html.index("Your safety plan")
    assert "Pacing at night" in html and "Sam: 555-0100" in html
    assert "We have sent your care team an alert" in html
    assert f'href="{reverse(PAGE)}"' in html and f'href="{reverse(EDIT)}"' in html


def test_without_a_plan_the_support_page_invites_one(client, client_a, signed_in):
    signed_in(client_a)
    html = client.get(client.post(reverse("risk:not_safe")).url).content.decode()
    assert "You haven&#x27;t written a safety plan yet" in html or (
        "You haven't written a safety plan yet" in html
    )
    assert f'href="{reverse(EDIT)}"' in html


# --- week 1's worksheet, from the real curriculum --------------------------------------------


@pytest.fixture
def week_one(client_a):
    """Client A on the real core track with week 1 open; its safety-plan worksheet."""
    call_command("load_curriculum", str(CURRICULUM), stdout=StringIO())
    track = Track.objects.get(slug="core-12")
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 23))
    ModuleRelease.objects.create(
        enrollment=enrollment, module=track.modules.get(week=1), reason="schedule"
    )
    return Lesson.objects.get(module__track=track, module__week=1, fills="safety_plan")


def test_submitting_week_ones_worksheet_starts_the_plan(client, client_a, week_one, signed_in):
    signed_in(client_a)
    lesson_page = client.get(reverse("courses:lesson", args=[week_one.pk])).content.decode()
    assert 'href="/me/safety-plan/"' in lesson_page
    answers = {f"answer_{p['key']}": f"my {p['fills']}" for p in week_one.prompts}
    response = client.post(reverse("courses:worksheet_submit", args=[week_one.pk]), answers)
    assert response.status_code == 302
    plan = SafetyPlan.objects.get(client=client_a)
    assert (plan.version, plan.source) == (1, "worksheet")
    assert plan.sections() == {key: f"my {key}" for key in plan.sections()}
    assert "my safe_space" in client.get(reverse(PAGE)).content.decode()


def test_week_ones_worksheet_never_overwrites_a_plan_already_written(
    client, client_a, week_one, signed_in
):
    safety_plan_save(client=client_a, sections={"reasons": "Mia"}, now=NOW - timedelta(days=1))
    signed_in(client_a)
    answers = {f"answer_{p['key']}": "from the worksheet" for p in week_one.prompts}
    client.post(reverse("courses:worksheet_submit", args=[week_one.pk]), answers)
    assert WorksheetResponse.objects.filter(status="submitted").count() == 1
    plan = SafetyPlan.objects.get(client=client_a)
    assert (plan.version, plan.reasons, plan.warning_signs) == (1, "Mia", "")


# --- the record's Safety plan section --------------------------------------------------------


def test_the_care_team_sees_the_current_plan_and_how_many_versions_came_before(
    client, client_a, clinician, signed_in
):
    record = reverse("care:client_detail", args=[client_a.pk])
    signed_in(clinician)
    assert "No safety plan yet" in client.get(record).content.decode()
    safety_plan_save(client=client_a, sections={"reasons": "Mia"}, now=NOW - timedelta(days=3))
    safety_plan_save(client=client_a, sections={"reasons": "Mia and Leo"}, now=NOW)
    clinician.timezone = "America/Los_Angeles"
    clinician.save(update_fields=["timezone"])
    html = client.get(record).content.decode()
    assert 'id="safety-plan"' in html and 'href="#safety-plan"' in html
    assert html.index('id="risk"') < html.index('id="safety-plan"') < html.index('id="progress"')
    assert "Mia and Leo" in html and ">Mia<" not in html
    assert "version 2, saved" in html and "Wed 25 Nov 2026, 07:00 PST" in html
    assert "1 earlier version kept." in html


def test_an_unrelated_clinician_gets_404_for_the_record_and_never_sees_the_plan(
    client, client_a, clinician, other_clinician, signed_in
):
    safety_plan_save(client=client_a, sections={"reasons": "CANARY-record-plan"}, now=NOW)
    signed_in(other_clinician)
    response = client.get(reverse("care:client_detail", args=[client_a.pk]))
    assert response.status_code == 404 and "CANARY" not in response.content.decode()


def test_the_plan_pages_cost_the_same_however_many_versions(
    client, client_a, signed_in, django_assert_max_num_queries
):
    signed_in(client_a)
    for url in (reverse(PAGE), reverse(EDIT)):
        client.get(url)  # warm the session
    counts = []
    for first, last in ((1, 1), (2, 12)):  # one version, then twelve
        for n in range(first, last + 1):
            safety_plan_save(client=client_a, sections={"coping": f"Walk, take {n}"}, now=NOW)
        assert SafetyPlan.objects.filter(client=client_a).count() == last
        # Session and user; the client's current plan.
        for url in (reverse(PAGE), reverse(EDIT)):
            with django_assert_max_num_queries(3) as captured:
                assert "Walk, take" in client.get(url).content.decode()
            counts.append(len(captured.captured_queries))
    assert counts[:2] == counts[2:], counts
