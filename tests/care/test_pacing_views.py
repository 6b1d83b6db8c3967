"""Pacing from the client's record: each verb through its form and the courses service, refused
input storing nothing, a fresh sign-in for the verbs that move the whole schedule, outsiders
getting 404, and the client told when the next week opens but never why a week waits."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import EnrollmentStatus, ModuleRelease, PacingAction, PacingKind
from courses.services.pacing import pacing_hold, pacing_pause, pacing_shift
from courses.services.releases import enrollment_release_due_modules
from tests.factories import PASSWORD, EnrollmentFactory, make_track

# Monday November 23, 2026: a November 2 start has weeks 1 to 4 open; week 5 opens Monday
# November 30 at 06:00 in New York (11:00 UTC).
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
CANARY_NOTE = "CANARY-pacing-note-5d1c: brother on trial"
REASON_LABEL = "Stabilization first"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrollment(db, client_a, clinician):
    client_a.timezone = "America/New_York"
    client_a.save(update_fields=["timezone"])
    clinician.timezone = "Australia/Sydney"
    clinician.save(update_fields=["timezone"])
    track = make_track(weeks=12, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    return enrollment


def week(enrollment, n):
    return enrollment.track.modules.get(week=n)


def url(client_a):
    return reverse("care:pacing", args=[client_a.pk])


def post(client, client_a, verb, **data):
    return client.post(url(client_a), {"verb": verb, "reason": "stabilization", **data})


def record(client, client_a) -> str:
    response = client.get(reverse("care:client_detail", args=[client_a.pk]))
    assert response.status_code == 200
    return response.content.decode()


def open_weeks(enrollment):
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def assert_back_to_pacing(response, client_a):
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("care:client_detail", args=[client_a.pk]) + "#pacing"


# --- Each verb ---------------------------------------------------------------------------------


def test_holding_a_week_records_the_reason_and_note_and_marks_the_week_held(
    client, enrollment, client_a, clinician, signed_in
):
    signed_in(clinician)
    response = post(client, client_a, "hold", week=week(enrollment, 6).pk, note=CANARY_NOTE)
    assert_back_to_pacing(response, client_a)
    action = PacingAction.objects.get()
    assert (action.kind, action.module.week, action.reason_code, action.note, action.author) == (
        PacingKind.HOLD, 6, "stabilization", CANARY_NOTE, clinician,
    )  # fmt: skip
    audited = AuditEvent.objects.get(action="pacing.hold")
    assert (audited.actor, audited.subject) == (clinician, client_a)
    assert CANARY_NOTE not in str(audited.metadata)  # U-1: the reason code, never the note
    page = client.get(response["Location"]).content.decode()
    assert "Week 6 is held until you lift the hold." in page
    assert "pacing-schedule__row--held" in page and CANARY_NOTE in page and REASON_LABEL in page


def test_lifting_a_hold_on_a_week_already_due_opens_it(
    client, enrollment, client_a, clinician, signed_in, clock
):
    pacing_hold(enrollment=enrollment, module=week(enrollment, 5), reason_code="stabilization",
                author=clinician, now=NOW)  # fmt: skip
    clock.move_to(datetime(2026, 12, 1, 12, tzinfo=UTC))  # week 5 was due on November 30
    signed_in(clinician)
    enrollment_release_due_modules(enrollment=enrollment, now=datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert open_weeks(enrollment) == [1, 2, 3, 4]
    response = post(client, client_a, "lift", week=week(enrollment, 5).pk)
    assert_back_to_pacing(response, client_a)
    assert open_weeks(enrollment) == [1, 2, 3, 4, 5]
    page = client.get(response["Location"]).content.decode()
    assert "The hold on week 5 is lifted, and the week is open now." in page
    assert PacingAction.objects.get(kind=PacingKind.HOLD).lifted_at is not None
    assert PacingAction.objects.filter(kind=PacingKind.RELEASE_HOLD, module__week=5).exists()


def test_opening_a_week_early_opens_it_now(client, enrollment, client_a, clinician, signed_in):
    signed_in(clinician)
    response = post(client, client_a, "advance", week=week(enrollment, 7).pk, reason="ready_early")
    assert_back_to_pacing(response, client_a)
    assert open_weeks(enrollment) == [1, 2, 3, 4, 7]
    assert "Week 7 is open now." in client.get(response["Location"]).content.decode()


def test_pausing_then_resuming_moves_the_schedule_by_the_days_paused(
    client, enrollment, client_a, clinician, signed_in, clock
):
    signed_in(clinician)
    assert_back_to_pacing(post(client, client_a, "pause", reason="life_event"), client_a)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PAUSED
    assert "The program is paused." in record(client, client_a)
    clock.move_to(datetime(2026, 11, 30, 12, tzinfo=UTC))  # a week later
    client.logout()
    signed_in(clinician)  # a fresh sign-in: resuming moves the schedule
    response = post(client, client_a, "resume", reason="client_request")
    assert_back_to_pacing(response, client_a)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.paused_days) == (EnrollmentStatus.ACTIVE, 7)
    page = client.get(response["Location"]).content.decode()
    assert "The program has resumed. The weeks still to come moved 7 days later." in page
    assert [a.kind for a in PacingAction.objects.order_by("created_at")] == ["pause", "resume"]


def test_shifting_moves_the_weeks_to_come_within_the_services_bounds(
    client, enrollment, client_a, clinician, signed_in
):
    signed_in(clinician)
    response = post(client, client_a, "shift", days="14", reason="life_event")
    assert_back_to_pacing(response, client_a)
    enrollment.refresh_from_db()
    assert enrollment.paused_days == 14
    assert (
        "The weeks still to come moved 14 days later."
        in client.get(response["Location"]).content.decode()
    )
    response = post(client, client_a, "shift", days="-14", reason="life_event")
    enrollment.refresh_from_db()
    assert enrollment.paused_days == 0
    # Before its start is the service's bound, and its message comes back on the page.
    response = post(client, client_a, "shift", days="-1", reason="life_event")
    assert response.status_code == 400
    assert "The schedule cannot move before its start." in response.content.decode()
    assert PacingAction.objects.count() == 2


# --- The record's pacing section ---------------------------------------------------------------


def test_the_schedule_shows_due_times_in_the_viewers_zone_and_the_history_newest_first(
    client, enrollment, client_a, clinician, signed_in, other_clinician
):
    pacing_hold(enrollment=enrollment, module=week(enrollment, 6), reason_code="stabilization",
                author=clinician, now=NOW, note=CANARY_NOTE)  # fmt: skip
    pacing_shift(enrollment=enrollment, days=1, reason_code="administrative", author=clinician,
                 now=datetime(2026, 11, 23, 13, tzinfo=UTC))  # fmt: skip
    signed_in(clinician)
    page = record(client, client_a)
    # Week 5 moves a day, to Tuesday December 1, so it waits for the next release Monday:
    # December 7 at 06:00 in New York, 22:00 that day in Sydney, where the clinician is.
    assert "Mon, Dec 7, 2026 at 10:00 PM" in page
    assert "your time, Australia/Sydney" in page
    history = page[page.index("Pacing history") :]
    assert history.index("Shift the schedule") < history.index("Hold a week</td>")
    assert "+1 day<" in history and "Administrative" in history and REASON_LABEL in history
    # Nov 23 13:00 UTC is Nov 24 00:00 in Sydney.
    assert "Nov 24, 2026 12:00 AM" in history


def test_the_forms_offer_only_what_fits_the_program_now(
    client, enrollment, client_a, clinician, signed_in
):
    signed_in(clinician)
    page = record(client, client_a)
    assert "Pause the program</summary>" in page and "Resume the program</summary>" not in page
    assert "Lift a hold</summary>" not in page  # nothing is held
    start = page.index('id="pacing-hold-week"')
    hold_choices = page[start : page.index("</select>", start)]
    assert "Week 4:" not in hold_choices and "Week 5:" in hold_choices  # open weeks are not offered
    pacing_pause(enrollment=enrollment, reason_code="life_event", author=clinician, now=NOW)
    page = record(client, client_a)
    assert "Resume the program</summary>" in page and "Pause the program</summary>" not in page


def test_a_client_without_a_current_program_has_nothing_to_pace(
    client, client_a, clinician, signed_in
):
    signed_in(clinician)
    assert "No current program: there is nothing to pace." in record(client, client_a)
    response = post(client, client_a, "hold", week="1")
    assert response.status_code == 400
    assert "This client has no current program to pace." in response.content.decode()
    assert not PacingAction.objects.exists()


# --- Refused input stores nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"verb": "hold", "week": "WEEK6", "reason": ""}, "Choose a reason."),
        ({"verb": "hold", "week": "WEEK6", "reason": "because"}, "Choose a reason from the list."),
        ({"verb": "hold", "week": "WEEK6"}, "Choose a reason."),
        ({"verb": "hold", "week": "WEEK2", "reason": "stabilization"},
         "Choose a week that has not opened yet and is not held."),
        ({"verb": "hold", "week": "OTHER", "reason": "stabilization"},
         "Choose a week that has not opened yet and is not held."),
        ({"verb": "hold", "week": "abc", "reason": "stabilization"},
         "Choose a week that has not opened yet and is not held."),
        ({"verb": "hold", "reason": "stabilization"},
         "Choose a week that has not opened yet and is not held."),
        ({"verb": "hold", "week": "WEEK6", "reason": "stabilization", "note": "x" * 2001},
         "Keep the note under 2,000 characters."),
        ({"verb": "hold", "week": "WEEK6", "reason": "stabilization", "note": "a\x00b"},
         "The text has a character that cannot be stored."),
        ({"verb": "lift", "week": "WEEK6", "reason": "stabilization"}, "Choose a held week."),
        ({"verb": "advance", "week": "WEEK2", "reason": "ready_early"},
         "Choose a week that has not opened yet"),
        ({"verb": "shift", "days": "0", "reason": "life_event"}, "Shift by 1 to 90 days"),
        ({"verb": "shift", "days": "91", "reason": "life_event"}, "Shift by 1 to 90 days"),
        ({"verb": "shift", "days": "-91", "reason": "life_event"}, "Shift by 1 to 90 days"),
        ({"verb": "shift", "days": "7.5", "reason": "life_event"}, "Shift by 1 to 90 days"),
        ({"verb": "shift", "days": "", "reason": "life_event"}, "Shift by 1 to 90 days"),
        ({"verb": "shift", "days": "9" * 40, "reason": "life_event"}, "Shift by 1 to 90 days"),
        ({"verb": "resume", "reason": "client_request"}, "Only a paused program can be resumed."),
        ({"verb": "explode", "reason": "stabilization"}, "Choose one of the pacing actions."),
        ({"reason": "stabilization"}, "Choose one of the pacing actions."),
    ],
)  # fmt: skip
def test_refused_input_comes_back_on_the_record_with_its_message_and_stores_nothing(
    client, enrollment, client_a, clinician, signed_in, data, message
):
    other_week = make_track(weeks=6, lessons_per_module=1).modules.get(week=6)
    ids = {"WEEK6": week(enrollment, 6).pk, "WEEK2": week(enrollment, 2).pk, "OTHER": other_week.pk}
    data = {key: str(ids.get(value, value)) for key, value in data.items()}
    before = (
        AuditEvent.objects.filter(action__startswith="pacing.").count(),
        open_weeks(enrollment),
    )
    signed_in(clinician)
    response = client.post(url(client_a), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert 'id="pacing"' in body  # the record page, with the pacing section
    assert not PacingAction.objects.exists()
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.paused_days) == (EnrollmentStatus.ACTIVE, 0)
    after = (
        AuditEvent.objects.filter(action__startswith="pacing.").count(),
        open_weeks(enrollment),
    )
    assert after == before


# --- A fresh sign-in for the verbs that move the whole schedule -------------------------------


@pytest.mark.parametrize(
    ("verb", "data"),
    [("pause", {}), ("shift", {"days": "7"}), ("resume", {})],
)
def test_pause_shift_and_resume_ask_for_a_fresh_sign_in(
    client, enrollment, client_a, clinician, signed_in, clock, verb, data
):
    if verb == "resume":
        pacing_pause(enrollment=enrollment, reason_code="life_event", author=clinician, now=NOW)
    signed_in(clinician)
    clock.shift(6 * 60)  # past the five minutes a sign-in counts as fresh
    response = post(client, client_a, verb, **data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    enrollment.refresh_from_db()
    assert enrollment.paused_days == 0
    assert PacingAction.objects.filter(kind=verb).count() == 0


def test_lifting_a_hold_on_a_week_not_due_yet_leaves_it_to_open_on_its_date(
    client, enrollment, client_a, clinician, signed_in
):
    pacing_hold(enrollment=enrollment, module=week(enrollment, 8), reason_code="stabilization",
                author=clinician, now=NOW)  # fmt: skip
    signed_in(clinician)
    response = post(client, client_a, "lift", week=week(enrollment, 8).pk)
    page = client.get(response["Location"]).content.decode()
    assert "The hold on week 8 is lifted; the week opens on its date." in page
    assert open_weeks(enrollment) == [1, 2, 3, 4]


@pytest.mark.parametrize("verb", ["hold", "advance"])
def test_holding_or_opening_a_week_needs_no_fresh_sign_in(
    client, enrollment, client_a, clinician, signed_in, clock, verb
):
    signed_in(clinician)
    clock.shift(6 * 60)
    assert_back_to_pacing(post(client, client_a, verb, week=week(enrollment, 6).pk), client_a)
    assert PacingAction.objects.filter(kind=verb).count() == 1


def test_a_fresh_sign_in_lets_the_pause_through(
    client, enrollment, client_a, clinician, signed_in, clock
):
    signed_in(clinician)
    response = post(client, client_a, "pause", reason="life_event")
    assert_back_to_pacing(response, client_a)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PAUSED


# --- Outsiders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["client_a", "client_b", "other_clinician", "billing_user", "admin_user"]
)
@pytest.mark.parametrize("verb", ["hold", "pause", "shift"])
def test_outsiders_get_404_and_change_nothing(
    client, enrollment, client_a, signed_in, request, clock, who, verb
):
    signed_in(request.getfixturevalue(who))
    clock.shift(6 * 60)  # a stale sign-in: the gate answers before any fresh sign-in is asked
    response = post(client, client_a, verb, week=week(enrollment, 6).pk, days="7")
    assert response.status_code == 404
    assert client.get(url(client_a)).status_code == 404
    assert not PacingAction.objects.exists()
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.paused_days) == (EnrollmentStatus.ACTIVE, 0)


def test_the_assigned_clinician_gets_405_for_a_get(client, enrollment, client_a, clinician,
                                                   signed_in):  # fmt: skip
    signed_in(clinician)
    assert client.get(url(client_a)).status_code == 405


# --- What the client sees ----------------------------------------------------------------------


def client_pages(client, client_a, signed_in) -> tuple[str, str]:
    client.logout()
    signed_in(client_a)
    home = client.get(reverse("courses:dashboard")).content.decode()
    week_map = client.get(reverse("courses:program_map")).content.decode()
    return home, week_map


def assert_no_reason(*pages):
    for page in pages:
        assert CANARY_NOTE not in page and "CANARY" not in page
        for word in (REASON_LABEL, "stabilization", "Stabilization", "Life event", "life_event"):
            assert word not in page


def test_the_client_sees_when_the_next_week_opens_and_that_a_held_week_waits_never_why(
    client, enrollment, client_a, clinician, signed_in
):
    signed_in(clinician)
    post(client, client_a, "hold", week=week(enrollment, 6).pk, note=CANARY_NOTE)
    home, week_map = client_pages(client, client_a, signed_in)
    # In the client's own zone: 06:00 in New York.
    assert "Your next week opens on" in home and "Monday, November 30 at 6:00 AM" in home
    assert "Waiting: your clinician is holding this week for now" in week_map
    assert "Opens Mon, Nov 30 at 6:00 AM" in week_map
    assert_no_reason(home, week_map)


def test_with_the_next_week_held_the_client_is_told_it_waits_and_when_the_one_after_opens(
    client, enrollment, client_a, clinician, signed_in
):
    signed_in(clinician)
    post(client, client_a, "hold", week=week(enrollment, 5).pk, note=CANARY_NOTE)
    home, _ = client_pages(client, client_a, signed_in)
    assert "Week 5 · Waiting: your clinician is holding this week for now." in home
    assert "Your next week, week 6, opens on" in home and "Monday, December 7 at 6:00 AM" in home
    assert "November 30" not in home
    assert_no_reason(home)


def test_a_paused_client_is_told_calmly_and_promised_no_date(
    client, enrollment, client_a, clinician, signed_in
):
    signed_in(clinician)
    post(client, client_a, "pause", reason="life_event", note=CANARY_NOTE)
    home, week_map = client_pages(client, client_a, signed_in)
    assert "Your program is paused for now. Your next week will open when it resumes." in home
    assert "opens on" not in home and "Opens " not in week_map
    assert_no_reason(home, week_map)


# --- Query budget -------------------------------------------------------------------------------


def _record_queries(client, client_a) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record(client, client_a)  # warm: sessions and per-process caches
    with CaptureQueriesContext(connection) as ctx:
        record(client, client_a)
    return len(ctx.captured_queries)


def test_the_record_page_is_flat_however_long_the_pacing_history(
    client, enrollment, client_a, clinician, signed_in, django_assert_max_num_queries
):
    signed_in(clinician)
    pacing_hold(enrollment=enrollment, module=week(enrollment, 6), reason_code="stabilization",
                author=clinician, now=NOW)  # fmt: skip
    few = _record_queries(client, client_a)
    for n in range(1, 21):
        pacing_shift(enrollment=enrollment, days=1 if n % 2 else -1, reason_code="administrative",
                     author=clinician, now=NOW)  # fmt: skip
    pacing_hold(enrollment=enrollment, module=week(enrollment, 9), reason_code="stabilization",
                author=clinician, now=NOW)  # fmt: skip
    many = _record_queries(client, client_a)
    assert few == many, (few, many)
    with django_assert_max_num_queries(23):  # 20 before the Hours section's three reads
        record(client, client_a)


def test_after_confirming_the_sign_in_the_kept_pause_goes_through(
    client, enrollment, client_a, clinician, signed_in, clock
):
    signed_in(clinician)
    clock.shift(6 * 60)
    asked = post(client, client_a, "pause", reason="life_event")
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    # allauth kept the POST; confirming the password replays it as it was sent.
    done = client.post(asked["Location"], {"password": PASSWORD})
    assert_back_to_pacing(done, client_a)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PAUSED
    assert PacingAction.objects.get().reason_code == "life_event"
