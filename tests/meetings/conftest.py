"""Shared pieces for the sessions tests: a cohort with a clinician and a client in it."""

from datetime import date, time

import pytest

from accounts.roles import Role
from meetings.services import SeriesFields
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, make_track

LINK = "https://video.example.org/room/abc"


@pytest.fixture
def lead(db):
    return UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Lead")


@pytest.fixture
def cohort(db, lead):
    track = make_track(weeks=12, lessons_per_module=1, trauma_weeks=())
    cohort = CohortFactory(
        track=track,
        start_date=date(2026, 10, 5),
        timezone="America/New_York",
        meeting_weekday=1,
        meeting_time=time(18, 30),
    )
    cohort.clinicians.add(lead)
    return cohort


@pytest.fixture
def member(cohort):
    client = UserFactory(role=Role.CLIENT, timezone="America/Los_Angeles")
    EnrollmentFactory(
        client=client, track=cohort.track, cohort=cohort, start_date=cohort.start_date
    )
    return client


def fields(lead, **changes) -> SeriesFields:
    values = {
        "weekday": 1,
        "start_time": time(18, 30),
        "length_minutes": 90,
        "video_url": LINK,
        "active_from": date(2026, 10, 5),
        "active_until": date(2026, 12, 27),
        "clinician": lead,
    }
    values.update(changes)
    return SeriesFields(**values)
