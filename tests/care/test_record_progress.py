"""The record's progress section: every week of the client's track with its state, dates,
lessons, time, "not today" choices and content notes, and the timeline drawn in SVG; built from
real rows at a fixed instant."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from care.selectors.record import record_enrollment
from care.selectors.record_progress import COMPLETED, HELD, LOCKED, OPEN, progress_section
from courses.models import (
    LessonProgress,
    ModuleRelease,
    PacingAction,
    PacingKind,
    PacingReason,
    WorksheetResponse,
)
from tests.factories import EnrollmentFactory

from .record_history import NOW, record_track


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant in November 2026, UTC."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def six_weeks(client_a, clinician):
    """client_a (New York) on a six-week track since Monday 2 November; at NOW (Wednesday 25th)
    weeks 1-4 are due. Week 1 is done, weeks 2 and 3 are open, week 4 is held, week 5 was held
    and lifted, week 6 is ahead."""
    track = record_track(weeks=6)
    enrollment = EnrollmentFactory(client=client_a, track=track)
    weeks = {m.week: m for m in track.modules.all()}
    lessons = {w: list(m.lessons.order_by("order")) for w, m in weeks.items()}
    for week, opened in ((1, at(2, 11)), (2, at(9, 11)), (3, at(16, 11))):
        ModuleRelease.objects.create(
            enrollment=enrollment, module=weeks[week], released_at=opened, reason="schedule"
        )
    # Week 1: 10 minutes, 25 min 20 s, and one finished without a recorded start: 35 minutes.
    first, second, third = lessons[1]
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=first, started_at=at(3, 10), completed_at=at(3, 10, 10)
    )
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=second, started_at=at(3, 11), completed_at=at(3, 11, 25, 20)
    )
    LessonProgress.objects.create(enrollment=enrollment, lesson=third, completed_at=at(4, 9))
    WorksheetResponse.objects.create(
        enrollment=enrollment, lesson=third, status="submitted", version=1, submitted_at=at(4, 9)
    )
    # Week 2: one lesson in 12 minutes, one started and left, one set aside for "not today".
    first, second, third = lessons[2]
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=first, started_at=at(10, 10), completed_at=at(10, 10, 12)
    )
    LessonProgress.objects.create(enrollment=enrollment, lesson=second, started_at=at(10, 11))
    LessonProgress.objects.create(enrollment=enrollment, lesson=third, deferred_at=at(11, 20))
    # Week 3 (trauma-intense, its note not acknowledged yet): two lessons set aside.
    for lesson in lessons[3][:2]:
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, deferred_at=at(17, 20))
    PacingAction.objects.create(
        enrollment=enrollment, kind=PacingKind.HOLD, module=weeks[4], author=clinician,
        reason_code=PacingReason.STABILIZATION, created_at=at(20, 15),
    )  # fmt: skip
    PacingAction.objects.create(
        enrollment=enrollment, kind=PacingKind.HOLD, module=weeks[5], author=clinician,
        reason_code=PacingReason.CLINICAL_JUDGEMENT, created_at=at(20, 15), lifted_at=at(21, 9),
    )  # fmt: skip
    return enrollment


def section(client, viewer):
    return progress_section(
        client=client, enrollment=record_enrollment(client=client), viewer=viewer, now=NOW
    )


def record_page(client, clinician, client_a, signed_in) -> str:
    signed_in(clinician)
    response = client.get(reverse("care:client_detail", args=[client_a.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_every_week_is_listed_in_order_with_its_state(six_weeks, client_a, clinician):
    weeks = section(client_a, clinician)["weeks"]
    assert [w.week for w in weeks] == [1, 2, 3, 4, 5, 6]
    assert [w.state for w in weeks] == [COMPLETED, OPEN, OPEN, HELD, LOCKED, LOCKED]


def test_a_week_is_completed_only_when_every_required_lesson_is_done(
    six_weeks, client_a, clinician
):
    LessonProgress.objects.filter(enrollment=six_weeks, lesson__module__week=1).first().delete()
    assert section(client_a, clinician)["weeks"][0].state == OPEN


def test_lifting_the_hold_leaves_the_week_locked_until_it_opens(six_weeks, client_a, clinician):
    PacingAction.objects.filter(module__week=4).update(lifted_at=at(24, 9))
    assert section(client_a, clinician)["weeks"][3].state == LOCKED


def test_lessons_done_time_spent_and_not_today_are_counted_per_week(six_weeks, client_a, clinician):
    weeks = section(client_a, clinician)["weeks"]
    assert [(w.lessons_done, w.lessons_total) for w in weeks[:3]] == [(3, 3), (1, 3), (0, 3)]
    # 10 min + 25 min 20 s; the lesson without a start has no duration.
    assert [w.minutes_spent for w in weeks[:4]] == [35, 12, None, None]
    assert [w.not_today for w in weeks] == [0, 1, 2, 0, 0, 0]
    assert [w.worksheets_sent for w in weeks] == [1, 0, 0, 0, 0, 0]
    totals = section(client_a, clinician)["totals"]
    assert (totals["lessons_done"], totals["minutes_spent"], totals["not_today"]) == (4, 47, 3)


def test_release_and_due_dates_are_days_in_the_viewers_zone(six_weeks, client_a, clinician):
    ModuleRelease.objects.filter(module__week=1).update(released_at=at(2, 3, 30))
    clinician.timezone = "America/Los_Angeles"
    weeks = section(client_a, clinician)["weeks"]
    assert weeks[0].released_on.isoformat() == "2026-11-01"  # Sunday evening on the west coast
    clinician.timezone = "Europe/Berlin"
    weeks = section(client_a, clinician)["weeks"]
    assert weeks[0].released_on.isoformat() == "2026-11-02"
    # Week 5 is due Monday 30 November at 06:00 in New York (11:00 UTC).
    assert weeks[4].due_on.isoformat() == "2026-11-30"
    assert weeks[4].released_on is None


def test_a_content_note_shows_whether_it_was_acknowledged(six_weeks, client_a, clinician):
    week_3 = section(client_a, clinician)["weeks"][2]
    assert week_3.trauma_intense and week_3.content_note_seen_on is None
    ModuleRelease.objects.filter(module__week=3).update(content_note_seen_at=at(18, 14))
    week_3 = section(client_a, clinician)["weeks"][2]
    assert week_3.content_note_seen_on.isoformat() == "2026-11-18"
    assert section(client_a, clinician)["weeks"][0].content_note_seen_on is None  # no note


def test_the_page_shows_the_weeks_table(six_weeks, client, clinician, client_a, signed_in):
    html = record_page(client, clinician, client_a, signed_in)
    rows = re.findall(r'<tr class="record-week record-week--(\w+)">(.*?)</tr>', html, re.S)
    assert [state for state, _ in rows] == ["completed", "open", "open", "held", "locked", "locked"]
    cells = [re.sub(r"<[^>]+>", "", row) for _, row in rows]
    assert "Week 1" in cells[0] and "Mon 2 Nov 2026" in cells[0] and "3 of 3" in cells[0]
    assert "35 min" in cells[0]
    assert "Week 2" in cells[1] and "12 min" in cells[1] and "1 of 3" in cells[1]
    assert "Not yet" in cells[2]  # week 3's content note
    assert "Held" in cells[3] and "Due Mon 23 Nov 2026" in cells[3]
    assert "Locked" in cells[4] and "Due Mon 30 Nov 2026" in cells[4]
    assert "No note" in cells[0]


def test_the_timeline_is_an_svg_image_with_a_title_and_the_table_as_its_text(
    six_weeks, client, clinician, client_a, signed_in
):
    html = record_page(client, clinician, client_a, signed_in)
    svg = re.search(r'<svg class="record-timeline__svg"[^>]*>.*?</svg>', html, re.S).group(0)
    opening = svg[: svg.index(">")]
    assert 'role="img"' in opening
    assert 'aria-labelledby="progress-timeline-title"' in opening
    assert '<title id="progress-timeline-title">' in svg
    described_by = re.search(r'aria-describedby="([^"]+)"', opening).group(1).split()
    for element_id in described_by:
        assert f'id="{element_id}"' in html
    assert "progress-weeks-caption" in described_by  # the weeks table is the text alternative
    assert "style=" not in svg  # CSP: classes and presentation attributes only
    # One marker per week opened (3), lesson done (4) and worksheet sent (1).
    assert svg.count("<circle") == 3
    assert svg.count("<rect") == 4
    assert svg.count("<polygon") == 1
    assert "3 weeks opened, 4 lessons done, 1 worksheet sent" in svg


def test_the_timeline_marks_each_event_at_its_place_among_the_weeks(six_weeks, client_a, clinician):
    timeline = section(client_a, clinician)["timeline"]
    releases = next(lane for lane in timeline.lanes if lane.key == "releases")
    ticks = {tick.label: tick.x for tick in timeline.ticks}
    xs = sorted(marker.x for marker in releases.markers)
    # Each week opened on its Monday, just after that week's tick and before the next one.
    for week, x in enumerate(xs, start=1):
        assert ticks[str(week)] < x < ticks[str(week + 1)]
    # Today (Wednesday 25 November) is in week 4, which began on Monday the 23rd.
    assert ticks["4"] < timeline.today_x < ticks["5"]


def test_no_enrollment_shows_a_calm_empty_progress(client, clinician, client_a, signed_in):
    html = record_page(client, clinician, client_a, signed_in)
    assert "No program yet" in html
    assert "record-timeline__svg" not in html
    assert section(client_a, clinician) == {"weeks": [], "timeline": None, "totals": None}


def test_a_lesson_of_another_client_never_counts(six_weeks, client_a, client_b, clinician):
    other = EnrollmentFactory(client=client_b, track=six_weeks.track)
    lesson = six_weeks.track.modules.get(week=2).lessons.first()
    LessonProgress.objects.create(
        enrollment=other,
        lesson=lesson,
        started_at=at(10, 9),
        completed_at=at(10, 9) + timedelta(hours=2),
    )
    weeks = section(client_a, clinician)["weeks"]
    assert (weeks[1].lessons_done, weeks[1].minutes_spent) == (1, 12)


@pytest.mark.parametrize(("weeks", "wide", "labels"), [(12, False, 12), (24, True, 12)])
def test_a_long_track_draws_a_wider_timeline_with_every_other_week_numbered(
    weeks, wide, labels, client_a, clinician
):
    EnrollmentFactory(client=client_a, track=record_track(weeks=weeks))
    timeline = section(client_a, clinician)["timeline"]
    assert timeline.wide is wide
    assert len(timeline.ticks) == labels
    assert timeline.ticks[-1].label == str(weeks - (0 if weeks <= 16 else 1))


@pytest.mark.parametrize(
    ("status", "shown"), [("paused", "After the pause"), ("withdrawn", "Not opened")]
)
def test_a_paused_or_ended_program_gives_no_due_day_for_weeks_not_opened(
    status, shown, six_weeks, client, clinician, client_a, signed_in
):
    six_weeks.status = status
    six_weeks.save(update_fields=["status"])
    assert [w.due_on for w in section(client_a, clinician)["weeks"][3:]] == [None] * 3
    html = record_page(client, clinician, client_a, signed_in)
    progress = html[html.index('id="progress"') : html.index('id="suds"')]
    assert progress.count(shown) == 3 and "Due " not in progress


def test_a_draft_is_the_clients_own_and_never_counts_as_sent(six_weeks, client_a, clinician):
    worksheet = six_weeks.track.modules.get(week=2).lessons.exclude(prompts=[]).get()
    # Even a draft carrying a time (as if once sent and reopened) is not counted: only the
    # status decides.
    WorksheetResponse.objects.create(
        enrollment=six_weeks, lesson=worksheet, status="draft", answers={"one-word": "private"},
        submitted_at=at(12, 9),
    )  # fmt: skip
    progress = section(client_a, clinician)
    assert progress["weeks"][1].worksheets_sent == 0
    worksheets = next(lane for lane in progress["timeline"].lanes if lane.key == "worksheets")
    assert len(worksheets.markers) == 1  # week 1's submitted version only
