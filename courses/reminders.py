"""The course's reminder rules. Each enumerates who is due with bulk queries and enqueues through
the outbox, whose dedupe key makes every reminder at most once per period."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef

from notifications.models import DeliverySettings, Kind
from notifications.schedule import local_moment_today
from notifications.services import OutboxItem, outbox_enqueue

from .models import Enrollment, EnrollmentStatus, Lesson, LessonProgress, ModuleRelease
from .selectors import inactive_clients

NOT_STARTED_AFTER = timedelta(days=3)
NOT_FINISHED_AFTER = timedelta(days=6)
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


def not_started_items(now: datetime) -> list[OutboxItem]:
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
        OutboxItem(
            r.enrollment.client, Kind.MODULE_NOT_STARTED, f"not_started:{r.pk}", "courses:dashboard"
        )
        for r in releases
    ]


def not_finished_items(now: datetime) -> list[OutboxItem]:
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
        OutboxItem(
            r.enrollment.client,
            Kind.MODULE_NOT_FINISHED,
            f"not_finished:{r.pk}",
            "courses:dashboard",
        )
        for r in releases
    ]


def checkin_items(now: datetime) -> list[OutboxItem]:
    """The daily check-in reminder at each client's own reminder time (opt-in)."""
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
            # The link opens the check-in itself (daily's URL name, resolved when it is
            # followed: a name, not an import).
            items.append(
                OutboxItem(
                    client, Kind.CHECKIN_REMINDER, f"checkin:{client.pk}:{local_day}", "daily:today"
                )
            )
    return items


def inactivity_nudge_items(now: datetime) -> list[OutboxItem]:
    """No sign-in for seven days: a gentle nudge to the client, once per absence."""
    return [
        OutboxItem(away.client, Kind.INACTIVITY_NUDGE, f"inactive:{away.client.pk}:{away.since}")
        for away in inactive_clients(now=now)
    ]


def course_reminders_enqueue_due(*, now: datetime) -> int:
    """Run every course rule at `now`; returns how many new outbox rows were written."""
    items = not_started_items(now) + not_finished_items(now) + checkin_items(now)
    items += inactivity_nudge_items(now)
    return outbox_enqueue(items, now=now)
