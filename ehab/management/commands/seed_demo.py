"""Demo accounts and program for the one-command local run. Idempotent; refuses in production."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create, user_set_superuser
from care.services import care_assignment_create
from courses.curriculum import curriculum_load, validate_curriculum
from courses.models import Cohort, Enrollment, Track
from courses.services.enrollment import enrollment_create
from courses.services.releases import enrollment_release_due_modules
from ehab.demo_caseload import DemoCaseload
from ehab.demo_daily import seed_demo_daily
from measures.instruments import instruments_load, read_instruments
from meetings.attendance_services import Mark, attendance_record
from meetings.generation import weeks_of
from meetings.models import AttendanceStatus, OccurrenceStatus, SeriesKind, SessionSeries
from meetings.services import (
    SeriesFields,
    individual_session_book,
    series_create,
    series_generate,
)
from payments.models import Plan

DEMO_SUPERUSER = "owner@example.com"
DEMO_PASSWORD = "calm-harbor-2026"  # noqa: S105 - printed on purpose; never used in production

# The demo client's attendance at the demo cohort's first three group sessions (the ones held
# before week 4): (status, minutes; None for the whole session).
DEMO_ATTENDANCE = [
    (AttendanceStatus.PRESENT, None),
    (AttendanceStatus.LATE, 60),
    (AttendanceStatus.ABSENT, None),
]
# How long after a session its clinician marks attendance.
MARKED_AFTER = timedelta(minutes=10)

# (email, role, preferred name, what `make run` prints about it; the README's Quick start table
# lists the same accounts with the same words, tests/accounts/test_seed_demo.py holds them to it)
DEMO_USERS = [
    ("client@example.com", Role.CLIENT, "Sam",
     "client in the demo cohort, which began three weeks ago; assigned to the demo clinician"),
    ("client2@example.com", Role.CLIENT, "Jordan",
     "client on rolling enrollment from the day of the seed; assigned to the demo clinician"),
    ("client3@example.com", Role.CLIENT, "Alex",
     "client away for nine days; assigned to the demo clinician"),
    ("client4@example.com", Role.CLIENT, "Casey",
     "client whose next week the clinician is holding; assigned to the demo clinician"),
    ("client5@example.com", Role.CLIENT, "Morgan",
     "client with worksheets waiting for review; assigned to the demo clinician"),
    ("client6@example.com", Role.CLIENT, "Riley",
     "client whose program is paused; assigned to the demo clinician"),
    ("client7@example.com", Role.CLIENT, "Taylor",
     "client who finished the twelve weeks; assigned to the demo clinician"),
    ("clinician@example.com", Role.CLINICIAN, "Dr. Rivera", "clinician"),
    ("admin@example.com", Role.ADMIN, "Admin", "administrator (the console, /account/console/)"),
    (DEMO_SUPERUSER, Role.ADMIN, "Owner",
     "administrator and superuser: the only demo account that opens the Django admin"),
    ("billing@example.com", Role.BILLING, "Billing", "billing staff"),
]  # fmt: skip


def _monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


class Command(BaseCommand):
    help = "Create the demo accounts (and, in later issues, demo program data)."

    def handle(self, *args, **options):
        if getattr(settings, "EHAB_ENV", "") == "production":
            raise CommandError("seed_demo never runs under production settings.")
        with transaction.atomic():
            users = {}
            for email, role, name, _about in DEMO_USERS:
                user = User.objects.filter(email__iexact=email).first()
                if user is None:
                    user = user_create(
                        email=email,
                        password=DEMO_PASSWORD,
                        role=role,
                        preferred_name=name,
                        email_verified=True,
                    )
                else:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                    EmailAddress.objects.filter(user=user).update(verified=True)
                users[role] = user
                if email == DEMO_SUPERUSER:
                    user_set_superuser(user=user, value=True, acting_user=None)
            clients = [
                User.objects.get(email=email)
                for email, role, _name, _about in DEMO_USERS
                if role == Role.CLIENT
            ]
            for client in clients:
                care_assignment_create(
                    clinician=users[Role.CLINICIAN], client=client, acting_user=None
                )
            now = timezone.now()
            self._seed_program(clients[:2], users[Role.CLINICIAN], now=now)
            caseload = DemoCaseload(
                track=Track.objects.get(slug="core-12"), clinician=users[Role.CLINICIAN], now=now
            )
            caseload.seed({client.email: client for client in clients})
            seed_demo_daily(client=clients[0], now=now)
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for email, _role, _name, about in DEMO_USERS:
            self.stdout.write(f"  {email:<23} {about}")
        self.stdout.write(
            "Staff accounts set up an authenticator app (TOTP) at their first sign-in."
        )

    def _seed_plans(self) -> None:
        """Demo prices: pay in full, or monthly installments (stripe_sync_plans links them)."""
        for track_slug, full, monthly, months in (
            ("core-12", "3000.00", "1050.00", 3),
            ("extended-24", "5400.00", "950.00", 6),
        ):
            track = Track.objects.get(slug=track_slug)
            Plan.objects.get_or_create(
                slug=f"{track_slug}-full",
                defaults={"track": track, "kind": "full", "amount": Decimal(full)},
            )
            Plan.objects.get_or_create(
                slug=f"{track_slug}-monthly",
                defaults={
                    "track": track,
                    "kind": "installments",
                    "installments": months,
                    "amount": Decimal(monthly),
                },
            )

    def _seed_program(self, clients, clinician, *, now: datetime) -> None:
        """The curriculum, a cohort that began three weeks ago (weeks 1-4 open) with the first
        demo client, and the second demo client on rolling enrollment from today. (The rest of
        the demo caseload, each client in another state, is DemoCaseload's.)"""
        spec = validate_curriculum(settings.BASE_DIR / "curriculum" / "e-hab-iop")
        curriculum_load(spec)
        instruments_load(read_instruments())
        track = Track.objects.get(slug="core-12")
        # "Today" as the cohort sees it, counted from the moment the week opens there, so that
        # weeks 1-4 are open whatever the hour (week 4 opens on a Monday at the release time).
        cohort_tz = ZoneInfo("America/New_York")
        opened = datetime.combine(date.min, track.release_time) - datetime.min
        today = (now.astimezone(cohort_tz) - opened).date()
        start = _monday_on_or_before(today) - timedelta(weeks=3)
        cohort, _ = Cohort.objects.get_or_create(
            track=track,
            name="Demo cohort",
            defaults={
                "start_date": start,
                "capacity": 10,
                "timezone": "America/New_York",
                "meeting_weekday": 1,
                "meeting_time": time(18, 30),
            },
        )
        if cohort.start_date != start:
            cohort.start_date = start
            cohort.save(update_fields=["start_date"])
        cohort.clinicians.add(clinician)
        first, second = clients
        if not Enrollment.objects.filter(client=first, track=track).exists():
            enrollment_create(client=first, track=track, cohort=cohort, now=now)
        if not Enrollment.objects.filter(client=second, track=track).exists():
            enrollment_create(client=second, track=track, start_date=today, now=now)
        self._seed_plans()
        for enrollment in Enrollment.objects.filter(client__in=clients).select_related(
            "track", "cohort", "client"
        ):
            enrollment_release_due_modules(enrollment=enrollment, now=now)
        self._seed_sessions(cohort, first, clinician, now=now)

    def _seed_sessions(self, cohort: Cohort, client: User, clinician: User, *, now: datetime):
        """The demo cohort's weekly group session (Tuesdays 18:30 in New York, for the track's
        weeks, the three weeks held so far included), the first demo client's attendance at the
        first three (DEMO_ATTENDANCE, marked by the session's clinician after each), and one
        appointment of the first demo client with the demo clinician in two days."""
        series = SessionSeries.objects.filter(cohort=cohort, kind=SeriesKind.GROUP).first()
        if series is None:
            first, last = weeks_of(start=cohort.start_date, weeks=cohort.track.weeks)
            fields = SeriesFields(
                weekday=1,
                start_time=time(18, 30),
                length_minutes=90,
                video_url="https://video.example.org/demo-group",
                active_from=first,
                active_until=last,
                clinician=clinician,
            )
            series_create(cohort=cohort, fields=fields, acting_user=None, now=now)
        else:
            series_generate(series=series, now=now)
        series = SessionSeries.objects.get(cohort=cohort, kind=SeriesKind.GROUP)
        held = series.occurrences.exclude(status=OccurrenceStatus.CANCELLED).filter(
            starts_at__lte=now
        )
        for occurrence, (status, minutes) in zip(
            held.order_by("starts_at")[: len(DEMO_ATTENDANCE)], DEMO_ATTENDANCE, strict=False
        ):
            # Marked by the session's clinician soon after it ended (a mark that changes
            # nothing is left alone, so a second run adds nothing).
            attendance_record(
                occurrence=occurrence,
                marks=[Mark(client.pk, status, minutes)],
                by=occurrence.clinician,
                now=min(occurrence.ends_at + MARKED_AFTER, now),
            )
        if not SessionSeries.objects.filter(client=client).exists():
            individual_session_book(
                clinician=clinician,
                client=client,
                day=client.local_date(now) + timedelta(days=2),
                start_time=time(11, 0),
                length_minutes=50,
                weeks=1,
                video_url="https://video.example.org/demo-appointment",
                now=now,
            )
