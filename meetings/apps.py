from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Sessions"

    def ready(self) -> None:
        from courses.home import home_panel_register

        from .home import meetings_home_panel

        # The next sessions show as a card on the client's home.
        home_panel_register(meetings_home_panel)
