"""Every page of every role is valid HTML (the Nu Html Checker), including the ones the browser
journeys never open: each role's pages, their error states (a form sent back with errors), the
error pages, and every lesson of the curriculum.

Pages are rendered with Django's test client and posted to the checker service that the browser
tests share (the `html_checker` session fixture, tests/html_checker.py). A failure lists every
error of every page of that role at once: URL, line, message and the markup around it.
"""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from care.models import SafetyPlan, Supervision
from courses.models import (
    Enrollment,
    Lesson,
    LessonProgress,
    ModuleRelease,
    PacingAction,
    PacingKind,
    PacingReason,
    Track,
    WorksheetResponse,
)
from courses.services.worksheets import worksheet_feedback_create
from ehab import errors
from notifications.models import Kind, Notification, Preference
from payments.models import BillingAccount, BillingState, CheckoutSession, Plan

from .conftest import sign_in
from .factories import CareAssignmentFactory, EnrollmentFactory, UserFactory
from .html_checker import Problem, report

pytestmark = pytest.mark.html

# seed_demo opens weeks 1-4 of the demo cohort's track, counted from "today": a fixed today
# keeps the pages (and the checker's line numbers) the same from run to run.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
TRACK = "core-12"
NOTIFICATIONS = Path(__file__).resolve().parent.parent / "templates" / "notifications"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """seed_demo once for this module, inside a transaction rolled back after its last test;
    each test's own changes roll back to here (a savepoint), as with `db`."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    """The demo accounts and curriculum (seed_demo): client@example.com has weeks 1-4 open."""
    return {user.email.split("@")[0]: user for user in User.objects.all()}


@dataclass
class Pages:
    """The pages one role opens: each answer's status and HTML are checked as it comes, and
    `assert_valid` reports every problem at once."""

    client: object
    checker: object
    problems: list[Problem] = field(default_factory=list)
    wrong_status: list[str] = field(default_factory=list)
    checked: int = 0

    def get(self, url: str, *, status: int = 200, **kwargs):
        return self._check(self.client.get(url, **kwargs), url, status)

    def post(self, url: str, data: dict, *, status: int = 200, **kwargs):
        return self._check(self.client.post(url, data, **kwargs), f"POST {url}", status)

    def fragment(self, url: str, data: dict | None = None, *, status: int = 200):
        """An htmx request (POST with `data`, else GET); its answer is checked as a fragment."""
        headers = {"HX-Request": "true"}
        if data is None:
            response = self.client.get(url, headers=headers)
        else:
            response = self.client.post(url, data, headers=headers)
        if response.status_code != status:
            self.wrong_status.append(f"{url}: expected {status}, got {response.status_code}")
            return response
        self.checked += 1
        self.problems.extend(self.checker.check_fragment(response.content, url=f"{url} (htmx)"))
        return response

    def html(self, html: bytes | str, *, url: str) -> None:
        self.checked += 1
        self.problems.extend(self.checker.check(html, url=url))

    def _check(self, response, url, status):
        if response.status_code != status:
            self.wrong_status.append(f"{url}: expected {status}, got {response.status_code}")
            return response
        self.html(response.content, url=url)
        return response

    def assert_valid(self, role: str) -> None:
        if self.wrong_status:
            pytest.fail("\n".join(["Unexpected status:", *self.wrong_status]), pytrace=False)
        assert self.checked, "no page was checked"
        if self.problems:
            pytest.fail(report(self.problems, what=f"{self.checked} {role} page(s)"), pytrace=False)


@pytest.fixture
def pages(client, html_checker):
    return Pages(client=client, checker=html_checker)


def _client_enrollment(user) -> Enrollment:
    return Enrollment.objects.select_related("track").get(client=user, track__slug=TRACK)


def _worksheet_lesson(enrollment) -> Lesson:
    released = ModuleRelease.objects.filter(enrollment=enrollment).values("module")
    return (
        Lesson.objects.filter(module__in=released)
        .exclude(prompts=[])
        .order_by("module__week", "order")
        .first()
    )


def test_the_pages_anyone_can_open_without_signing_in_are_valid_html(demo, pages):
    unsubscribe = Preference.objects.create(user=demo["client"], kind=Kind.MODULE_RELEASED)
    pages.get(reverse("account_login"))
    pages.post(reverse("account_login"), {"login": "nobody@example.org", "password": "wrong"})
    pages.get(reverse("account_signup"))
    pages.post(
        reverse("account_signup"),
        {"email": "not-an-address", "password1": "short", "password2": "different"},
    )
    pages.get(reverse("account_reset_password"))
    pages.post(reverse("account_reset_password"), {"email": "not-an-address"})
    pages.get(reverse("account_reset_password_done"))
    pages.get(reverse("account_reset_password_from_key", args=["zz", "not-a-key"]))
    pages.get(reverse("account_reset_password_from_key_done"))
    pages.get(reverse("account_email_verification_sent"))
    pages.get(reverse("account_confirm_email", args=["not-a-key"]))
    pages.get(reverse("account_inactive"))
    pages.get(reverse("crisis"))
    pages.get(reverse("join:program"))
    pages.get(reverse("notifications:unsubscribe", args=[unsubscribe.unsubscribe_token]))
    pages.get("/no-such-page/", status=404)
    pages.assert_valid("anonymous")


def test_the_error_pages_are_valid_html(demo, pages):
    request = RequestFactory().get("/")
    request.user = demo["client"]
    pages.html(errors.bad_request(request, Exception("bad")).content, url="400 page")
    pages.html(errors.permission_denied(request, Exception("no")).content, url="403 page")
    pages.html(errors.page_not_found(request, Exception("gone")).content, url="404 page")
    pages.html(errors.server_error(request).content, url="500 page")
    pages.assert_valid("error")


def test_every_page_a_client_sees_is_valid_html(demo, pages):
    user = demo["client"]
    enrollment = _client_enrollment(user)
    plan = Plan.objects.get(slug=f"{TRACK}-monthly")
    account = BillingAccount.objects.create(
        enrollment=enrollment, plan=plan, state=BillingState.INSTALLMENTS_CURRENT
    )
    checkout = CheckoutSession.objects.create(account=account)
    lesson = _worksheet_lesson(enrollment)
    sign_in(pages.client, user)

    pages.get(reverse("courses:dashboard"))
    pages.get(reverse("courses:program_map"))
    for release in ModuleRelease.objects.filter(enrollment=enrollment).select_related("module"):
        pages.get(reverse("courses:module", args=[release.module.pk]))
    # A worksheet: empty, with a draft, sent back with an error, then with a submitted version.
    lesson_url = reverse("courses:lesson", args=[lesson.pk])
    pages.get(lesson_url)
    answers = {f"answer_{prompt['key']}": "Steady." for prompt in lesson.prompts}
    autosave_url = reverse("courses:worksheet_autosave", args=[lesson.pk])
    too_long = {key: "x" * 30_000 for key in answers}
    pages.fragment(autosave_url, too_long, status=400)
    pages.fragment(autosave_url, answers)
    pages.get(lesson_url)
    pages.post(reverse("courses:worksheet_submit", args=[lesson.pk]), too_long, status=400)
    pages.client.post(reverse("courses:worksheet_submit", args=[lesson.pk]), answers)
    assert WorksheetResponse.objects.filter(submitted_at__isnull=False).exists()
    pages.get(lesson_url)
    # My work with a reply from the care team under the version.
    worksheet_feedback_create(
        response=WorksheetResponse.objects.filter(submitted_at__isnull=False).latest("id"),
        author=demo["clinician"],
        text="Thank you <for> this.\nTake your time.",
        now=NOW,
    )
    pages.get(reverse("courses:my_work"))
    # My ratings: empty, then with ratings before and after, one side only, and one unfinished.
    pages.get(reverse("courses:my_suds"))
    rated = Lesson.objects.filter(module__track=enrollment.track, suds=True).order_by(
        "module__week", "order"
    )[:3]
    for n, (lesson_rated, before, after, done) in enumerate(
        zip(rated, (7, None, 5), (3, 4, None), (True, True, False), strict=False)
    ):
        LessonProgress.objects.update_or_create(
            enrollment=enrollment, lesson=lesson_rated,
            defaults={"started_at": NOW - timedelta(days=9 - n), "suds_before": before,
                      "suds_after": after,
                      "completed_at": NOW - timedelta(days=9 - n) if done else None},
        )  # fmt: skip
    pages.get(reverse("courses:my_suds"))
    # A week arrived at from a lesson just finished: "Up next".
    week1 = ModuleRelease.objects.filter(enrollment=enrollment).order_by("module__week").first()
    first_lesson = week1.module.lessons.filter(retired_at__isnull=True).order_by("order").first()
    pages.get(f"{reverse('courses:module', args=[week1.module_id])}?done={first_lesson.pk}")
    newest = ModuleRelease.objects.filter(enrollment=enrollment).order_by("module__week").last()
    last_lesson = newest.module.lessons.filter(retired_at__isnull=True).order_by("order").last()
    pages.get(f"{reverse('courses:module', args=[newest.module_id])}?done={last_lesson.pk}")
    # A worksheet that asks for SUDS, submitted: its lesson is done and asks for the rating after.
    suds_worksheet = (
        Lesson.objects.filter(module__in=ModuleRelease.objects.filter(enrollment=enrollment)
                              .values("module"), suds=True, module__trauma_intense=False)
        .exclude(prompts=[]).order_by("module__week", "order").first()
    )  # fmt: skip
    pages.client.post(
        reverse("courses:worksheet_submit", args=[suds_worksheet.pk]),
        {f"answer_{prompt['key']}": "Noticed." for prompt in suds_worksheet.prompts},
    )
    html = pages.get(reverse("courses:lesson", args=[suds_worksheet.pk])).content.decode()
    assert "Save my rating" in html

    pages.get(reverse("my_billing:account"))
    pages.get(reverse("join:program"))
    pages.get(reverse("join:plan", args=[plan.slug]))
    pages.get(reverse("join:done", args=[checkout.reference]))
    pages.fragment(reverse("join:status", args=[checkout.reference]))
    pages.get(reverse("accounts:profile"))
    pages.post(reverse("accounts:profile"), {"preferred_name": "x" * 500, "timezone": "Nowhere"})
    pages.get(reverse("notifications:preferences"))
    pages.post(reverse("notifications:preferences"), {"quiet_start": "not a time"})
    pages.get(reverse("account_email"))
    pages.get(reverse("account_change_password"))
    pages.post(reverse("account_change_password"), {"oldpassword": "wrong", "password1": "a"})
    pages.get(reverse("mfa_index"))
    pages.get(reverse("mfa_activate_totp"))
    pages.get("/no-such-page/", status=404)
    pages.get(reverse("courses:lesson", args=[999_999]), status=404)
    pages.assert_valid("client")


def test_every_lesson_of_every_track_is_valid_html(demo, pages):
    """Every lesson page of the curriculum, each track's weeks all released to a client enrolled
    in it (a lesson that several tracks share is checked once)."""
    checked_bodies = set()
    for track in Track.objects.order_by("slug"):
        user = UserFactory(role=Role.CLIENT)
        enrollment = EnrollmentFactory(client=user, track=track, start_date=NOW.date())
        modules = track.modules.filter(retired_at__isnull=True)
        ModuleRelease.objects.bulk_create(
            # Past each trauma-intense week's content note (the client test checks that page).
            ModuleRelease(
                enrollment=enrollment, module=module, reason="schedule", content_note_seen_at=NOW
            )
            for module in modules
        )
        pages.client.logout()
        sign_in(pages.client, user)
        lessons = Lesson.objects.filter(module__in=modules, retired_at__isnull=True)
        for lesson in lessons.order_by("module__week", "order"):
            if (lesson.body_html, str(lesson.prompts)) in checked_bodies:
                continue
            checked_bodies.add((lesson.body_html, str(lesson.prompts)))
            pages.get(reverse("courses:lesson", args=[lesson.pk]))
    assert len(checked_bodies) > 100
    pages.assert_valid("lesson")


def test_the_content_preview_of_every_week_and_lesson_of_a_track_is_valid_html(demo, pages):
    """The staff content preview: the list of tracks, then every week and every lesson of one
    track (retired ones too), as an administrator (courses/views_preview.py)."""
    track = Track.objects.get(slug=TRACK)
    sign_in(pages.client, demo["admin"])
    pages.get(reverse("preview:tracks"))
    for week in sorted(set(track.modules.values_list("week", flat=True))):
        pages.get(reverse("preview:week", args=[track.pk, week]))
    lessons = Lesson.objects.filter(module__track=track).order_by("module__week", "order")
    for lesson in lessons:
        pages.get(reverse("preview:lesson", args=[lesson.pk]))
    assert pages.checked > 20
    pages.assert_valid("preview")


def test_every_page_a_clinician_sees_is_valid_html(demo, pages):
    client = demo["client"]
    enrollment = _client_enrollment(client)
    lesson = _worksheet_lesson(enrollment)
    sign_in(pages.client, client)
    answers = {f"answer_{prompt['key']}": "Calmer <than> before." for prompt in lesson.prompts}
    pages.client.post(reverse("courses:worksheet_submit", args=[lesson.pk]), answers)
    # A second version, so the record and the version's page show the changes between them.
    answers = {key: "Calmer & <steadier> now.\nStill here." for key in answers}
    pages.client.post(reverse("courses:worksheet_submit", args=[lesson.pk]), answers)
    pages.client.logout()
    submitted = WorksheetResponse.objects.submitted().filter(enrollment__client=client)
    assert submitted.count() == 2

    sign_in(pages.client, demo["clinician"])
    pages.get(reverse("care:caseload"))
    pages.get(reverse("care:client_detail", args=[client.pk]))
    pages.get(reverse("care:client_detail", args=[999_999]), status=404)
    # A submitted version: its page, a refused reply, a reply, and the record showing it.
    version = submitted.latest("version")
    version_url = reverse("care:worksheet_version", args=[client.pk, version.pk])
    reply_url = reverse("care:worksheet_reply", args=[client.pk, version.pk])
    pages.get(version_url)
    pages.post(reply_url, {"text": ""}, status=400)
    pages.post(reply_url, {"text": "Thank you <for> this."}, follow=True)
    pages.get(reverse("care:client_detail", args=[client.pk]))
    pages.get(reverse("accounts:profile"))
    pages.get(reverse("notifications:preferences"))
    pages.get(reverse("mfa_index"))
    pages.get(reverse("mfa_generate_recovery_codes"))
    pages.assert_valid("clinician")


def test_the_clients_record_full_of_history_is_valid_html(demo, pages):
    """The record page with every part of its frame, progress and SUDS filled from real rows
    (weeks done, open, held and locked; ratings; a worksheet sent; a content note), and the
    records of a finished client and of a client with no program yet."""
    client, clinician = demo["client"], demo["clinician"]
    enrollment = _client_enrollment(client)
    released = ModuleRelease.objects.filter(enrollment=enrollment).select_related("module")
    for release in released:
        release.content_note_seen_at = NOW if release.module.trauma_intense else None
        release.save(update_fields=["content_note_seen_at"])
        for lesson in release.module.lessons.filter(retired_at__isnull=True)[:2]:
            LessonProgress.objects.create(
                enrollment=enrollment, lesson=lesson, started_at=release.released_at,
                completed_at=release.released_at + timedelta(minutes=20),
                suds_before=6 if lesson.suds else None, suds_after=3 if lesson.suds else None,
            )  # fmt: skip
    ahead = enrollment.track.modules.exclude(pk__in=released.values("module")).order_by("week")
    PacingAction.objects.create(
        enrollment=enrollment, kind=PacingKind.HOLD, module=ahead.first(), author=clinician,
        reason_code=PacingReason.STABILIZATION, created_at=NOW,
    )  # fmt: skip
    finished = UserFactory(role=Role.CLIENT, preferred_name="Robin")
    EnrollmentFactory(client=finished, track=enrollment.track, status="completed")
    newcomer = UserFactory(role=Role.CLIENT, preferred_name="Casey")
    for person in (finished, newcomer):
        CareAssignmentFactory(clinician=clinician, client=person)
    sign_in(pages.client, clinician)
    html = pages.get(reverse("care:client_detail", args=[client.pk])).content.decode()
    assert "record-timeline__svg" in html and "record-suds__svg" in html
    assert 'record-week--held"' in html and 'record-week--locked"' in html
    pages.get(reverse("care:client_detail", args=[finished.pk]))
    pages.get(reverse("care:client_detail", args=[newcomer.pk]))
    pages.assert_valid("client record")


def test_the_caseload_in_each_of_its_states_is_valid_html(demo, pages):
    """Ranked rows with reason chips and a SUDS sparkline, filters with a form error, nobody
    matching, and a supervisor's view with the Clinician column."""
    enrollment = _client_enrollment(demo["client"])
    released = ModuleRelease.objects.filter(enrollment=enrollment).values("module")
    lessons = Lesson.objects.filter(module__in=released).order_by("module__week", "order")[:5]
    for n, lesson in enumerate(lessons):
        LessonProgress.objects.update_or_create(
            enrollment=enrollment,
            lesson=lesson,
            defaults={"completed_at": NOW - timedelta(days=9 - n), "suds_after": 2 + n},
        )
    sign_in(pages.client, demo["clinician"])
    caseload = reverse("care:caseload")
    pages.get(caseload)
    pages.get(caseload, data={"q": "x" * 101, "on_hold": "on", "sort": "name"})
    pages.get(caseload, data={"q": "nobody by this name", "needs_review": "on"})
    pages.client.logout()

    supervisor = UserFactory(role=Role.SUPERVISOR)
    Supervision.objects.create(supervisor=supervisor, clinician=demo["clinician"])
    sign_in(pages.client, supervisor)
    pages.get(caseload, data={"sort": "activity"})
    pages.assert_valid("caseload")


