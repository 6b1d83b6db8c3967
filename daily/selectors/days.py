"""The client's days as they read them (decision 0016): days held (every evening that said the
bottom lines held, never reset by a lapse), the current stretch, and the last week as marks.
Each costs one query whatever the history."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.urls import reverse

from accounts.models import User

from ..days import can_edit, can_fill, local_today
from ..models import BottomLines, Checkin

WEEK = 7

HELD, LAPSED, STARTED, NOT_FILLED = "held", "lapsed", "started", "not_filled"
MARK_TEXT = {
    HELD: "Held",
    LAPSED: "Lapse noted",
    STARTED: "Started",
    NOT_FILLED: "Not filled in",
}


def days_held(*, client: User) -> int:
    """How many days the client's evening review said the bottom lines held (1 query). A lapse
    never subtracts: this count only grows."""
    return Checkin.objects.filter(client=client, bottom_lines=BottomLines.HELD).count()


def current_run(*, client: User, now: datetime) -> int:
    """The consecutive held days ending today or yesterday (the client's local days): today
    may still be open. 0 when neither held, or when today's evening noted a lapse (1 query: the
    days answered, a small row each)."""
    today = local_today(now=now, tz=client.timezone)
    return _run(_answered(client=client, today=today), today=today)


def held_figures(*, client: User, now: datetime) -> tuple[int, int]:
    """(days_held, current_run) in one query: the check-in page shows both."""
    today = local_today(now=now, tz=client.timezone)
    answered = _answered(client=client, today=today)
    return sum(1 for _, said in answered if said == BottomLines.HELD), _run(answered, today=today)


def _answered(*, client: User, today: date) -> list[tuple[date, str]]:
    """The days up to `today` whose evening said held or lapsed, newest first."""
    return list(
        Checkin.objects.filter(
            client=client,
            bottom_lines__in=(BottomLines.HELD, BottomLines.LAPSED),
            day__lte=today,
        )
        .order_by("-day")
        .values_list("day", "bottom_lines")
    )


def _run(answered: list[tuple[date, str]], *, today: date) -> int:
    run = 0
    expected = today
    for day, bottom_lines in answered:
        if run == 0 and day == today - timedelta(days=1) and expected == today:
            expected = day  # today not answered yet: the stretch may end yesterday
        if day != expected or bottom_lines != BottomLines.HELD:
            break
        run += 1
        expected = day - timedelta(days=1)
    return run


@dataclass(frozen=True)
class DayMark:
    """One day of the last week: what it holds, in words, and where to open it (the empty
    string when it can no longer be filled in or changed)."""

    day: date
    state: str
    late: bool
    is_today: bool
    url: str

    @property
    def text(self) -> str:
        return MARK_TEXT[self.state]


def _state(checkin: Checkin | None) -> str:
    if checkin is None:
        return NOT_FILLED
    if checkin.bottom_lines == BottomLines.HELD:
        return HELD
    if checkin.bottom_lines == BottomLines.LAPSED:
        return LAPSED
    return STARTED


def week_checkins(*, client: User, now: datetime) -> dict[date, Checkin]:
    """The client's check-ins of the last WEEK local days, today included, by day (1 query)."""
    today = local_today(now=now, tz=client.timezone)
    rows = Checkin.objects.filter(
        client=client, day__gt=today - timedelta(days=WEEK), day__lte=today
    )
    return {checkin.day: checkin for checkin in rows}


def week_marks(
    *, client: User, now: datetime, checkins: dict[date, Checkin] | None = None
) -> list[DayMark]:
    """The last WEEK local days, oldest first, each with its mark and, when it can still be
    filled in or changed, the link to do so (1 query, none when `checkins` from week_checkins
    is given)."""
    tz = client.timezone
    today = local_today(now=now, tz=tz)
    if checkins is None:
        checkins = week_checkins(client=client, now=now)
    marks = []
    for back in range(WEEK - 1, -1, -1):
        day = today - timedelta(days=back)
        checkin = checkins.get(day)
        if checkin is None:
            open_ = can_fill(day=day, now=now, tz=tz)
        else:
            filled_on = local_today(now=checkin.created_at, tz=tz)
            open_ = can_edit(day=day, filled_on=filled_on, now=now, tz=tz)
        if day == today:
            url = reverse("daily:today")
        elif open_:
            url = reverse("daily:checkin_day", kwargs={"day": day})
        else:
            url = ""
        marks.append(
            DayMark(
                day=day,
                state=_state(checkin),
                late=checkin is not None and checkin.late,
                is_today=day == today,
                url=url,
            )
        )
    return marks
