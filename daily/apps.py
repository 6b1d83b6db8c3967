from django.apps import AppConfig


class DailyConfig(AppConfig):
    name = "daily"
    verbose_name = "Daily structure"

    def ready(self) -> None:
        # Subscriptions and home cards are registered here as the features land.
        pass