def test_the_records_pacing_and_notes_sections_are_valid_html(demo, pages):
    """The record with pacing history, held weeks and notes (signed, amended, a draft with its
    forms), and each kind of refused pacing and note form coming back on it."""
    from care.services import note_amend, note_create, note_sign
    from courses.services.pacing import pacing_hold, pacing_pause, pacing_shift

    client, clinician = demo["client"], demo["clinician"]
    enrollment = _client_enrollment(client)
    week = {m.week: m for m in enrollment.track.modules.all()}
    now = NOW  # the moment the demo was seeded: weeks 1-4 open, week 6 not yet
    pacing_hold(enrollment=enrollment, module=week[6], reason_code="stabilization",
                note="Steady <first>.", author=clinician, now=now)  # fmt: skip
    pacing_shift(enrollment=enrollment, days=3, reason_code="life_event", author=clinician,
                 now=now)  # fmt: skip
    signed = note_sign(
        note=note_create(client=client, author=clinician, note_date=now.date(), kind="session",
                         text="First session.\n\nCalm & <steady>.", now=now),
        author=clinician, now=now,
    )  # fmt: skip
    note_amend(note=signed, author=clinician, now=now)
    note_create(client=client, author=clinician, note_date=now.date(), kind="phone",
                text="A draft.", now=now)  # fmt: skip
    record = reverse("care:client_detail", args=[client.pk])
    pacing = reverse("care:pacing", args=[client.pk])
    sign_in(pages.client, clinician)
    pages.get(record)
    pages.post(pacing, {"verb": "hold", "week": "nope", "reason": ""}, status=400)
    pages.post(pacing, {"verb": "shift", "days": "0", "reason": "x" * 300}, status=400)
    pages.post(pacing, {"verb": "lift", "week": str(week[6].pk), "reason": ""}, status=400)
    pages.post(pacing, {"verb": "unknown"}, status=400)
    pages.post(reverse("care:note_new", args=[client.pk]), {"text": ""}, status=400)
    pages.post(reverse("care:note_edit", args=[client.pk, signed.pk]), {"text": "x"}, status=400)
    pacing_pause(enrollment=enrollment, reason_code="life_event", author=clinician, now=now)
    pages.get(record)
    pages.assert_valid("clinician's record")


