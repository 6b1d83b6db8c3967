"""A-3: every URL, classified by what each role gets, requested as every role.

A URL that is added without a row here fails `test_every_url_is_classified`. The admin site is
classified by one rule (every page of it is for superusers only: an administrator without the
key gets 404 like everybody else) and every one of its URLs is still requested as every role.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import Action
from audit.selectors import audit_denials_counted
from payments.agreements import AGREEMENT_VERSION

ANON, CA, CB, CL, OC, BI, AD = (
    "anonymous",
    "client_a",
    "client_b",
    "clinician",
    "other_clinician",
    "billing",
    "admin",
)
ROLES = (ANON, CA, CB, CL, OC, BI, AD)
SIGNED_IN = ROLES[1:]
# An administrator who is also a superuser: the only one the Django admin lets in.
SU = "superuser"

OK, LOGIN, NOT_FOUND, REDIRECT, GONE = "200", "login", "404", "redirect", "405"


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def signed_in_only(outcome=OK):
    return {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, outcome)}


def only(*roles):
    """A page for some roles: anonymous is sent to sign in, every other role gets 404."""
    return {ANON: LOGIN, **{r: (OK if r in roles else NOT_FOUND) for r in SIGNED_IN}}


def post_only(*roles):
    return {ANON: LOGIN, **{r: (GONE if r in roles else NOT_FOUND) for r in SIGNED_IN}}


def only_redirect(*roles):
    return {ANON: LOGIN, **{r: (REDIRECT if r in roles else NOT_FOUND) for r in SIGNED_IN}}


def clients_and_staff(client_outcome, staff_outcome):
    """Clients here have no second factor; staff have an authenticator app."""
    return {
        ANON: LOGIN,
        CA: client_outcome,
        CB: client_outcome,
        **dict.fromkeys((CL, OC, BI, AD), staff_outcome),
    }


def anon_only(signed_in_outcome=REDIRECT):
    return {ANON: OK, **dict.fromkeys(SIGNED_IN, signed_in_outcome)}


def _matrix_note(p):
    """A signed progress note by the assigned clinician about client A (the notes addresses)."""
    from django.utils import timezone

    from care.models import ProgressNote

    note = ProgressNote.objects.create(
        client=p[CA], author=p[CL], note_date=timezone.now().date(), kind="session",
        text="matrix", status="signed", signed_at=timezone.now(),
    )  # fmt: skip
    return {"client_id": p[CA].pk, "note_id": note.pk}


def _matrix_cohort(p):
    """A cohort of client A's track, with client A in it (the cohort pages' addresses)."""
    from tests.factories import CohortFactory

    enrollment = p[CA].enrollments.get()
    cohort = CohortFactory(track=enrollment.track, name="Matrix cohort")
    enrollment.cohort = cohort
    enrollment.save(update_fields=["cohort"])
    return cohort.pk


def _matrix_today(p):
    """Today in client A's zone (the matrix's people share one zone)."""
    from django.utils import timezone

    from daily.days import local_today

    return local_today(now=timezone.now(), tz=p[CA].timezone)


def _matrix_lapse(p):
    """A lapse client A recorded (its chain analysis page)."""
    from django.utils import timezone

    from daily.models import Lapse

    now = timezone.now()
    lapse = Lapse.objects.create(client=p[CA], day=_matrix_today(p), created_at=now, updated_at=now)
    return {"lapse_id": lapse.pk}


def _matrix_export(p):
    """A ready copy of client A's records (its link's token)."""
    from django.utils import timezone

    from records.services import record_export_build, record_export_request

    requested = record_export_request(client=p[CA], now=timezone.now())
    record_export_build(export_id=requested.export.pk, now=timezone.now())
    return {"token": requested.token}


def _matrix_closure(p):
    """An open request to close client A's account (written directly: A stays signed in)."""
    from django.utils import timezone

    from records.models import ClosureRequest

    closure = ClosureRequest.objects.create(client=p[CA], requested_at=timezone.now())
    return {"closure_id": closure.pk}


def _matrix_booked(p):
    """Individual sessions of client A with the assigned clinician, from next week."""
    from datetime import time, timedelta

    from django.utils import timezone

    from meetings.services import individual_session_book

    return individual_session_book(
        clinician=p[CL], client=p[CA], day=_matrix_today(p) + timedelta(days=7),
        start_time=time(10), length_minutes=50, weeks=2,
        video_url="https://video.example.org/r", now=timezone.now(),
    )  # fmt: skip


