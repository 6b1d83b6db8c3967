"""The reports page (/ops/reports/) and its CSV downloads: who may open them, each figure on a
small seeded program at a frozen time, suppression of a group of 4 (page, totals and CSV), the
cache and its invalidation, and queries flat in the number of cohorts."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent, Outcome
from audit.services import audit_record
from courses.models import EnrollmentStatus, LessonProgress, ModuleRelease
from courses.services.enrollment import enrollment_set_status
from notifications.models import Channel, Kind, Notification
from notifications.models import Status as Delivery
from ops.selectors.reports import Scope, report_compute, report_for
from payments.models import BillingAccount, BillingState, Payment, Plan
from tests.conftest import sign_in
from tests.factories import (
    CheckinFactory,
    CohortFactory,
    EnrollmentFactory,
    UserFactory,
    make_track,
)

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
REPORTS = "ops:reports"


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
    cache.clear()


def _enroll(cohort, n, *, created=NOW - timedelta(days=20)):
    return [
        EnrollmentFactory(
            client=UserFactory(role=Role.CLIENT, timezone="America/Chicago"),
            track=cohort.track,
            cohort=cohort,
            start_date=cohort.start_date,
            created_at=created,
        )
        for _ in range(n)
    ]


def _open(enrollments, module, *, at):
    ModuleRelease.objects.bulk_create(
        ModuleRelease(enrollment=e, module=module, released_at=at, reason="schedule")
        for e in enrollments
    )


def _progress(enrollments, lessons, *, at, done=True):
    LessonProgress.objects.bulk_create(
        LessonProgress(
            enrollment=e, lesson=lesson, started_at=at, completed_at=at if done else None
        )
        for e in enrollments
        for lesson in lessons
    )


@pytest.fixture
def program(db):
    """One 3-week track (two required lessons a week), cohorts A and B of 6 clients each.

    Week 1: open to all 12; all of A finished it; in B all 6 started, 5 finished.
    Week 2: open to A only; 2 of A started (not finished).
    A's clients were busy 2 days ago (active); B's last did anything 10 days ago (inactive).
    4 of A's clients reviewed 7 evenings in the last 14 days.
    Billing (USD, a 3 x 100.00 plan): 5 of A paid one installment (one refunded 40.00) and owe
    two more; 2 of B paid 100.00 in full.
    Messages in the last 7 days: 6 emails sent to A, 1 text message failed for B.
    """
    track = make_track(weeks=3, lessons_per_module=2, trauma_weeks=())
    a = CohortFactory(track=track, name="Autumn A")
    b = CohortFactory(track=track, name="Autumn B")
    in_a, in_b = _enroll(a, 6), _enroll(b, 6)
    weeks = {m.week: m for m in track.modules.all()}
    lessons = {w: list(m.lessons.all()) for w, m in weeks.items()}
    _open(in_a + in_b, weeks[1], at=NOW - timedelta(days=16))
    _open(in_a, weeks[2], at=NOW - timedelta(days=9))
    _progress(in_a, lessons[1], at=NOW - timedelta(days=12))
    _progress(in_b[:5], lessons[1], at=NOW - timedelta(days=10))
    _progress(in_b[5:], lessons[1][:1], at=NOW - timedelta(days=10), done=False)
    _progress(in_a[:2], lessons[2][:1], at=NOW - timedelta(days=2), done=False)
    for e in in_a[2:]:
        e.client.last_login = NOW - timedelta(days=2)
        e.client.save(update_fields=["last_login"])
    for e in in_a[:4]:
        for back in range(7):
            day = (NOW - timedelta(days=back)).date() - timedelta(days=1)
            CheckinFactory(client=e.client, day=day)
    CheckinFactory(client=in_a[5].client, day=NOW.date() - timedelta(days=20))  # outside 14
    plan = Plan.objects.create(
        track=track, slug="p3", kind="installments", installments=3, amount=Decimal("100.00")
    )
    for i, e in enumerate(in_a[:5]):
        account = BillingAccount.objects.create(
            enrollment=e, plan=plan, state=BillingState.INSTALLMENTS_CURRENT, paid_installments=1
        )
        Payment.objects.create(
            account=account,
            amount=Decimal("100.00"),
            refunded_amount=Decimal("40.00") if i == 0 else Decimal("0"),
        )
    full = Plan.objects.create(track=track, slug="p1", kind="full", amount=Decimal("100.00"))
    for e in in_b[:2]:
        account = BillingAccount.objects.create(
            enrollment=e, plan=full, state=BillingState.PAID_IN_FULL, paid_installments=1
        )
        Payment.objects.create(account=account, amount=Decimal("100.00"))
    for i, e in enumerate(in_a):
        Notification.objects.create(
            user=e.client, kind=Kind.MODULE_RELEASED, dedupe_key=f"r{i}", status=Delivery.SENT,
            created_at=NOW - timedelta(days=1),
        )  # fmt: skip
    Notification.objects.create(
        user=in_b[0].client, kind=Kind.MODULE_RELEASED, dedupe_key="f", channel=Channel.SMS,
        status=Delivery.FAILED, created_at=NOW - timedelta(days=1),
    )  # fmt: skip
    Notification.objects.create(
        user=in_b[1].client, kind=Kind.MODULE_RELEASED, dedupe_key="old", status=Delivery.SENT,
        created_at=NOW - timedelta(days=9),
    )  # fmt: skip
    return {"track": track, "a": a, "b": b, "in_a": in_a, "in_b": in_b}


def _figures(report, scope, key):
    table = report.table(scope, key)
    return {label: [cell.text for cell in cells] for label, cells in table.rows}


def test_each_figure_of_the_track_is_right(program):
    report = report_compute(now=NOW)
    track = Scope("track", program["track"].pk)
    assert _figures(report, track, "funnel") == {
        # 11 finished, but 12 started: shown, the two would say that 1 started without finishing.
        "Week 1": ["12", "12", "fewer than 5"],
        "Week 2": ["6", "fewer than 5", "fewer than 5"],
        "Week 3": ["fewer than 5", "fewer than 5", "fewer than 5"],
    }
    assert _figures(report, track, "activity") == {"Current clients": ["6", "6", "12"]}
    # 28 evening reviews over 6 active clients' 14 days
    assert _figures(report, track, "checkins") == {"Last 14 days": ["6", "28", "33%"]}
    assert _figures(report, track, "months")["Nov 2026"] == ["12", "fewer than 5"]
    assert len(_figures(report, track, "months")) == 12
    # 7 paying clients: 5 x 100 - 40 + 2 x 100; 5 owe 2 x 100 each
    assert _figures(report, track, "money") == {"USD": ["7", "660.00", "5", "1,000.00"]}
    assert _figures(report, track, "messages") == {
        "Email": ["6", "fewer than 5", "fewer than 5"],
        "Text message": ["fewer than 5", "fewer than 5", "fewer than 5"],
    }
    # One track: the whole program is the same.
    assert _figures(report, Scope("all"), "funnel") == _figures(report, track, "funnel")


def test_a_cohorts_figures_are_its_own_with_small_ones_and_their_complements_hidden(program):
    report = report_compute(now=NOW)
    a = Scope("cohort", program["a"].pk)
    b = Scope("cohort", program["b"].pk)
    assert _figures(report, a, "funnel")["Week 1"] == ["6", "6", "6"]
    # B: 6 started and 5 finished; 6 and 5 would say that 1 did not finish.
    assert _figures(report, b, "funnel")["Week 1"] == ["6", "6", "fewer than 5"]
    # Week 2: B had none of it (hidden), so A's 6 hides too: the track's 6 less A's would say
    # how many of B opened it.
    assert _figures(report, a, "funnel")["Week 2"] == ["fewer than 5"] * 3
    assert _figures(report, b, "funnel")["Week 2"] == ["fewer than 5"] * 3
    # A: all 6 active, none inactive: the total would give the hidden 0 away, so Active hides.
    assert _figures(report, a, "activity") == {
        "Current clients": ["fewer than 5", "fewer than 5", "6"]
    }
    # B has 2 paying clients: no revenue shown, and A's with it (the track's total is shown).
    assert _figures(report, b, "money") == {"USD": ["fewer than 5"] * 4}
    assert _figures(report, a, "money")["USD"][:2] == ["fewer than 5", "fewer than 5"]


def test_withdrawals_are_counted_in_the_month_they_happened(program, admin_user):
    for e in program["in_b"][:5]:
        enrollment_set_status(
            enrollment=e, status=EnrollmentStatus.WITHDRAWN, acting_user=admin_user, now=NOW
        )
    report = report_compute(now=NOW)
    track = Scope("track", program["track"].pk)
    assert _figures(report, track, "months")["Nov 2026"] == ["12", "5"]
    assert (
        _figures(report, track, "activity") == {"Current clients": ["6", "fewer than 5", "7"]}
        or _figures(report, track, "activity")["Current clients"][2] == "7"
    )


@pytest.fixture
def four(db):
    """A track with a cohort of 9 and a cohort of 4, everyone with week 1 open."""
    track = make_track(weeks=1, lessons_per_module=1, trauma_weeks=())
    big = CohortFactory(track=track, name="Big")
    small = CohortFactory(track=track, name="Small")
    module = track.modules.get()
    _open(_enroll(big, 9) + _enroll(small, 4), module, at=NOW - timedelta(days=3))
    return {"track": track, "big": big, "small": small}


def _csv(client, key, group):
    response = client.get(reverse("ops:report_csv", args=[key]), {"group": group})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_group_of_four_is_never_revealed_on_the_page_by_totals_or_in_csv(
    client, admin_user, four
):
    sign_in(client, admin_user)
    small, big, track = (f"cohort-{four['small'].pk}", f"cohort-{four['big'].pk}",
                         f"track-{four['track'].pk}")  # fmt: skip
    pages = {g: client.get(reverse(REPORTS), {"group": g}).content.decode() for g in
             (small, big, track, "all")}  # fmt: skip
    assert "Week opened" in pages[small]
    # The track and the program show 13; the small cohort shows nothing, and neither does the
    # big one (13 - 9 would give 4 away).
    assert ">13<" in pages[track] and ">13<" in pages["all"]
    for group in (small, big):
        assert ">4<" not in pages[group] and ">9<" not in pages[group]
        rows = _csv(client, "funnel", group)
        assert rows[2] == ["Week 1", "fewer than 5", "fewer than 5", "fewer than 5"]
        assert rows[1] == ["Week", "Week opened", "Started a lesson", "Finished the week"]
    assert _csv(client, "funnel", track)[2][1] == "13"


def test_the_report_is_cached_and_a_new_enrollment_shows_at_once(client, admin_user, four):
    sign_in(client, admin_user)
    track = f"track-{four['track'].pk}"
    assert _csv(client, "activity", track)[2][3] == "13"
    # Progress alone does not change the cache key: the cached figures stay (for REPORT_TTL).
    LessonProgress.objects.create(
        enrollment=four["big"].enrollments.first(),
        lesson=four["track"].modules.get().lessons.get(),
        started_at=NOW,
    )
    assert report_for(now=NOW) is not None
    with CaptureQueriesContext(connection) as warm:
        report_for(now=NOW)
    assert len(warm) == 1  # is the report current? nothing recomputed
    _enroll(four["big"], 1, created=NOW)
    assert _csv(client, "activity", track)[2][3] == "14"


def _recomputes() -> bool:
    """Whether report_for computes the report afresh (more than its one check)."""
    with CaptureQueriesContext(connection) as ctx:
        report_for(now=timezone.now())
    return len(ctx) > 1


def test_audited_changes_and_new_payments_and_cohorts_refresh_the_report(frozen, four, admin_user):
    assert _recomputes()
    assert not _recomputes()
    enrollment = four["big"].enrollments.first()
    frozen.shift(timedelta(seconds=1))  # each change comes after the report it makes stale
    enrollment_set_status(
        enrollment=enrollment, status=EnrollmentStatus.PAUSED, acting_user=admin_user,
        now=timezone.now(),
    )  # fmt: skip
    assert _recomputes() and not _recomputes()
    frozen.shift(timedelta(seconds=1))
    enrollment.cohort = four["small"]  # as the move service does, with its audit row
    enrollment.save(update_fields=["cohort"])
    audit_record(action="enrollment.moved", actor=admin_user, target=enrollment)
    assert _recomputes() and not _recomputes()
    frozen.shift(timedelta(seconds=1))
    plan = Plan.objects.create(track=four["track"], slug="f", kind="full", amount=Decimal("5"))
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    Payment.objects.create(account=account, amount=Decimal("5"))
    assert _recomputes() and not _recomputes()
    CohortFactory(track=four["track"], name="New")
    assert _recomputes() and not _recomputes()
    # Writes the report does not count leave it be: a report download, a lesson started.
    frozen.shift(timedelta(seconds=1))
    audit_record(action="ops.report_downloaded", actor=admin_user, target_type="report")
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=four["track"].modules.get().lessons.get(),
        started_at=timezone.now(),
    )  # fmt: skip
    assert not _recomputes()


def _program_with(cohorts: int):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    for i in range(cohorts):
        cohort = CohortFactory(track=track, name=f"C{i}")
        enrolled = _enroll(cohort, 2)
        _open(enrolled, track.modules.get(week=1), at=NOW - timedelta(days=3))
        _progress(enrolled[:1], track.modules.get(week=1).lessons.all(), at=NOW - timedelta(days=1))
        CheckinFactory(client=enrolled[0].client, day=NOW.date())


def _queries(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(REPORTS)).status_code == 200
    return len(ctx)


def test_the_pages_queries_stay_flat_from_2_to_40_cohorts(db, client, admin_user):
    sign_in(client, admin_user)
    _program_with(2)
    few = _queries(client)
    _program_with(38)
    assert _queries(client) == few


def test_the_page_stays_within_its_query_budget(
    client, admin_user, program, django_assert_max_num_queries
):
    sign_in(client, admin_user)
    with django_assert_max_num_queries(24):
        assert client.get(reverse(REPORTS)).status_code == 200
    with django_assert_max_num_queries(6):  # warm: the stamp (3) and the session
        response = client.get(reverse(REPORTS), {"group": f"cohort-{program['a'].pk}"})
    assert response.status_code == 200
    assert "Autumn A" in response.content.decode()


def test_the_page_shows_charts_with_tables_and_no_names(client, admin_user, program):
    sign_in(client, admin_user)
    page = client.get(reverse(REPORTS), {"group": f"track-{program['track'].pk}"}).content.decode()
    assert page.count("<svg") == 5 and page.count("<table") == 7
    assert 'role="img"' in page and "Download this table (CSV)" in page
    for e in program["in_a"] + program["in_b"]:
        assert e.client.preferred_name not in page and e.client.email not in page
    assert "Go gently" not in page and "A walk." not in page  # no check-in answers


def test_an_unknown_group_is_a_clear_400_with_the_whole_program(client, admin_user, program):
    sign_in(client, admin_user)
    for bad in ("cohort-999999", "nonsense", "track-x", "<script>"):
        response = client.get(reverse(REPORTS), {"group": bad})
        assert response.status_code == 400
        assert "That group is not in the list" in response.content.decode()
        csv_response = client.get(reverse("ops:report_csv", args=["funnel"]), {"group": bad})
        assert csv_response.status_code == 400
    assert client.get(reverse("ops:report_csv", args=["names"])).status_code == 404


def test_the_csv_has_its_content_type_and_filename_and_is_audited(client, admin_user, program):
    sign_in(client, admin_user)
    group = f"cohort-{program['a'].pk}"
    response = client.get(reverse("ops:report_csv", args=["money"]), {"group": group})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="ehab-money-{group}.csv"'
    event = AuditEvent.objects.get(action="ops.report_downloaded")
    assert event.target_id == "money" and event.metadata == {"group": group}


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CLINICIAN, Role.BILLING, Role.SUPERVISOR])
def test_everyone_but_administrators_gets_404_with_a_denied_audit_row(client, db, role):
    user = UserFactory(role=role)
    sign_in(client, user)
    for url in (reverse(REPORTS), reverse("ops:report_csv", args=["funnel"])):
        assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(actor=user, outcome=Outcome.DENIED).exists()


def test_anonymous_is_sent_to_sign_in(client, db):
    for url in (reverse(REPORTS), reverse("ops:report_csv", args=["funnel"])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_reports_only_answer_get(client, admin_user, db):
    sign_in(client, admin_user)
    assert client.post(reverse(REPORTS)).status_code == 405


def _one_week_cohort(size: int, *, started: int, finished: int):
    """A one-week track whose only cohort has `size` clients with week 1 open, `started` of
    them started a lesson and the first `finished` of those finished both."""
    track = make_track(weeks=1, lessons_per_module=2, trauma_weeks=())
    module = track.modules.get()
    lessons = list(module.lessons.all())
    cohort = CohortFactory(track=track, name=f"Size {size}")
    enrolled = _enroll(cohort, size)
    _open(enrolled, module, at=NOW - timedelta(days=5))
    _progress(enrolled[:finished], lessons, at=NOW - timedelta(days=4))
    _progress(enrolled[finished:started], lessons[:1], at=NOW - timedelta(days=4), done=False)
    return Scope("cohort", cohort.pk)


def test_the_funnel_counts_who_finished_every_required_lesson(db):
    scope = _one_week_cohort(10, started=10, finished=5)
    assert _figures(report_compute(now=NOW), scope, "funnel")["Week 1"] == ["10", "10", "5"]


def test_the_funnel_never_says_how_many_stopped_between_two_columns_when_under_five(db):
    """12 opened, 8 started, 8 finished: 12 beside 8 would say that 4 opened without starting
    (and without finishing)."""
    scope = _one_week_cohort(12, started=8, finished=8)
    week = _figures(report_compute(now=NOW), scope, "funnel")["Week 1"]
    assert week == ["12", "fewer than 5", "fewer than 5"]