def test_every_page_billing_staff_see_is_valid_html(demo, pages):
    plan = Plan.objects.get(slug=f"{TRACK}-full")
    enrollment = _client_enrollment(demo["client"])
    account = BillingAccount.objects.create(
        enrollment=enrollment,
        plan=plan,
        state=BillingState.PAST_DUE,
        past_due_since=timezone.now(),
    )
    sign_in(pages.client, demo["billing"])
    pages.get(reverse("billing:console"))
    pages.get(reverse("billing:console") + "?state=past_due")
    pages.get(reverse("billing:account", args=[account.pk]))
    # Plans: the list, a new plan's form empty and sent back with errors, the edit form of a
    # plan someone is on (its terms fixed) and of one nobody chose.
    pages.get(reverse("billing:plans"))
    pages.get(reverse("billing:plan_new"))
    pages.post(
        reverse("billing:plan_new"),
        {"track": "", "slug": "Not a slug", "kind": "full", "installments": "3", "amount": "0.001"},
        status=400,
    )
    pages.get(reverse("billing:plan_edit", args=[plan.pk]))
    pages.get(reverse("billing:plan_edit", args=[Plan.objects.get(slug=f"{TRACK}-monthly").pk]))
    pages.get(reverse("accounts:profile"))
    pages.assert_valid("billing")


