"""The client's SUDS chart: drawn on the server, escaped, broken where a rating is missing."""

import re
from datetime import date

from courses.charts import LEFT, MIN_COLUMNS, RIGHT_PAD, STEP, suds_chart
from courses.selectors import SudsReading


def reading(number, before, after, *, lesson="Breathing", done=True):
    return SudsReading(
        number=number, lesson=lesson, week=1, on=date(2026, 11, 2), done=done,
        before=before, after=after,
    )  # fmt: skip


def test_each_side_is_a_line_with_a_marker_per_rating_circles_before_and_squares_after():
    chart = suds_chart([reading(1, 10, 0), reading(2, 6, 4)])
    assert re.findall(r"<circle[^>]*cx=\"([\d.]+)\" cy=\"([\d.]+)\"", chart.before) == [
        ("54.0", "12.0"),  # 10 sits at the top of the plot
        ("98.0", "76.0"),
    ]
    assert chart.before.count("<polyline") == 1 and "<rect" not in chart.before
    assert chart.after.count("<rect") == 2 and "<circle" not in chart.after
    assert 'y="167.5"' in chart.after  # 0 at the bottom (172), less half the square
    assert "<title>1. Breathing: after 0</title>" in chart.after


def test_a_missing_rating_breaks_its_line_instead_of_bridging_it():
    chart = suds_chart([reading(1, 5, 3), reading(2, None, 4), reading(3, 6, 2), reading(4, 7, 1)])
    assert chart.before.count("<polyline") == 1  # 3 to 4 only: 1 stands alone
    assert chart.before.count("<circle") == 3
    assert chart.after.count("<polyline") == 1 and chart.after.count("<rect") == 4


def test_a_short_history_keeps_a_phone_sized_width_and_a_long_one_grows():
    assert suds_chart([reading(1, 5, 3)]).width == LEFT + STEP * MIN_COLUMNS + RIGHT_PAD
    long = suds_chart([reading(n, 5, 3) for n in range(1, 31)])
    assert long.width == LEFT + STEP * 30 + RIGHT_PAD
    assert LEFT + STEP * MIN_COLUMNS + RIGHT_PAD <= 358  # 390 less the page's margins


def test_the_summary_counts_lower_after_among_the_lessons_rated_on_both_sides():
    chart = suds_chart([reading(1, 7, 3), reading(2, 4, 6), reading(3, 5, None)])
    assert chart.summary == (
        "You rated 3 lessons. Of the 2 you rated before and after, the number after was lower "
        "in 1. The table below gives every rating."
    )
    assert suds_chart([reading(1, None, 2)]).summary == (
        "You rated 1 lesson. The table below gives every rating."
    )


def test_a_lesson_title_is_escaped_in_the_markers():
    chart = suds_chart([reading(1, 5, 3, lesson="<script>alert(1)</script> & more")])
    assert "<script>" not in chart.before + chart.after
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in chart.before
