"""factory_boy factories for the suite."""

import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.roles import Role
from care.models import CareAssignment

PASSWORD = "quiet-river-stones-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    role = Role.CLIENT
    preferred_name = factory.Sequence(lambda n: f"Person {n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )


class CareAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareAssignment

    clinician = factory.SubFactory(UserFactory, role=Role.CLINICIAN)
    client = factory.SubFactory(UserFactory, role=Role.CLIENT)


# --- Courses -------------------------------------------------------------------------------------
import datetime as _dt  # noqa: E402

from courses.markdown import render_markdown  # noqa: E402
from courses.models import (  # noqa: E402
    Cohort,
    Domain,
    Enrollment,
    Lesson,
    LessonKind,
    Module,
    Program,
    Track,
)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    slug = factory.Sequence(lambda n: f"program-{n}")
    title = "The E-Hab intensive"
    disclaimer = "Educational support inside your treatment, not a substitute for it."


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    program = factory.SubFactory(ProgramFactory)
    slug = factory.Sequence(lambda n: f"track-{n}")
    title = factory.Sequence(lambda n: f"Track {n}")
    weeks = 12
    release_weekday = 0
    release_time = _dt.time(6, 0)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    track = factory.SubFactory(TrackFactory)
    slug = factory.Sequence(lambda n: f"module-{n}")
    week = 1
    domain = Domain.ORIENTATION
    title = factory.Sequence(lambda n: f"Module title {n}")
    summary = "What this week is about."
    asks = "About an hour across the week."
    minutes = 60


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    kind = LessonKind.READING
    body = "Some *gentle* words."
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    minutes = 10


WORKSHEET_PROMPTS = [
    {"key": "warning-signs", "label": "My early warning signs", "help": "", "kind": "textarea"},
    {"key": "one-word", "label": "One word for today", "help": "", "kind": "text"},
    {"key": "calm", "label": "How calm do I feel?", "help": "", "kind": "scale"},
]


def make_track(*, weeks: int = 12, lessons_per_module: int = 4, trauma_weeks=(3,), **kwargs):
    """A track with one module a week, each with a reading, a SUDS practice and a worksheet."""
    track = TrackFactory(weeks=weeks, **kwargs)
    for week in range(1, weeks + 1):
        intense = week in trauma_weeks
        module = ModuleFactory(
            track=track,
            week=week,
            trauma_intense=intense,
            content_note="This week touches painful memories. Go slowly." if intense else "",
        )
        for i in range(lessons_per_module):
            kind = [LessonKind.READING, LessonKind.PRACTICE, LessonKind.WORKSHEET][i % 3]
            LessonFactory(
                module=module,
                order=i + 1,
                kind=kind,
                suds=kind == LessonKind.PRACTICE,
                prompts=WORKSHEET_PROMPTS if kind == LessonKind.WORKSHEET else [],
            )
    return track


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    track = factory.SubFactory(TrackFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    start_date = _dt.date(2026, 11, 2)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    client = factory.SubFactory(UserFactory)
    track = factory.SubFactory(TrackFactory)
    start_date = _dt.date(2026, 11, 2)


def steady_answers(instrument, value: int) -> dict[int, int]:
    """Answers to `instrument` giving every scored item `value` but its risk item 0."""
    return {
        item["number"]: 0 if item["risk"] else value
        for item in instrument.definition["items"]
        if item["scored"]
    }


# --- daily ---------------------------------------------------------------------------------------
# The daily app's rows, written directly (the pages' services are tested on their own). Dsap rows
# are never changed after they are made: its factory only creates.
from datetime import UTC as _UTC  # noqa: E402

from daily.models import (  # noqa: E402
    BottomLines,
    Checkin,
    Dsap,
    Lapse,
    Part,
    PracticeLog,
    UrgeLog,
)

_DAILY_AT = _dt.datetime(2026, 11, 20, 20, 0, tzinfo=_UTC)


class DsapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dsap

    client = factory.SubFactory(UserFactory)
    version = factory.Sequence(lambda n: n + 1)
    created_at = _DAILY_AT
    bottom_lines = "No browsing after 10 pm."
    warning_signs = "Staying up late alone.\nSkipping dinner."
    anchors = "Walk after work\nCall a friend\nLights out by 11"


class CheckinFactory(factory.django.DjangoModelFactory):
    """An evening review (a morning intention too), held, on `day`."""

    class Meta:
        model = Checkin

    client = factory.SubFactory(UserFactory)
    day = _dt.date(2026, 11, 20)
    intention = "Go gently."
    morning_at = _DAILY_AT
    mood = 6
    urge = 3
    loudest_part = Part.WITNESS
    bottom_lines = BottomLines.HELD
    helped = "A walk."
    safe = "yes"
    evening_at = _DAILY_AT
    created_at = _DAILY_AT
    updated_at = _DAILY_AT


class LapseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lapse

    client = factory.SubFactory(UserFactory)
    day = _dt.date(2026, 11, 20)
    situation = "Alone after a long day."
    body = "Tight chest."
    thought = "Nobody would know."
    part = Part.TEENAGER
    stage = Lapse.Stage.ESCAPE
    needed = "Rest and company."
    next_time = "Text a friend before opening the laptop."
    created_at = _DAILY_AT
    updated_at = _DAILY_AT
    completed_at = _DAILY_AT


class UrgeLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UrgeLog

    client = factory.SubFactory(UserFactory)
    at = _DAILY_AT
    day = _dt.date(2026, 11, 20)
    intensity = 6
    where = UrgeLog.Where.CHEST
    did = UrgeLog.Did.BREATHED


class PracticeLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeLog

    client = factory.SubFactory(UserFactory)
    at = _DAILY_AT
    day = _dt.date(2026, 11, 20)
    practice = PracticeLog.Practice.BREATHING
    suds_before = 7
    suds_after = 4