def test_every_page_an_administrator_sees_is_valid_html(demo, pages):
    Notification.objects.create(
        user=demo["client"], kind=Kind.MODULE_RELEASED, dedupe_key="html", link_target="home"
    )
    sign_in(pages.client, demo["admin"])
    pages.get(reverse("accounts:console"))
    pages.get(reverse("notifications:operations"))
    pages.get(reverse("billing:console"))
    pages.get(reverse("accounts:profile"))
    pages.assert_valid("administrator")


def test_the_cohort_pages_are_valid_html(demo, pages):
    """The administrators' cohort pages (/ops/cohorts/): the list, a new cohort's form and its
    refusal, the demo cohort's edit form and its roster."""
    from courses.models import Cohort

    cohort = Cohort.objects.get(name="Demo cohort")
    sign_in(pages.client, demo["admin"])
    pages.get(reverse("ops:cohorts"))
    pages.get(reverse("ops:cohort_new"))
    refused = {"track": cohort.track_id, "name": "", "capacity": "0", "meeting_time": "18:00"}
    pages.post(reverse("ops:cohort_new"), refused, status=400)
    pages.get(reverse("ops:cohort_edit", args=[cohort.pk]))
    pages.get(reverse("ops:cohort_roster", args=[cohort.pk]))
    pages.assert_valid("cohorts")


