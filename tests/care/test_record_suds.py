"""The record's SUDS section: before and after each lesson that asks, in the order the lessons
were done, as a table and as a small SVG chart; built from real rows at a fixed instant."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from care.selectors.record import record_enrollment
from care.selectors.record_suds import suds_section
from courses.models import LessonKind, LessonProgress, ModuleRelease
from tests.factories import EnrollmentFactory, LessonFactory

from .record_history import NOW, record_track


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def ratings(client_a):
    """client_a's SUDS practices of weeks 1-3, done out of week order: week 2's first (9 → 6),
    then week 1's (4 → 6), then week 3's (5 → 5); and a fourth, in week 3, started with a
    rating before and not finished."""
    track = record_track(weeks=4)
    enrollment = EnrollmentFactory(client=client_a, track=track)
    practice = {
        m.week: m.lessons.get(kind=LessonKind.PRACTICE) for m in track.modules.filter(week__lte=3)
    }
    for module in track.modules.filter(week__lte=3):
        ModuleRelease.objects.create(enrollment=enrollment, module=module, reason="schedule")
    for week, before, after, done in (
        (2, 9, 6, at(10, 1)),
        (1, 4, 6, at(11, 20)),
        (3, 5, 5, at(17, 20)),
    ):
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=practice[week], started_at=done, completed_at=done,
            suds_before=before, suds_after=after,
        )  # fmt: skip
    extra = LessonFactory(module=practice[3].module, kind=LessonKind.PRACTICE, suds=True, order=9)
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=extra, started_at=at(18, 9), suds_before=8
    )
    # A lesson that does not ask for SUDS is not a reading, whatever its row holds.
    reading = track.modules.get(week=1).lessons.get(kind=LessonKind.READING)
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=reading, started_at=at(3, 9), completed_at=at(3, 10),
        suds_before=3, suds_after=2,
    )  # fmt: skip
    return {"enrollment": enrollment, "practice": practice, "extra": extra}


def section(client, viewer):
    return suds_section(
        client=client, enrollment=record_enrollment(client=client), viewer=viewer, now=NOW
    )


def page(client, clinician, client_a, signed_in) -> str:
    signed_in(clinician)
    response = client.get(reverse("care:client_detail", args=[client_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="suds"') : html.index('id="worksheets"')]


def test_readings_come_in_the_order_the_lessons_were_done(ratings, client_a, clinician):
    readings = section(client_a, clinician)["readings"]
    practice = ratings["practice"]
    assert [r.lesson for r in readings] == [
        practice[2].title, practice[1].title, practice[3].title, ratings["extra"].title
    ]  # fmt: skip
    assert [r.week for r in readings] == [2, 1, 3, 3]
    assert [(r.before, r.after) for r in readings] == [(9, 6), (4, 6), (5, 5), (8, None)]
    assert [r.change for r in readings] == [-3, 2, 0, None]
    assert [r.done for r in readings] == [True, True, True, False]
    # Days in the viewer's zone: 10 November 01:00 UTC is still the 9th in New York.
    assert readings[0].on.isoformat() == "2026-11-09"


def test_the_table_gives_every_rating_and_its_change(
    ratings, client, clinician, client_a, signed_in
):
    html = page(client, clinician, client_a, signed_in)
    table = html[html.index("<table") : html.index("</table>")]
    rows = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in CELL.findall(row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    ]
    practice = ratings["practice"]
    assert rows[0] == ["1", practice[2].title, "2", "Mon 9 Nov 2026", "9", "6", "\u22123"]
    assert rows[1] == ["2", practice[1].title, "1", "Wed 11 Nov 2026", "4", "6", "+2"]
    assert rows[2][4:] == ["5", "5", "0"]
    assert rows[3][3:] == ["Wed 18 Nov 2026 (started, not finished)", "8", "Not rated", "None"]
    assert len(rows) == 4
    assert "<caption" in table and 'scope="col"' in table and 'scope="row"' in table


def test_the_chart_is_an_svg_image_with_a_title_two_series_and_a_text_legend(
    ratings, client, clinician, client_a, signed_in
):
    html = page(client, clinician, client_a, signed_in)
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    opening = svg[: svg.index(">")]
    assert 'role="img"' in opening and 'aria-labelledby="suds-chart-title"' in opening
    assert '<title id="suds-chart-title">SUDS before and after each lesson</title>' in svg
    for element_id in re.search(r'aria-describedby="([^"]+)"', opening).group(1).split():
        assert f'id="{element_id}"' in html
    assert "record-suds__series--before" in svg and "record-suds__series--after" in svg
    assert svg.count("<circle") == 4  # before: four ratings
    assert svg.count("<rect") == 3  # after: three
    assert "style=" not in svg
    assert "Before: circles on a dashed line" in html and "After: squares on a solid line" in html
    assert "lower after the lesson in 1 of the 3 with both ratings" in svg


def test_the_chart_puts_each_rating_at_its_height_on_the_0_to_10_scale(
    ratings, client_a, clinician
):
    chart = section(client_a, clinician)["chart"]
    grid = dict((value, y) for y, value in chart.gridlines)
    before, after = chart.series
    assert [p.y for p in before.points] == [
        grid[0] - (grid[0] - grid[10]) * v / 10 for v in (9, 4, 5, 8)
    ]
    assert [p.y for p in after.points] == [
        grid[0] - (grid[0] - grid[10]) * v / 10 for v in (6, 6, 5)
    ]
    # The after line breaks where the fourth lesson has no rating yet: one run of three.
    assert len(after.lines) == 1 and len(after.lines[0].split()) == 3
    assert len(before.lines[0].split()) == 4


def test_without_readings_the_section_says_so(client, clinician, client_a, signed_in):
    EnrollmentFactory(client=client_a, track=record_track(weeks=2))
    html = page(client, clinician, client_a, signed_in)
    assert "No ratings yet" in html
    assert "<svg" not in html and "<table" not in html
    assert section(client_a, clinician) == {"readings": [], "chart": None}


def test_another_clients_ratings_never_show(ratings, client_a, client_b, clinician):
    other = EnrollmentFactory(client=client_b, track=ratings["enrollment"].track)
    LessonProgress.objects.create(
        enrollment=other, lesson=ratings["practice"][1], started_at=at(5, 9),
        completed_at=at(5, 9), suds_before=10, suds_after=10,
    )  # fmt: skip
    assert len(section(client_a, clinician)["readings"]) == 4


def test_a_lesson_title_is_escaped_inside_the_chart(
    ratings, client, clinician, client_a, signed_in
):
    lesson = ratings["practice"][1]
    lesson.title = '<b onmouseover="x()">Calm & steady</b>'
    lesson.save(update_fields=["title"])
    html = page(client, clinician, client_a, signed_in)
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert "&lt;b onmouseover=&quot;x()&quot;&gt;Calm &amp; steady&lt;/b&gt;" in svg
    assert "<b " not in html
