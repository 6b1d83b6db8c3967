from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "care"
    verbose_name = "Clinical care"

    def ready(self) -> None:
        from core.events import subscribe
        from courses.events import WorksheetSubmitted
        from daily.events import CheckinUnsafe
        from measures.events import RiskAnswered
        from meetings.events import MissedInARow

        from .reminders import absence_alert
        from .services import (
            risk_flag_from_answer,
            risk_flag_from_checkin,
            safety_plan_from_worksheet,
        )

        # A risk answer on a questionnaire (PHQ-9 item 9 above 0) raises a risk flag (S-2).
        subscribe(RiskAnswered, risk_flag_from_answer)
        # A "no" to the check-in's "Are you safe tonight?" raises one too (decision 0016).
        subscribe(CheckinUnsafe, risk_flag_from_checkin)
        # Week 1's safety-plan worksheet starts the client's safety plan (decision 0014).
        subscribe(WorksheetSubmitted, safety_plan_from_worksheet)
        # A client's second group session missed in a row alerts their care team.
        subscribe(MissedInARow, absence_alert)