def test_the_people_pages_are_valid_html(demo, pages):
    """The administrators' people pages (/ops/people/): the list (everyone, filtered, nobody
    found, a refused filter), adding a person and its refusal, a client's page with its care
    team and enrollments, a clinician's and a supervisor's page with their supervision, and each
    change refused (400) or done (the page after)."""
    from care.models import CareAssignment

    client, clinician = demo["client"], demo["clinician"]
    supervisor = UserFactory(role=Role.SUPERVISOR, preferred_name="Dr. Lead")
    sign_in(pages.client, demo["admin"])
    people = reverse("ops:people")
    pages.get(people)
    pages.get(people + "?q=client&role=client&active=active")
    pages.get(people + "?q=nobody-at-all")
    pages.get(people + "?role=wizard", status=400)
    pages.get(reverse("ops:person_new"))
    refused = {"email": client.email, "preferred_name": "", "role": "client", "timezone": "UTC"}
    pages.post(reverse("ops:person_new"), refused, status=400)
    person = reverse("ops:person", args=[client.pk])
    pages.get(person)
    pages.post(person, {"role": "client", "clinical_oversight": "on"}, status=400)
    care_add = reverse("ops:person_care_add", args=[client.pk])
    pages.post(care_add, {"clinician": "0"}, status=400)
    pages.post(care_add, {"clinician": supervisor.pk}, follow=True)
    assignment = CareAssignment.objects.get(client=client, clinician=supervisor, is_active=True)
    end = reverse("ops:person_care_end", args=[client.pk, assignment.pk])
    pages.post(end, {}, follow=True)
    supervisor_add = reverse("ops:person_supervisor_add", args=[clinician.pk])
    pages.post(supervisor_add, {"supervisor": clinician.pk}, status=400)
    pages.post(supervisor_add, {"supervisor": supervisor.pk}, follow=True)
    pages.get(reverse("ops:person", args=[supervisor.pk]))
    supervision = Supervision.objects.get(supervisor=supervisor, clinician=clinician)
    ended = reverse("ops:person_supervision_end", args=[clinician.pk, supervision.pk])
    pages.post(ended, {}, follow=True)
    trail = reverse("ops:audit")
    pages.get(trail)
    pages.get(trail + f"?person={client.email}&action=account.&outcome=allowed&since=2020-01-01")
    pages.get(trail + "?action=Not+An+Action&since=1066-10-14", status=400)
    pages.assert_valid("people")


def test_the_session_pages_are_valid_html(demo, pages):
    """Sessions (meetings): the demo client's schedule (a cancelled and a moved session among
    them) and home card; the console's sessions of the demo cohort, its forms and their
    refusals; the clinician's booking page and its refusal."""
    from courses.models import Cohort
    from meetings.models import OccurrenceStatus, SessionSeries
    from meetings.services import occurrence_cancel, occurrence_move

    cohort = Cohort.objects.get(name="Demo cohort")
    series = SessionSeries.objects.get(cohort=cohort)
    coming = list(series.occurrences.filter(starts_at__gt=NOW)[:2])
    occurrence_cancel(occurrence=coming[0], acting_user=demo["admin"], now=NOW)
    occurrence_move(
        occurrence=coming[1], day=coming[1].local_date + timedelta(days=1),
        start_time=coming[1].starts_at.time(), acting_user=demo["admin"], now=NOW,
    )  # fmt: skip
    assert series.occurrences.filter(status=OccurrenceStatus.MOVED).exists()
    sign_in(pages.client, demo["client"])
    pages.get(reverse("meetings:mine"))
    home = pages.get(reverse("courses:dashboard"))
    assert b"Your next sessions" in home.content
    pages.client.logout()
    sign_in(pages.client, demo["admin"])
    pages.get(reverse("ops:cohort_sessions", args=[cohort.pk]))
    pages.get(reverse("ops:series_new", args=[cohort.pk]))
    pages.post(reverse("ops:series_new", args=[cohort.pk]), {"length_minutes": "0"}, status=400)
    edit = reverse("ops:series_edit", args=[cohort.pk, series.pk])
    pages.get(edit)
    pages.post(edit, {"video_url": "http://x.example"}, status=400)
    move = reverse("ops:occurrence_move", args=[cohort.pk, coming[1].pk])
    pages.get(move)
    pages.post(move, {"day": "2020-01-01", "start_time": "10:00"}, status=400)
    pages.client.logout()
    sign_in(pages.client, demo["clinician"])
    book = reverse("care:session_new", args=[demo["client"].pk])
    pages.get(book)
    pages.post(book, {"length_minutes": "0"}, status=400)
    pages.assert_valid("sessions")


def test_a_page_with_an_html_error_fails_the_check(html_checker):
    """The check can fail: a list inside a paragraph (the sign-up page's old password help)."""
    broken = (
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>'
        "<p><span><ul><li>rule</li></ul></span></p><form hx-post='/x'></form></body></html>"
    )
    problems = html_checker.check(broken, url="broken")
    messages = " ".join(problem.message for problem in problems)
    assert "hx-post" in messages
    assert "“p”" in messages


def test_every_admin_site_page_is_valid_html(demo, pages):
    """The administration site: its index, and each registered model's list, one record, and
    the add form where adding is allowed."""
    from django.contrib import admin

    admin_user = demo["owner"]  # the demo's superuser
    sign_in(pages.client, admin_user)
    request = RequestFactory().get("/")
    request.user = admin_user
    pages.get(reverse("accounts:console"))  # with its card for the Django admin
    pages.get(reverse("admin:index"))
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.get(reverse(f"{name}_changelist"))
        record = model.objects.first()
        if record is not None:
            pages.get(reverse(f"{name}_change", args=[record.pk]))
        if model_admin.has_add_permission(request):
            pages.get(reverse(f"{name}_add"))
    pages.assert_valid("administration site")


def test_every_notification_email_body_is_valid_html(pages):
    """Each kind of message's HTML part (templates/notifications/<kind>/body.html)."""
    context = {
        "greeting_name": "Sam",
        "action_url": "https://ehab.example/n/token",
        "unsubscribe_url": "https://ehab.example/u/token/",
        "brand": "E-Hab",
    }
    bodies = sorted(NOTIFICATIONS.glob("*/body.html"))
    assert len(bodies) >= 7
    for body in bodies:
        name = f"notifications/{body.parent.name}/body.html"
        pages.html(render_to_string(name, context), url=name)
    pages.assert_valid("email")


