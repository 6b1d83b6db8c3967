from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Programs and enrollment"

    def ready(self) -> None:
        from accounts.events import TimezoneChanged
        from core.events import subscribe

        from .services.releases import enrollments_follow_timezone

        # A new time zone moves the client's weeks to 06:00 in that zone.
        subscribe(TimezoneChanged, enrollments_follow_timezone)
