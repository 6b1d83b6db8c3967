"""The demo clinician's morning: clients in the states a caseload really holds (away for nine
days, a week on hold, worksheets waiting for review, paused, finished), each built by playing
their history forward through the same services the site uses, at the moments it happened.

Seeded once per client: a client who already has an enrollment is left as they are.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from accounts.models import User
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonKind,
    Module,
    PacingReason,
    Track,
)
from courses.services.enrollment import enrollment_create, enrollment_set_status
from courses.services.pacing import pacing_hold, pacing_pause
from courses.services.progress import lesson_complete, lesson_defer, lesson_start
from courses.services.releases import enrollment_release_due_modules
from courses.services.worksheets import worksheet_submit
from measures.models import Instrument
from measures.services import administration_submit

# SUDS before and after, lesson by lesson: easing for most, rising for the client who is away.
EASING = [(6, 4), (5, 4), (6, 3), (5, 3), (4, 3), (4, 2)]
RISING = [(min(10, 2 + i // 3), min(10, 3 + i // 3)) for i in range(40)]


@dataclass
class DemoCaseload:
    track: Track
    clinician: User
    now: datetime
    began: dict[int, datetime] = field(default_factory=dict)

    def seed(self, clients: dict[str, User]) -> None:
        plans = {
            "client3@example.com": self._away_nine_days,
            "client4@example.com": self._week_six_held,
            "client5@example.com": self._worksheets_to_review,
            "client6@example.com": self._paused,
            "client7@example.com": self._finished,
        }
        for email, plan in plans.items():
            client = clients[email]
            if not Enrollment.objects.filter(client=client, track=self.track).exists():
                plan(client)
                # Weeks kept opening while the client was away.
                for enrollment in Enrollment.objects.filter(client=client):
                    enrollment_release_due_modules(enrollment=enrollment, now=self.now)

    # --- the clients ------------------------------------------------------------------------

    def _away_nine_days(self, client: User) -> None:
        """Did the lessons of the first weeks, distress rising, then nothing for nine days."""
        away_since = self.now - timedelta(days=9)
        enrollment = self._enroll(client, weeks_ago=4, days=2)
        self._live(enrollment, until=away_since, suds=RISING)
        # Low mood at the start, reliably heavier two weeks later.
        self._answer(client, "phq9", level=1, at=self.began[enrollment.pk] + timedelta(hours=2))
        self._answer(client, "phq9", level=2, at=away_since - timedelta(days=1))
        User.objects.filter(pk=client.pk).update(last_login=away_since)

    def _week_six_held(self, client: User) -> None:
        """Keeping up; the clinician holds the next week until they have met."""
        enrollment = self._enroll(client, weeks_ago=4, days=3)
        self._live(enrollment, until=self.now - timedelta(hours=5), suds=EASING)
        # Worry easing over the month: high at first, lower each fortnight.
        began = self.began[enrollment.pk]
        for level, days in ((2, 0), (1, 14), (0, 28)):
            for key in ("gad7", "phq9"):
                self._answer(client, key, level=level, at=began + timedelta(days=days, hours=3))
        enrollment_release_due_modules(enrollment=enrollment, now=self.now - timedelta(hours=4))
        opened = enrollment.releases.count()
        pacing_hold(
            enrollment=enrollment,
            module=self._week(opened + 1),
            reason_code=PacingReason.STABILIZATION,
            note="Hold until we have talked the trauma week through in session.",
            author=self.clinician,
            now=self.now - timedelta(hours=4),
        )

    def _worksheets_to_review(self, client: User) -> None:
        """Submitted the worksheets of the first weeks, the first of them twice."""
        enrollment = self._enroll(client, weeks_ago=2, days=1)
        self._live(enrollment, until=self.now - timedelta(hours=3), suds=EASING, worksheets=True)

    def _paused(self, client: User) -> None:
        """The program was paused three days ago for a life event."""
        paused_at = self.now - timedelta(days=3)
        enrollment = self._enroll(client, weeks_ago=1, days=4)
        self._live(enrollment, until=paused_at - timedelta(hours=2), suds=EASING, defer=True)
        pacing_pause(
            enrollment=enrollment,
            reason_code=PacingReason.LIFE_EVENT,
            note="Family emergency out of state.",
            author=self.clinician,
            now=paused_at,
        )

    def _finished(self, client: User) -> None:
        """All twelve weeks done; the program was completed two days ago."""
        enrollment = self._enroll(client, weeks_ago=12, days=4)
        finished_at = self.now - timedelta(days=2)
        self._live(enrollment, until=finished_at - timedelta(hours=1), suds=EASING)
        enrollment_set_status(
            enrollment=enrollment,
            status=EnrollmentStatus.COMPLETED,
            acting_user=self.clinician,
            now=finished_at,
        )

    # --- history ----------------------------------------------------------------------------

    def _enroll(self, client: User, *, weeks_ago: int, days: int) -> Enrollment:
        """Rolling enrollment that began `weeks_ago` weeks and `days` days before today (in the
        client's zone), created on its first day."""
        start: date = client.local_date(self.now) - timedelta(weeks=weeks_ago, days=days)
        began = self.now - timedelta(weeks=weeks_ago, days=days)
        enrollment = enrollment_create(client=client, track=self.track, start_date=start, now=began)
        Enrollment.objects.filter(pk=enrollment.pk).update(created_at=began)
        self.began[enrollment.pk] = began
        return enrollment

    def _answer(self, client: User, key: str, *, level: int, at: datetime) -> None:
        """Answer instrument `key` with `level` (0 to 3) on every scored item but the risk item,
        at `at`, through the service."""
        instrument = Instrument.objects.get(key=key)
        administration_submit(
            client=client,
            instrument=instrument,
            answers={
                item["number"]: 0 if item["risk"] else level
                for item in instrument.definition["items"]
                if item["scored"]
            },
            now=at,
        )

    def _week(self, number: int) -> Module:
        return Module.objects.get(track=self.track, week=number)

    def _live(
        self,
        enrollment: Enrollment,
        *,
        until: datetime,
        suds: list[tuple[int, int]],
        worksheets: bool = False,
        defer: bool = False,
    ) -> None:
        """Open each week as it fell due and do its lessons over the next days, stopping at
        `until`: the open week's lessons are left half done, as a real week would be."""
        client = enrollment.client
        readings = iter(suds * 20)
        moment = self.began[enrollment.pk]
        day = timedelta(days=1)
        lived: set[int] = set()
        while moment < until:
            enrollment_release_due_modules(enrollment=enrollment, now=moment)
            # Each week once, whether it opened now or when the enrollment was created.
            fresh = enrollment.releases.exclude(pk__in=lived).select_related("module")
            for release in fresh.order_by("module__week"):
                lived.add(release.pk)
                lessons = list(release.module.lessons.order_by("order"))
                started = release.released_at + timedelta(hours=20)
                for index, lesson in enumerate(lessons):
                    at = started + index * timedelta(hours=7)
                    if at >= until:
                        break
                    if defer and index == 1:
                        lesson_defer(
                            enrollment=enrollment, lesson=lesson, acting_user=client, now=at
                        )
                        continue
                    self._do(
                        enrollment, lesson, at=at, reading=next(readings), worksheets=worksheets
                    )
            moment += day
        enrollment.refresh_from_db()

    def _do(
        self,
        enrollment: Enrollment,
        lesson: Lesson,
        *,
        at: datetime,
        reading: tuple[int, int],
        worksheets: bool,
    ) -> None:
        client = enrollment.client
        before, after = reading if lesson.suds else (None, None)
        lesson_start(
            enrollment=enrollment, lesson=lesson, acting_user=client, now=at, suds_before=before
        )
        if lesson.kind == LessonKind.WORKSHEET and worksheets and lesson.prompts:
            first = {p["key"]: "A first try: " + p.get("label", "") for p in lesson.prompts}
            worksheet_submit(
                enrollment=enrollment, lesson=lesson, answers=first, acting_user=client,
                now=at + timedelta(minutes=20),
            )  # fmt: skip
            if lesson.module.week == 1:
                second = {key: value + " Looking again, a bit more honestly." for key, value in first.items()}  # fmt: skip  # noqa: E501
                worksheet_submit(
                    enrollment=enrollment, lesson=lesson, answers=second, acting_user=client,
                    now=at + timedelta(hours=30),
                )  # fmt: skip
        lesson_complete(
            enrollment=enrollment,
            lesson=lesson,
            acting_user=client,
            now=at + timedelta(minutes=25),
            suds_after=after,
        )