def test_the_risk_pages_are_valid_html(demo, pages):
    """The client's support page (with and without an alerted care team), the flags page with
    open, escalated and resolved flags and a refused resolve form, and the record's Risk section
    with flags on it."""
    from care.models import RiskFlag
    from care.services import risk_flag_acknowledge, risk_flag_raise, risk_flag_resolve

    client, clinician = demo["client"], demo["clinician"]
    sign_in(pages.client, client)
    pages.get(reverse("risk:support"))  # no flag yet
    response = pages.client.post(reverse("risk:not_safe"))
    assert response.status_code == 302
    pages.get(reverse("risk:support"))
    flag = RiskFlag.objects.get(client=client)
    other = risk_flag_raise(
        client=client,
        source=RiskFlag.Source.CLINICIAN,
        raised_by=clinician,
        note="Sounded <low> on the phone & tired.",
        now=NOW,
    )
    risk_flag_acknowledge(flag=other, by=clinician, now=NOW)
    done = risk_flag_raise(client=client, source=RiskFlag.Source.MEASURE, now=NOW)
    risk_flag_resolve(flag=done, by=clinician, action="no_action", note="Talked <it> through.",
                      now=NOW)  # fmt: skip
    RiskFlag.objects.filter(pk=flag.pk).update(escalated_at=NOW)
    sign_in(pages.client, clinician)
    pages.get(reverse("care:flags"))
    pages.post(reverse("care:flag_resolve", args=[flag.pk]), {"action": "no_action"}, status=400)
    pages.get(reverse("care:client_detail", args=[client.pk]))
    pages.assert_valid("risk")


def test_the_measures_pages_are_valid_html(demo, pages):
    """The client's home with a questionnaire due, the questionnaire (and its refusal), their
    scores page with a chart, and the record's Measures section (and a refused interval)."""
    from measures.models import Instrument
    from measures.services import administration_submit, measure_skip

    client, clinician = demo["client"], demo["clinician"]
    sign_in(pages.client, client)
    pages.get(reverse("measures:mine"))  # nothing answered yet
    pages.get(reverse("courses:dashboard"))  # the card
    pages.get(reverse("measures:answer", args=["phq9"]))
    pages.post(reverse("measures:answer", args=["phq9"]), {"item_1": "2"}, status=400)
    phq9 = Instrument.objects.get(key="phq9")
    for days, value in ((30, 0), (16, 1), (2, 2)):
        administration_submit(
            client=client, instrument=phq9, answers={n: value for n in range(1, 10)} | {9: 0},
            now=NOW - timedelta(days=days),
        )  # fmt: skip
    measure_skip(client=client, instrument=Instrument.objects.get(key="gad7"), now=NOW)
    pages.get(reverse("measures:mine"))
    sign_in(pages.client, clinician)
    pages.get(reverse("care:client_detail", args=[client.pk]))
    pages.post(
        reverse("care:measures_interval", args=[client.pk]), {"interval_days": "3"}, status=400
    )
    pages.get(reverse("care:caseload"))
    pages.assert_valid("measures")


def test_the_safety_plan_pages_are_valid_html(demo, pages):
    """The client's safety plan: empty, its form empty and sent back with errors, written; the
    help and support pages leading to it; and the record's Safety plan section."""
    client, clinician = demo["client"], demo["clinician"]
    assert not SafetyPlan.objects.filter(client=client).exists()  # first the invitation
    sign_in(pages.client, client)
    pages.get(reverse("safety_plan:page"))
    pages.get(reverse("safety_plan:edit"))
    pages.post(reverse("safety_plan:edit"), {"reasons": "x" * 4001, "coping": "Walk"}, status=400)
    response = pages.client.post(
        reverse("safety_plan:edit"),
        {"warning_signs": "Late <nights>\nalone", "reasons": "Mia & Leo", "safe_space": "Keys"},
    )
    assert response.status_code == 302
    pages.get(reverse("safety_plan:page"))
    pages.get(reverse("safety_plan:edit"))
    pages.get(reverse("crisis"))
    pages.client.post(reverse("risk:not_safe"))
    pages.get(reverse("risk:support"))
    sign_in(pages.client, clinician)
    pages.get(reverse("care:client_detail", args=[client.pk]))
    pages.assert_valid("safety plan")


def test_the_lapse_and_log_pages_are_valid_html(demo, pages):
    """The lapse pages (recording one, refused; the chain analysis empty, refused, finished with
    its next steps, and read only after a week), the urge log (empty, refused, after a strong
    urge), the practice log (refused, confirmed) and the parts journal (empty, refused, with
    entries over two pages)."""
    from daily.models import PartsEntry

    client = demo["client"]
    sign_in(pages.client, client)
    pages.get(reverse("daily:lapse_new"))
    pages.post(reverse("daily:lapse_new"), {"day": "1999-01-01"}, status=400)
    chain = pages.client.post(reverse("daily:lapse_new"), {"day": NOW.date().isoformat()}).url
    pages.get(chain)
    pages.post(chain, {"situation": "x" * 2001, "part": "nobody", "action": "finish"}, status=400)
    answers = {"situation": "Late <alone>", "part": "teenager", "stage": "escape"}
    pages.post(chain, answers | {"action": "finish"}, follow=True)
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        sign_in(pages.client, client)
        pages.get(chain)
    sign_in(pages.client, client)
    pages.get(reverse("daily:urge"))
    pages.post(reverse("daily:urge"), {"intensity": "11", "where": "chest"}, status=400)
    strong = {"intensity": "8", "where": "chest", "did": "acted"}
    pages.post(reverse("daily:urge"), strong, follow=True)
    pages.get(reverse("daily:practice"))
    pages.post(reverse("daily:practice"), {"practice": "yoga", "suds_before": "4"}, status=400)
    practice = {"practice": "grounding", "suds_before": "7", "suds_after": "4"}
    pages.post(reverse("daily:practice"), practice, follow=True)
    pages.get(reverse("daily:parts"))
    pages.post(reverse("daily:parts"), {"parts": ["shadow"], "text": "a\x00b"}, status=400)
    PartsEntry.objects.bulk_create(
        PartsEntry(client=client, at=NOW - timedelta(hours=n), day=NOW.date(),
                   parts=["inner_child", "witness"], text=f"Entry <{n}>\n\nSecond paragraph.")
        for n in range(21)
    )  # fmt: skip
    pages.get(reverse("daily:parts"))
    pages.get(reverse("daily:parts") + "?page=2")
    pages.assert_valid("lapse and logs")


