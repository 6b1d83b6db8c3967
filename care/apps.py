from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "care"
    verbose_name = "Clinical care"

    def ready(self) -> None:
        from core.events import subscribe
        from measures.events import RiskAnswered

        from .services import risk_flag_from_answer

        # A risk answer on a questionnaire (PHQ-9 item 9 above 0) raises a risk flag (S-2).
        subscribe(RiskAnswered, risk_flag_from_answer)
