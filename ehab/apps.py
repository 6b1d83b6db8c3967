from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class EhabConfig(AppConfig):
    """The project package's own wiring, in one visible place."""

    name = "ehab"
    verbose_name = "E-Hab"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from core.request_context import unbind_request

        # Django logs a 4xx/5xx after the middleware has returned, so the request id stays bound
        # until the response is closed.
        request_finished.connect(
            lambda sender, **kwargs: unbind_request(),
            dispatch_uid="ehab_unbind_request",
            weak=False,
        )


class EhabAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.EhabAdminSite"
