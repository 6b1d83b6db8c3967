"""Building a cohort with weekly group sessions for the attendance and hours tests (care's
pages, the client's pages, the browser journey)."""

from datetime import date, datetime, time

from accounts.models import User
from accounts.roles import Role
from courses.models import Cohort
from meetings.models import Occurrence
from meetings.services import SeriesFields, series_create
from tests.factories import (
    CareAssignmentFactory,
    CohortFactory,
    EnrollmentFactory,
    UserFactory,
    make_track,
)

LINK = "https://video.example.org/room/abc"


def group_with_sessions(
    *,
    lead: User,
    members: int,
    start: date,
    now: datetime,
    tz: str = "America/New_York",
    weeks: int = 4,
    weekday: int = 1,
    cohort: Cohort | None = None,
) -> tuple[Cohort, list[User], list[Occurrence]]:
    """A cohort of `weeks` weeks from `start` led by `lead`, with `members` clients (each
    assigned to `lead`) and a weekly 90-minute group at 18:30 on `weekday`, made at `now`."""
    if cohort is None:
        track = make_track(weeks=weeks, lessons_per_module=3, trauma_weeks=())
        cohort = CohortFactory(track=track, start_date=start, timezone=tz)
    cohort.clinicians.add(lead)
    clients = []
    for n in range(members):
        client = UserFactory(role=Role.CLIENT, preferred_name=f"Member {n + 1:02d}", timezone=tz)
        EnrollmentFactory(client=client, track=cohort.track, cohort=cohort, start_date=start)
        CareAssignmentFactory(clinician=lead, client=client)
        clients.append(client)
    series = series_create(
        cohort=cohort,
        fields=SeriesFields(
            weekday=weekday,
            start_time=time(18, 30),
            length_minutes=90,
            video_url=LINK,
            active_from=start,
            active_until=date.fromordinal(start.toordinal() + 7 * weeks - 1),
            clinician=lead,
        ),
        acting_user=lead,
        now=now,
    )
    return cohort, clients, list(series.occurrences.order_by("starts_at"))