def test_the_daily_check_in_and_plan_pages_are_valid_html(demo, pages):
    """The client's daily plan (empty, its form with errors, written) and the check-in: without a
    plan, with anchors, an evening sent back with errors, a missed day to fill in later, a
    closed day, and the home's Today card before and after the evening."""
    from daily.models import Checkin
    from daily.services.checkins import checkin_save

    client = demo["client"]
    sign_in(pages.client, client)
    today = client.local_date(NOW)
    pages.get(reverse("daily:plan"))
    pages.get(reverse("daily:plan_edit"))
    pages.get(reverse("daily:today"))
    pages.get(reverse("courses:dashboard"))
    pages.post(
        reverse("daily:plan_edit"), {"bottom_lines": "x" * 4001, "anchors": "Walk"}, status=400
    )
    response = pages.client.post(
        reverse("daily:plan_edit"),
        {
            "bottom_lines": "No <apps> after 10",
            "warning_signs": "Tired & alone",
            "anchors": "Walk\nCall Sam",
        },
    )
    assert response.status_code == 302
    pages.get(reverse("daily:plan"))
    pages.get(reverse("daily:plan_edit"))
    pages.get(reverse("daily:today"))
    pages.post(
        reverse("daily:today"),
        {"part": "evening", "mood": "11", "anchors_done": ["Run"], "helped": "Tea <&> a walk"},
        status=400,
    )
    pages.client.post(reverse("daily:today"), {"part": "morning", "intention": "Go gently"})
    pages.client.post(
        reverse("daily:today"),
        {"part": "evening", "mood": "6", "urge": "2", "anchors_done": ["Walk"],
         "loudest_part": "witness", "bottom_lines": "held", "helped": "A walk", "safe": "yes"},
    )  # fmt: skip
    assert Checkin.objects.filter(client=client, day=today, bottom_lines="held").exists()
    pages.get(reverse("daily:today"))
    pages.get(reverse("courses:dashboard"))
    missed = today - timedelta(days=3)
    pages.get(reverse("daily:checkin_day", kwargs={"day": missed}))
    closed = today - timedelta(days=5)
    checkin_save(client=client, day=closed, now=NOW - timedelta(days=5), intention="Breathe",
                 evening={"mood": 4, "bottom_lines": "lapsed"})  # fmt: skip
    pages.get(reverse("daily:checkin_day", kwargs={"day": closed}))
    pages.get(reverse("daily:today"))
    pages.client.post(reverse("daily:today"), {"part": "evening", "safe": "no"})
    pages.get(reverse("daily:today"))  # the calm note with help and the safety plan
    pages.assert_valid("daily")


def test_the_daily_trends_pages_are_valid_html(demo, pages):
    """The client's trends (the seeded three weeks over 4 and 12 weeks, and a client with none),
    the record's Daily section full and empty, and the caseload's Check-ins column."""
    client, clinician = demo["client"], demo["clinician"]
    sign_in(pages.client, client)
    pages.get(reverse("daily:trends"))
    pages.get(reverse("daily:trends") + "?weeks=12")
    pages.get(reverse("daily:trends") + "?weeks=nope")
    sign_in(pages.client, demo["client2"])
    pages.get(reverse("daily:trends"))
    sign_in(pages.client, clinician)
    pages.get(reverse("care:client_detail", args=[client.pk]))
    pages.get(reverse("care:client_detail", args=[demo["client2"].pk]))
    pages.get(reverse("care:caseload"))
    pages.assert_valid("daily trends")


def test_the_records_and_closure_pages_are_valid_html(demo, pages):
    """The client's records: the page (no copies, then some), a copy being prepared, failed,
    ready (the demo client's seeded history) and expired; closing the account (the page, the
    form sent back unconfirmed, the page after); and the administrators' list of closures
    (empty, with an open and a completed request)."""
    from records.models import ClosureRequest, RecordExport
    from records.services import closure_complete, record_export_build, record_export_request

    client, admin = demo["client"], demo["admin"]
    sign_in(pages.client, admin)
    pages.get(reverse("ops:closures"))
    sign_in(pages.client, client)
    pages.get(reverse("records:home"))
    pending = record_export_request(client=client, now=NOW)
    pages.get(reverse("records:export", args=[pending.token]))
    failed = record_export_request(client=client, now=NOW)
    RecordExport.objects.filter(pk=failed.export.pk).update(status=RecordExport.Status.FAILED)
    pages.get(reverse("records:export", args=[failed.token]))
    record_export_build(export_id=pending.export.pk, now=NOW)
    pages.get(reverse("records:export", args=[pending.token]))
    pages.get(reverse("records:home"))
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        sign_in(pages.client, client)
        pages.get(reverse("records:export", args=[pending.token]), status=410)
    sign_in(pages.client, client)
    pages.get(reverse("records:close"))
    pages.post(reverse("records:close"), {"reason": "Moving <away> & busy"}, status=400)
    pages.get(reverse("records:closed"))
    other = demo["client2"]
    ClosureRequest.objects.create(client=other, requested_at=NOW, reason="x")
    done = ClosureRequest.objects.create(client=client, requested_at=NOW - timedelta(days=3))
    closure_complete(request=done, by=admin, now=NOW)
    sign_in(pages.client, admin)
    pages.get(reverse("ops:closures"))
    pages.get(reverse("accounts:console"))
    pages.assert_valid("records")


