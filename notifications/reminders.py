"""Reminder rules. Each enumerates who is due with bulk queries and enqueues through the outbox,
whose dedupe key makes every reminder at most once per period."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from care.models import CareAssignment
from courses.models import EnrollmentStatus, Lesson, LessonProgress, ModuleRelease

from .models import DeliverySettings, Kind
from .schedule import local_moment_today
from .services import notifications_enqueue

NOT_STARTED_AFTER = timedelta(days=3)
NOT_FINISHED_AFTER = timedelta(days=6)
INACTIVE_AFTER = timedelta(days=7)
# A rule looks back this far, so a short outage of beat does not lose a reminder.
CATCH_UP = timedelta(hours=12)
CHECKIN_WINDOW = timedelta(minutes=30)


def _newest_open_weeks(now: datetime, *, older_than: timedelta):
    later = ModuleRelease.objects.filter(
        enrollment_id=OuterRef("enrollment_id"), module__week__gt=OuterRef("module__week")
    )
    return (
        ModuleRelease.objects.filter(
            enrollment__status=EnrollmentStatus.ACTIVE,
            released_at__lte=now - older_than,
            released_at__gt=now - older_than - CATCH_UP,
        )
        .annotate(superseded=Exists(later))
        .filter(superseded=False)
        .select_related("enrollment__client")
    )


def not_started_items(now: datetime) -> list[tuple]:
    """This week's module, three days after it opened, with no lesson started."""
    started = LessonProgress.objects.filter(
        enrollment_id=OuterRef("enrollment_id"),
        lesson__module_id=OuterRef("module_id"),
        started_at__isnull=False,
    )
    releases = (
        _newest_open_weeks(now, older_than=NOT_STARTED_AFTER)
        .annotate(started=Exists(started))
        .filter(started=False)
    )
    return [
        (r.enrollment.client, Kind.MODULE_NOT_STARTED, f"not_started:{r.pk}", "courses:dashboard")
        for r in releases
    ]


def not_finished_items(now: datetime) -> list[tuple]:
    """This week's module on day six: started, with a required lesson still open."""
    started = LessonProgress.objects.filter(
        enrollment_id=OuterRef("enrollment_id"),
        lesson__module_id=OuterRef("module_id"),
        started_at__isnull=False,
    )
    unfinished = Lesson.objects.filter(
        module_id=OuterRef("module_id"), required=True, retired_at__isnull=True
    ).exclude(
        Exists(
            LessonProgress.objects.filter(
                enrollment_id=OuterRef(OuterRef("enrollment_id")),
                lesson_id=OuterRef("pk"),
                completed_at__isnull=False,
            )
        )
    )
    releases = (
        _newest_open_weeks(now, older_than=NOT_FINISHED_AFTER)
        .annotate(started=Exists(started), open_left=Exists(unfinished))
        .filter(started=True, open_left=True)
    )
    return [
        (r.enrollment.client, Kind.MODULE_NOT_FINISHED, f"not_finished:{r.pk}", "courses:dashboard")
        for r in releases
    ]


def checkin_items(now: datetime) -> list[tuple]:
    """The daily check-in reminder at each client's own reminder time (opt-in)."""
    from courses.models import Enrollment

    enrollments = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE).select_related("client")
    reminder_times = dict(
        DeliverySettings.objects.filter(user_id__in=enrollments.values("client_id")).values_list(
            "user_id", "reminder_time"
        )
    )
    default_time = DeliverySettings().reminder_time
    items = []
    seen = set()
    for enrollment in enrollments:
        client = enrollment.client
        if client.pk in seen:
            continue
        seen.add(client.pk)
        at = local_moment_today(
            now, tz=client.timezone, at=reminder_times.get(client.pk, default_time)
        )
        if at <= now < at + CHECKIN_WINDOW:
            local_day = client.local_date(now)
            items.append(
                (client, Kind.CHECKIN_REMINDER, f"checkin:{client.pk}:{local_day}", "home")
            )
    return items


def inactivity_items(now: datetime) -> list[tuple]:
    """No sign-in for seven days: a gentle nudge to the client and an alert to each clinician."""
    from courses.models import Enrollment

    enrollments = (
        Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
        .filter(
            Q(client__last_login__lte=now - INACTIVE_AFTER)
            | Q(client__last_login__isnull=True, created_at__lte=now - INACTIVE_AFTER)
        )
        .select_related("client")
    )
    items = []
    clients = {}
    for enrollment in enrollments:
        client = enrollment.client
        since = (client.last_login or enrollment.created_at).date()
        clients[client.pk] = (client, since)
        items.append((client, Kind.INACTIVITY_NUDGE, f"inactive:{client.pk}:{since}", "home"))
    for assignment in CareAssignment.objects.filter(
        client_id__in=clients, is_active=True
    ).select_related("clinician"):
        _client, since = clients[assignment.client_id]
        items.append(
            (
                assignment.clinician,
                Kind.INACTIVITY_ALERT,
                f"inactive_alert:{assignment.clinician_id}:{assignment.client_id}:{since}",
                "care:caseload",
            )
        )
    return items


def reminders_enqueue_due(*, now: datetime) -> int:
    """Run every rule; returns how many new outbox rows were written."""
    items = not_started_items(now) + not_finished_items(now) + checkin_items(now)
    items += inactivity_items(now)
    return notifications_enqueue(items, now=now)
