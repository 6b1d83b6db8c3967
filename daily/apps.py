from django.apps import AppConfig


class DailyConfig(AppConfig):
    name = "daily"
    verbose_name = "Daily structure"

    def ready(self) -> None:
        from core.events import subscribe
        from courses.events import WorksheetSubmitted
        from courses.home import home_panel_register

        from .home import daily_home_panel
        from .services.plan import dsap_from_worksheet

        # The "Today" card on the client's home: the check-in, or the days held.
        home_panel_register(daily_home_panel)
        # Week 11's worksheet (`fills: dsap`) starts the client's DSAP (decision 0016).
        subscribe(WorksheetSubmitted, dsap_from_worksheet)
