"""Every URL of the site. Each name must be classified in tests/test_url_matrix.py."""

from django.contrib import admin
from django.urls import include, path, register_converter

from accounts import views as account_views
from ehab import views as ehab_views
from ehab.converters import IsoDate, RowId

# Before the apps' URL modules are included: they name ids as <id:...>.
register_converter(RowId, "id")
register_converter(IsoDate, "date")

urlpatterns = [
    path("", account_views.home, name="home"),
    path("help/", account_views.crisis, name="crisis"),
    path("healthz", account_views.healthz, name="healthz"),
    path("favicon.ico", ehab_views.favicon, name="favicon"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("me/billing/", include("payments.urls.my_billing")),
    path("me/safety/", include("care.urls_risk")),
    path("me/measures/", include("measures.urls")),
    path("me/safety-plan/", include("care.urls_safety_plan")),
    path("me/records/", include("records.urls")),
    path("me/sessions/", include("meetings.urls")),
    path("me/attendance/", include("meetings.urls_attendance")),
    path("me/", include("daily.urls")),
    path("me/", include("courses.urls")),
    path("care/", include("care.urls")),
    path("billing/", include("payments.urls.console")),
    path("ops/", include("ops.urls")),
    path("preview/", include("courses.urls_preview")),
    path("payments/", include("payments.urls.webhook")),
    path("join/", include("payments.urls.join")),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
]

handler400 = "ehab.errors.bad_request"
handler403 = "ehab.errors.permission_denied"
handler404 = "ehab.errors.page_not_found"
handler500 = "ehab.errors.server_error"
