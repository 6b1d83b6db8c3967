from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "Outcome measures"

    def ready(self) -> None:
        from courses.home import home_panel_register

        from .home import measures_home_panel

        # A due questionnaire shows as a card on the client's home.
        home_panel_register(measures_home_panel)
