"""Keeping schedules right when something outside courses changes."""

from django.dispatch import receiver

from accounts.signals import timezone_changed

from .models import LIVE_STATUSES, Enrollment
from .services.releases import enrollment_refresh_schedule


@receiver(timezone_changed, dispatch_uid="courses_timezone_changed")
def on_timezone_changed(sender, user, now, **kwargs):
    for enrollment in Enrollment.objects.filter(client=user, status__in=LIVE_STATUSES):
        enrollment_refresh_schedule(enrollment=enrollment, now=now)