def _matrix_series(p):
    """A weekly group series of client A's cohort, led by the assigned clinician."""
    from datetime import time, timedelta

    from django.utils import timezone

    from courses.models import Cohort
    from meetings.services import SeriesFields, series_create

    cohort = Cohort.objects.get(pk=_matrix_cohort(p))
    cohort.clinicians.add(p[CL])
    today = _matrix_today(p)
    fields = SeriesFields(
        weekday=today.weekday(), start_time=time(23, 59), length_minutes=60,
        video_url="https://video.example.org/g", active_from=today + timedelta(days=1),
        active_until=today + timedelta(weeks=3), clinician=p[CL],
    )  # fmt: skip
    return series_create(cohort=cohort, fields=fields, acting_user=p[AD], now=timezone.now())


def _matrix_occurrence(p):
    series = _matrix_series(p)
    return {"cohort_id": series.cohort_id, "occurrence_id": series.occurrences.first().pk}


def _matrix_session(p):
    """A group session of client A's cohort that began two hours ago, run by the assigned
    clinician (its attendance screen's address)."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import Cohort
    from meetings.models import Occurrence, SessionSeries

    now = timezone.now()
    cohort = Cohort.objects.get(pk=_matrix_cohort(p))
    cohort.clinicians.add(p[CL])
    day = now.date()
    series = SessionSeries.objects.create(
        kind="group", cohort=cohort, clinician=p[CL], weekday=day.weekday(),
        start_time=(now - timedelta(hours=2)).time(), length_minutes=60, timezone="UTC",
        video_url="https://video.example.org/m", active_from=day, active_until=day,
        created_at=now, updated_at=now,
    )  # fmt: skip
    occurrence = Occurrence.objects.create(
        series=series, local_date=day, starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1), clinician=p[CL],
    )  # fmt: skip
    return {"occurrence_id": occurrence.pk}


# name -> (kwargs builder or None, {role: expected}, ours): `ours` marks our own gated views,
# whose refusals must also write a denied audit event.
MATRIX = {
    "home": (None, {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, REDIRECT)}, False),
    "crisis": (None, everyone(OK), False),
    "healthz": (None, everyone(OK), False),
    "favicon": (None, everyone(REDIRECT), False),
    "accounts:profile": (None, signed_in_only(), False),
    "accounts:console": (None, only(AD), True),
    "courses:dashboard": (None, only(CA, CB), True),
    "courses:program_map": (None, only(CA, CB), True),
    "courses:my_work": (None, only(CA, CB), True),
    # The client's own SUDS ratings (/me/suds/): every client has the page, empty or not.
    "courses:my_suds": (None, only(CA, CB), True),
    # Client A's week 1 is open to A alone; B (not enrolled) and every staff role get 404.
    "courses:module": (lambda p: {"module_id": p["week1"].pk}, only(CA), True),
    "courses:lesson": (lambda p: {"lesson_id": p["lesson1"].pk}, only(CA), True),
    # POST-only actions: A's GET is refused with 405 after the access check; others get 404.
    "courses:module_ready": (lambda p: {"module_id": p["week1"].pk}, post_only(CA), True),
    "courses:lesson_begin": (lambda p: {"lesson_id": p["lesson1"].pk}, post_only(CA), True),
    "courses:lesson_finish": (lambda p: {"lesson_id": p["lesson1"].pk}, post_only(CA), True),
    "courses:lesson_not_today": (lambda p: {"lesson_id": p["lesson1"].pk}, post_only(CA), True),
    "courses:worksheet_autosave": (
        lambda p: {"lesson_id": p["lesson1"].pk},
        post_only(CA),
        True,
    ),
    "courses:worksheet_submit": (lambda p: {"lesson_id": p["lesson1"].pk}, post_only(CA), True),
    # The content preview: administrators and clinical staff, any track, no enrollment needed;
    # clients and billing staff get 404.
    "preview:tracks": (None, only(CL, OC, AD), True),
    "preview:week": (
        lambda p: {"track_id": p["week1"].track_id, "week": 1},
        only(CL, OC, AD),
        True,
    ),
    "preview:lesson": (lambda p: {"lesson_id": p["lesson1"].pk}, only(CL, OC, AD), True),
    "care:caseload": (None, only(CL, OC), True),
    "care:client_detail": (lambda p: {"client_id": p[CA].pk}, only(CL), True),
    # --- worksheets: a submitted version of A's, and the reply to it (POST only) ---
    "care:worksheet_version": (
        lambda p: {"client_id": p[CA].pk, "version_id": p["worksheet_version"].pk},
        only(CL),
        True,
    ),
    "care:worksheet_reply": (
        lambda p: {"client_id": p[CA].pk, "version_id": p["worksheet_version"].pk},
        post_only(CL),
        True,
    ),
    # Pacing and notes, from client A's record: POST only, for their care team alone (S-6).
    "care:pacing": (lambda p: {"client_id": p[CA].pk}, post_only(CL), True),
    "care:note_new": (lambda p: {"client_id": p[CA].pk}, post_only(CL), True),
    "care:note_edit": (_matrix_note, post_only(CL), True),
    "care:note_sign": (_matrix_note, post_only(CL), True),
    "care:note_amend": (_matrix_note, post_only(CL), True),
    # Risk flags: the client's "I'm not safe right now" and support page; the care team's flags
    # page (every clinician has one, empty or not) and the actions on client A's flag.
    "risk:support": (None, only(CA, CB), True),
    "risk:not_safe": (None, post_only(CA, CB), True),
    # The client's own safety plan (/me/safety-plan/): every client's, whatever their billing or
    # enrollment; staff get 404 (there is no one else's plan to open here).
    "safety_plan:page": (None, only(CA, CB), True),
    "safety_plan:edit": (None, only(CA, CB), True),
    # Daily structure (/me/plan/, /me/today/, ...): every client's own, whatever their billing
    # or enrollment (the check-in carries the safety question); staff get 404. A lapse is A's.
    "daily:plan": (None, only(CA, CB), True),
    "daily:plan_edit": (None, only(CA, CB), True),
    "daily:today": (None, only(CA, CB), True),
    "daily:checkin_day": (lambda p: {"day": _matrix_today(p)}, only(CA, CB), True),
    "daily:lapse_new": (None, only(CA, CB), True),
    "daily:lapse": (_matrix_lapse, only(CA), True),
    "daily:urge": (None, only(CA, CB), True),
    "daily:practice": (None, only(CA, CB), True),
    "daily:parts": (None, only(CA, CB), True),
    "daily:trends": (None, only(CA, CB), True),
    "care:flags": (None, only(CL, OC), True),
    "care:flag_acknowledge": (lambda p: {"flag_id": p["flag"].pk}, post_only(CL), True),
    "care:flag_resolve": (lambda p: {"flag_id": p["flag"].pk}, post_only(CL), True),
    "care:flag_raise": (lambda p: {"client_id": p[CA].pk}, post_only(CL), True),
    # Questionnaires: every client has the page; only A (in an active program) answers one or
    # says "not now". The record's measures controls: A's care team alone.
    "measures:mine": (None, only(CA, CB), True),
    "measures:answer": (lambda p: {"key": "phq9"}, only(CA), True),
    "measures:not_now": (lambda p: {"key": "phq9"}, post_only(CA), True),
    "care:measures_interval": (lambda p: {"client_id": p[CA].pk}, post_only(CL), True),
    "care:diagnosis": (lambda p: {"client_id": p[CA].pk}, post_only(CL), True),
    "care:measures_request": (lambda p: {"client_id": p[CA].pk}, post_only(CL), True),
    # The billing console (/billing/): billing staff and administrators.
    "billing:console": (None, only(BI, AD), True),
    "billing:account": (lambda p: {"account_id": p["checkout"].account_id}, only(BI, AD), True),
    "billing:account_action": (
        lambda p: {"account_id": p["checkout"].account_id, "action": "waive"},
        post_only(BI, AD),
        True,
    ),
    # Plans in the billing console (/billing/plans/): billing staff and administrators; the
    # buttons (on or off sale, send to Stripe) are POST only.
    "billing:plans": (None, only(BI, AD), True),
    "billing:plan_new": (None, only(BI, AD), True),
    "billing:plan_edit": (lambda p: {"plan_id": p["plan"].pk}, only(BI, AD), True),
    "billing:plan_active": (lambda p: {"plan_id": p["plan"].pk}, post_only(BI, AD), True),
    "billing:plan_stripe": (lambda p: {"plan_id": p["plan"].pk}, post_only(BI, AD), True),
    # The administrators' console: cohorts (/ops/cohorts/).
    "ops:cohorts": (None, only(AD), True),
    "ops:cohort_new": (None, only(AD), True),
    "ops:cohort_edit": (lambda p: {"cohort_id": _matrix_cohort(p)}, only(AD), True),
    "ops:cohort_roster": (lambda p: {"cohort_id": _matrix_cohort(p)}, only(AD), True),
    # A client's own billing page (/me/billing/).
    "my_billing:account": (None, only(CA, CB), True),
    # "Update card" is a button; opening its address goes back to the billing page.
    "my_billing:portal": (None, only_redirect(CA, CB), True),
    # Stripe's webhook (/payments/): POST only, for everyone (its signature is the credential).
    "payments:stripe_webhook": (None, everyone(GONE), False),
    # Enrolling (/join/): the program page is public; choosing a plan is for clients; a
    # checkout's pages belong to the person who started it.
    "join:program": (None, everyone(OK), False),
    "join:plan": (lambda p: {"plan_slug": p["plan"].slug}, only(CA, CB), True),
    # Back to the plan of one's own unfinished enrollment, or to the plans.
    "join:continue": (None, {**only(CA, CB), CA: REDIRECT, CB: REDIRECT}, True),
    # The agreements accepted before paying: public documents, readable signed out.
    "join:agreement": (lambda p: {"slug": "telehealth-consent"}, everyone(OK), False),
    "join:agreement_version": (
        lambda p: {"slug": "privacy-notice", "version": AGREEMENT_VERSION},
        everyone(OK),
        False,
    ),
    "join:done": (lambda p: {"reference": p["checkout"].reference}, only(CA), True),
    "join:status": (lambda p: {"reference": p["checkout"].reference}, only(CA), True),
    "join:cancelled": (
        lambda p: {"reference": p["checkout"].reference},
        {ANON: LOGIN, CA: REDIRECT, **dict.fromkeys((CB, CL, OC, BI, AD), NOT_FOUND)},
        True,
    ),
    # The client's own records (/me/records/): every client's page and button; a copy's link
    # opens for its owner alone (A's copy: B gets a denied 404). The page after closing an
    # account is for anyone (the person has just been signed out).
    "records:home": (None, only(CA, CB), True),
    "records:prepare": (None, post_only(CA, CB), True),
    "records:export": (_matrix_export, only(CA), True),
    "records:export_json": (_matrix_export, only(CA), True),
    "records:close": (None, only(CA, CB), True),
    "records:closed": (None, everyone(OK), False),
    # Superbills (without a range, the printable page sends back to the form) and receipts
    # (A's payment: B gets a denied 404).
    "records:superbill": (None, only(CA, CB), True),
    "records:superbill_print": (None, only_redirect(CA, CB), True),
    "records:receipt": (lambda p: {"payment_id": p["payment"].pk}, only(CA), True),
    # The administrators' console (/ops/): account closures.
    "ops:closures": (None, only(AD), True),
    "ops:closure_complete": (_matrix_closure, post_only(AD), True),
    "notifications:preferences": (None, signed_in_only(), False),
    "notifications:operations": (None, only(AD), True),
    # A message link: only its recipient follows it; anyone else gets 404 (and an audit row).
    "notifications:link": (
        lambda p: {"token": p["notification"].link_token},
        {ANON: LOGIN, CA: REDIRECT, **dict.fromkeys((CB, CL, OC, BI, AD), NOT_FOUND)},
        True,
    ),
    # One-click unsubscribe needs no sign-in: the opaque token is the only key.
    "notifications:unsubscribe": (
        lambda p: {"token": p["preference"].unsubscribe_token},
        everyone(OK),
        False,
    ),
    # allauth: sign-in, sign-up, email, password, second factor.
    "account_login": (None, anon_only(), False),
    "account_signup": (None, anon_only(), False),
    "account_logout": (None, {ANON: REDIRECT, **dict.fromkeys(SIGNED_IN, OK)}, False),
    "account_inactive": (None, everyone(OK), False),
    "account_reauthenticate": (None, signed_in_only(), False),
    "account_request_reauthentication_code": (
        None,
        {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, NOT_FOUND)},
        False,
    ),
    "account_confirm_reauthentication_code": (
        None,
        {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, NOT_FOUND)},
        False,
    ),
    "account_email": (None, signed_in_only(), False),
    "account_email_verification_sent": (None, everyone(OK), False),
    "account_change_password": (None, signed_in_only(), False),
    "account_set_password": (None, signed_in_only(REDIRECT), False),
    "account_reset_password": (None, everyone(OK), False),
    "account_reset_password_done": (None, everyone(OK), False),
    "account_reset_password_from_key": (
        lambda p: {"uidb36": "zz", "key": "not-a-key"},
        everyone(OK),
        False,
    ),
    "account_reset_password_from_key_done": (None, everyone(OK), False),
    "account_confirm_login_code": (None, everyone(REDIRECT), False),
    "account_confirm_email": (lambda p: {"key": "not-a-key"}, everyone(OK), False),
    "mfa_index": (None, signed_in_only(), False),
    "mfa_authenticate": (None, everyone(REDIRECT), False),
    "mfa_reauthenticate": (None, clients_and_staff(REDIRECT, OK), False),
    # A sign-in moments ago counts as recent, so these open without a second password.
    "mfa_activate_totp": (None, clients_and_staff(OK, REDIRECT), False),
    # Staff see the page, but the adapter refuses to remove their authenticator.
    "mfa_deactivate_totp": (None, clients_and_staff(NOT_FOUND, OK), False),
    "mfa_view_recovery_codes": (None, signed_in_only(NOT_FOUND), False),
    "mfa_generate_recovery_codes": (None, signed_in_only(OK), False),
    "mfa_download_recovery_codes": (None, signed_in_only(NOT_FOUND), False),
    # The console's enrollments (/ops/enrollments/): administrators only; client A's enrollment.
    "ops:enrollments": (None, only(AD), True),
    "ops:invite": (None, only(AD), True),
    "ops:manual_enroll": (None, only(AD), True),
    "ops:enrollment": (lambda p: {"enrollment_id": p[CA].enrollments.get().pk}, only(AD), True),
    "ops:enrollment_move": (
        lambda p: {"enrollment_id": p[CA].enrollments.get().pk},
        only(AD),
        True,
    ),
    "ops:enrollment_switch": (
        lambda p: {"enrollment_id": p[CA].enrollments.get().pk},
        only(AD),
        True,
    ),
    "ops:enrollment_status": (
        lambda p: {"enrollment_id": p[CA].enrollments.get().pk, "action": "withdraw"},
        post_only(AD),
        True,
    ),
}


def _matrix_supervision(p):
    """A clinical supervisor supervising the clinician (the end-supervision address)."""
    from care.models import Supervision
    from tests.factories import UserFactory

    supervisor = UserFactory(role="supervisor")
    supervision = Supervision.objects.create(supervisor=supervisor, clinician=p[CL])
    return {"person_id": p[CL].pk, "supervision_id": supervision.pk}


# People (/ops/people/): administrators only; client A's page, care team and the clinician's
# supervision. The changes are POSTs (a GET is 405 for an administrator).
MATRIX["ops:people"] = (None, only(AD), True)
# The audit trail (/ops/audit/): administrators only.
MATRIX["ops:audit"] = (None, only(AD), True)
MATRIX["ops:person_new"] = (None, only(AD), True)
MATRIX["ops:person"] = (lambda p: {"person_id": p[CA].pk}, only(AD), True)
MATRIX["ops:person_care_add"] = (lambda p: {"person_id": p[CA].pk}, post_only(AD), True)
MATRIX["ops:person_care_end"] = (
    lambda p: {"person_id": p[CA].pk, "assignment_id": p[CA].care_assignments.get().pk},
    post_only(AD),
    True,
)
MATRIX["ops:person_supervisor_add"] = (lambda p: {"person_id": p[CL].pk}, post_only(AD), True)
MATRIX["ops:person_supervision_end"] = (_matrix_supervision, post_only(AD), True)


# Sessions (meetings): the client's own schedule, Join (a redirect: to the video inside the
# window, else back to the schedule) and calendar file; the care team books; the console runs a
# cohort's series.
MATRIX["meetings:mine"] = (None, only(CA, CB), True)
MATRIX["meetings:join"] = (
    lambda p: {"occurrence_id": _matrix_booked(p).occurrences.first().pk},
    only_redirect(CA),
    True,
)
MATRIX["meetings:calendar"] = (lambda p: {"series_id": _matrix_booked(p).pk}, only(CA), True)
MATRIX["care:session_new"] = (lambda p: {"client_id": p[CA].pk}, only(CL), True)
MATRIX["care:session_cancel"] = (
    lambda p: {"client_id": p[CA].pk, "occurrence_id": _matrix_booked(p).occurrences.first().pk},
    post_only(CL),
    True,
)
MATRIX["ops:cohort_sessions"] = (lambda p: {"cohort_id": _matrix_cohort(p)}, only(AD), True)
MATRIX["ops:series_new"] = (lambda p: {"cohort_id": _matrix_cohort(p)}, only(AD), True)
MATRIX["ops:series_edit"] = (
    lambda p: {"cohort_id": (s := _matrix_series(p)).cohort_id, "series_id": s.pk},
    only(AD),
    True,
)
MATRIX["ops:occurrence_move"] = (_matrix_occurrence, only(AD), True)
MATRIX["ops:occurrence_cancel"] = (_matrix_occurrence, post_only(AD), True)


# Sessions (/care/sessions/): every clinician has the list; a session's attendance screen is
# its own clinician's alone.
MATRIX["care:sessions"] = (None, only(CL, OC), True)
MATRIX["care:session_attendance"] = (_matrix_session, only(CL), True)
# A client's own attendance and hours (/me/attendance/): every client, their own rows only.
MATRIX["attendance:mine"] = (None, only(CA, CB), True)
# The reports (/ops/reports/): administrators only; billing staff too get 404.
MATRIX["ops:reports"] = (None, only(AD), True)
MATRIX["ops:report_csv"] = (lambda p: {"table": "funnel"}, only(AD), True)

ADMIN_RULE = {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, NOT_FOUND), SU: "admin"}
ADMIN_PREFIX = "admin/"


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                name = None
            yield name, route


def all_urls():
    return list(_walk(get_resolver().url_patterns))


def test_every_url_is_classified():
    unclassified = []
    for name, route in all_urls():
        if route.startswith(ADMIN_PREFIX):
            continue  # classified by ADMIN_RULE
        if name not in MATRIX:
            unclassified.append(f"{name or '(unnamed)'} -> /{route}")
    assert not unclassified, "Classify these URLs in tests/test_url_matrix.py:\n" + "\n".join(
        unclassified
    )
    stale = set(MATRIX) - {name for name, _ in all_urls()}
    assert not stale, f"The matrix names URLs that no longer exist: {sorted(stale)}"


@pytest.fixture
def people(client_a, client_b, clinician, other_clinician, billing_user, admin_user, superuser):
    from datetime import date

    from courses.models import ModuleRelease
    from tests.factories import EnrollmentFactory, make_track

    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    week1 = track.modules.get(week=1)
    ModuleRelease.objects.create(enrollment=enrollment, module=week1, reason="schedule")
    from notifications.models import Kind, Notification, Preference

    notification = Notification.objects.create(
        user=client_a, kind=Kind.MODULE_RELEASED, dedupe_key="matrix", link_target="home"
    )
    preference = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    from decimal import Decimal

    from payments.models import BillingAccount, CheckoutSession, Payment, Plan

    plan = Plan.objects.create(track=track, slug="matrix-full", kind="full", amount=Decimal("9"))
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    checkout = CheckoutSession.objects.create(account=account)
    payment = Payment.objects.create(account=account, amount=Decimal("9"))
    from courses.models import WorksheetResponse

    worksheet_version = WorksheetResponse.objects.create(
        enrollment=enrollment, lesson=week1.lessons.first(), status="submitted", version=1
    )
    from django.utils import timezone

    from care.models import RiskFlag
    from measures.instruments import instruments_load, read_instruments

    instruments_load(read_instruments())
    flag = RiskFlag.objects.create(
        client=client_a,
        source=RiskFlag.Source.CLIENT,
        raised_at=timezone.now(),
        escalate_at=timezone.now(),
    )
    return {
        "flag": flag,
        "worksheet_version": worksheet_version,
        "plan": plan,
        "checkout": checkout,
        "payment": payment,
        "notification": notification,
        "preference": preference,
        "week1": week1,
        "lesson1": week1.lessons.first(),
        ANON: None,
        CA: client_a,
        CB: client_b,
        CL: clinician,
        OC: other_clinician,
        BI: billing_user,
        AD: admin_user,
        SU: superuser,
    }


def _request_as(client, user, url, method="get"):
    from .conftest import sign_in

    client.logout()
    if user is not None:
        sign_in(client, user)
    return getattr(client, method)(url)


def _check(response, expected, url, role):
    where = f"{role} {response.request['REQUEST_METHOD']} {url}"
    status = response.status_code
    assert status < 500, f"{where} answered {status}"
    if expected == OK:
        assert status == 200, f"{where}: expected 200, got {status}"
    elif expected == NOT_FOUND:
        assert status == 404, f"{where}: expected 404, got {status}"
    elif expected == LOGIN:
        assert status == 302, f"{where}: expected a redirect to sign in, got {status}"
        assert response["Location"].startswith(reverse("account_login")), where
    elif expected == GONE:
        assert status == 405, f"{where}: expected 405, got {status}"
        # The site's own page (ehab/errors.py), never Django's blank 405.
        assert "That address works from a button" in response.content.decode(), where
    elif expected == REDIRECT:
        assert status == 302, f"{where}: expected a redirect, got {status}"
    elif expected == "admin":
        assert status in (200, 302, 405), f"{where}: admin page answered {status}"
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(f"unknown expectation {expected!r}")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_url_answers_each_role_as_classified(name, client, people):
    kwargs_for, expectations, ours = MATRIX[name]
    url = reverse(name, kwargs=kwargs_for(people) if kwargs_for else None)
    for role in ROLES:
        user = people[role]
        before = audit_denials_counted()
        theirs = audit_denials_counted(actor_id=user.pk) if user else 0
        response = _request_as(client, user, url)
        _check(response, expectations[role], url, role)
        if ours and expectations[role] == NOT_FOUND:
            # Refusals are counted per person and minute (audit.services.audit_denied_access).
            assert audit_denials_counted() == before + 1, f"{role} {url}: no denied audit event"
            if user:
                assert audit_denials_counted(actor_id=user.pk) == theirs + 1, f"{role} {url}"
            # A refused POST is refused the same way (A-1: every method).
            response = _request_as(client, user, url, method="post")
            assert response.status_code == 404, f"{role} POST {url}"
            assert audit_denials_counted() == before + 2


def _admin_urls(people):
    from audit.services import audit_record
    from care.models import CareAssignment

    event = audit_record(action=Action.LOGIN, actor=people[CA], subject=people[CA])
    objects = {
        "accounts/user/": people[CA].pk,
        "care/careassignment/": CareAssignment.objects.first().pk,
        "audit/auditevent/": event.pk,
    }
    urls = []
    for name, route in all_urls():
        if not route.startswith(ADMIN_PREFIX):
            continue
        path = "/" + route
        path = path.replace("^", "").replace("$", "")
        object_id = next((v for k, v in objects.items() if k in path), 1)
        path = re.sub(r"<path:object_id>", str(object_id), path)
        path = re.sub(r"<path:content_type_id>", "1", path)
        path = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", path)
        path = re.sub(r"\(\?P<url>\.\*\)", "nowhere/", path)
        urls.append((name, path))
    return urls


# Admin URLs that answer 404 even to an administrator when called without their parameters.
ADMIN_404_WITHOUT_PARAMETERS = {"admin:autocomplete", "admin:view_on_site", None}


def _admin_refuses(name, admin_user) -> bool:
    """Whether the admin site itself refuses this action to administrators (e.g. no deletes)."""
    from django.contrib import admin
    from django.test import RequestFactory

    match = re.match(r"admin:(\w+?)_(\w+)_(add|delete|change)$", name or "")
    if not match:
        return False
    app_label, model_name, action = match.groups()
    for model, model_admin in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name):
            request = RequestFactory().get("/")
            request.user = admin_user
            return not getattr(model_admin, f"has_{action}_permission")(request)
    return False


def test_every_admin_page_is_for_superusers_only(client, people):
    urls = _admin_urls(people)
    assert len(urls) > 20
    for name, url in urls:
        for role in (*ROLES, SU):
            response = _request_as(client, people[role], url)
            expected = ADMIN_RULE[role]
            refused_to_admin = name in ADMIN_404_WITHOUT_PARAMETERS or _admin_refuses(
                name, people[SU]
            )
            if role == SU and response.status_code == 404 and refused_to_admin:
                continue
            _check(response, expected, url, role)
