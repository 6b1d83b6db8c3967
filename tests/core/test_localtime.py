"""Wall-clock arithmetic in a zone (core/localtime.py)."""

from datetime import UTC, datetime

import pytest

from core.localtime import add_business_hours

# --- add_business_hours ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Tuesday 23:00 in New York: counts from Wednesday 09:00, so 13:00.
        (datetime(2026, 11, 11, 4, 0, tzinfo=UTC), datetime(2026, 11, 11, 18, 0, tzinfo=UTC)),
        # Wednesday 10:00: 14:00 the same day.
        (datetime(2026, 11, 11, 15, 0, tzinfo=UTC), datetime(2026, 11, 11, 19, 0, tzinfo=UTC)),
        # Friday 15:00: two hours on Friday, two on Monday: Monday 11:00.
        (datetime(2026, 11, 13, 20, 0, tzinfo=UTC), datetime(2026, 11, 16, 16, 0, tzinfo=UTC)),
        # Saturday: Monday 13:00.
        (datetime(2026, 11, 14, 15, 0, tzinfo=UTC), datetime(2026, 11, 16, 18, 0, tzinfo=UTC)),
        # Friday 16:00 before the November clock change (EDT), ending Monday in EST: 12:00 EST.
        (datetime(2026, 10, 30, 20, 0, tzinfo=UTC), datetime(2026, 11, 2, 17, 0, tzinfo=UTC)),
    ],
)
def test_business_hours_count_only_weekday_working_hours_in_the_practices_zone(start, expected):
    assert add_business_hours(start, 4, tz="America/New_York") == expected
