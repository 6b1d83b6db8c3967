from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Running the program"

    def ready(self) -> None:
        from core.events import subscribe
        from courses.events import EnrollmentJoinedCohort

        from .services.cohorts import cohort_clinicians_follow_enrollment

        # A client placed in a cohort is followed by the cohort's clinicians (care assignments).
        subscribe(EnrollmentJoinedCohort, cohort_clinicians_follow_enrollment)
