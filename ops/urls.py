"""The administrators' console under /ops/ (each name is in tests/test_url_matrix.py)."""

app_name = "ops"

urlpatterns: list = []

from django.urls import path  # noqa: E402

from .views import reports as report_views  # noqa: E402

urlpatterns += [
    path("reports/", report_views.reports, name="reports"),
    path("reports/<slug:table>.csv", report_views.report_csv, name="report_csv"),
]