def test_the_consoles_enrollment_pages_are_valid_html(demo, pages):
    """Find (empty, found, refused), the enrollment with its actions, a refused action, the move
    page (choosing, previewing, refused) and a withdrawn enrollment's re-admit form."""
    from courses.models import Cohort

    enrollment = _client_enrollment(demo["client"])
    other = Cohort.objects.create(
        track=enrollment.track, name="HTML later", start_date=NOW.date() + timedelta(days=14)
    )
    sign_in(pages.client, demo["admin"])
    pages.get(reverse("ops:enrollments"))
    pages.get(reverse("ops:enrollments") + f"?email={enrollment.client.email}")
    pages.get(reverse("ops:enrollments") + "?email=nope", status=400)
    detail = reverse("ops:enrollment", args=[enrollment.pk])
    move = reverse("ops:enrollment_move", args=[enrollment.pk])
    pages.get(detail)
    pages.get(move)
    pages.get(move + f"?cohort={other.pk}")
    pages.get(move + "?cohort=0", status=400)
    pages.post(move, {"cohort": other.pk, "reason": ""}, status=400)
    switch = reverse("ops:enrollment_switch", args=[enrollment.pk])
    extended = Track.objects.get(slug="extended-24")
    pages.get(switch)
    pages.get(switch + f"?track={extended.pk}")
    pages.get(switch + "?track=0", status=400)
    pages.post(switch, {"track": extended.pk, "reason": ""}, status=400)
    withdraw = reverse("ops:enrollment_status", args=[enrollment.pk, "withdraw"])
    pages.post(withdraw, {"reason": ""}, status=400)
    pages.client.post(withdraw, {"reason": "HTML check"})
    pages.get(detail)
    # Adding people: the invite form, a refused file's line-by-line report, the manual form and
    # its refusal.
    from django.core.files.uploadedfile import SimpleUploadedFile

    pages.get(reverse("ops:invite"))
    bad = SimpleUploadedFile("p.csv", b"name,email\n,nobody\n", content_type="text/csv")
    pages.post(reverse("ops:invite"), {"cohort": other.pk, "people": bad}, status=400)
    pages.get(reverse("ops:manual_enroll"))
    pages.post(reverse("ops:manual_enroll"), {"email": "x@example.org"}, status=400)
    pages.assert_valid("administrator (enrollments)")


def test_the_reports_pages_are_valid_html(demo, pages):
    """The administrators' reports: the whole program, a track, a cohort, an unknown group."""
    from courses.models import Cohort

    sign_in(pages.client, demo["admin"])
    track = Track.objects.get(slug=TRACK)
    pages.get(reverse("ops:reports"))
    pages.get(reverse("ops:reports") + f"?group=track-{track.pk}")
    cohort = Cohort.objects.filter(track=track).order_by("pk").first()
    assert cohort is not None  # seed_demo's demo cohort
    pages.get(reverse("ops:reports") + f"?group=cohort-{cohort.pk}")
    pages.get(reverse("ops:reports") + "?group=nonsense", status=400)
    pages.assert_valid("reports")


def test_the_attendance_and_hours_pages_are_valid_html(demo, pages):
    """The clinician's sessions, a session's attendance (empty, sent back with errors, saved),
    the record's Hours section, and the client's own attendance and hours."""
    from meetings.attendance_services import Mark, attendance_record
    from tests.meetings.helpers import group_with_sessions

    lead = demo["clinician"]
    _, (first, second), sessions = group_with_sessions(
        lead=lead,
        members=2,
        start=datetime(2026, 11, 2, tzinfo=UTC).date(),
        now=datetime(2026, 11, 1, tzinfo=UTC),
        weeks=6,
    )
    attendance_record(
        occurrence=sessions[0],
        marks=[Mark(first.pk, "present"), Mark(second.pk, "absent")],
        by=lead,
        now=NOW,
    )
    sign_in(pages.client, lead)
    pages.get(reverse("care:sessions"))
    url = reverse("care:session_attendance", args=[sessions[1].pk])
    pages.get(url)
    pages.post(url, {f"status_{first.pk}": "late", f"minutes_{first.pk}": "500"}, status=400)
    saved = pages.client.post(url, {f"status_{first.pk}": "late", f"minutes_{first.pk}": "60",
                                    f"status_{second.pk}": "absent"})  # fmt: skip
    assert saved.status_code == 302
    pages.get(url)
    pages.get(reverse("care:session_attendance", args=[sessions[5].pk]))  # not begun
    pages.get(reverse("care:client_detail", args=[first.pk]))
    pages.client.logout()
    sign_in(pages.client, first)
    pages.get(reverse("attendance:mine"))
    pages.client.logout()
    sign_in(pages.client, demo["client"])
    pages.get(reverse("attendance:mine"))
    pages.assert_valid("attendance")


def test_the_superbill_and_receipt_pages_are_valid_html(demo, pages, settings):
    """Superbills and receipts: the page before the practice has set them up, then with its
    details (no client details yet, a refused form, saved), a refused range, the printable
    superbill (the demo client's attended sessions and a payment) and a receipt; the record's
    Diagnosis section with a code entered and a refused code."""
    from decimal import Decimal

    from care.services import diagnosis_enter
    from payments.models import Payment

    client, clinician = demo["client"], demo["clinician"]
    sign_in(pages.client, client)
    superbill = reverse("records:superbill")
    pages.get(superbill)
    settings.EHAB_PRACTICE_ADDRESS = "1 Calm Street;Miami, FL 33101"
    settings.EHAB_PRACTICE_TAX_ID = "12-3456789"
    settings.EHAB_PRACTICE_NPI = "1234567893"
    settings.EHAB_SESSION_FEES = {"group": Decimal("120.00"), "individual": Decimal("175.00")}
    pages.get(superbill)
    pages.post(superbill, {"legal_name": "", "date_of_birth": "3000-01-01"}, status=400)
    pages.post(superbill, {"legal_name": "Sam <Rivera>", "date_of_birth": "1980-04-02"},
               follow=True)  # fmt: skip
    printed = reverse("records:superbill_print")
    pages.get(printed + "?since=2030-01-01&until=2020-01-01", status=400)
    diagnosis_enter(client=client, code="F52.8", by=clinician, now=NOW)
    enrollment = _client_enrollment(client)
    plan = Plan.objects.get(slug=f"{TRACK}-full")
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    payment = Payment.objects.create(account=account, amount=Decimal("3000.00"), paid_at=NOW)
    since = (NOW - timedelta(days=60)).date().isoformat()
    pages.get(printed + f"?since={since}&until={NOW.date().isoformat()}")
    pages.get(reverse("records:receipt", args=[payment.pk]))
    pages.client.logout()
    sign_in(pages.client, clinician)
    pages.get(reverse("care:client_detail", args=[client.pk]))
    pages.post(reverse("care:diagnosis", args=[client.pk]), {"code": "nope"}, status=400)
    pages.assert_valid("superbills")
