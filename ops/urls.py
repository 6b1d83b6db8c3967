"""The administrators' console under /ops/ (each name is in tests/test_url_matrix.py)."""

app_name = "ops"

urlpatterns: list = []

# Cohorts (ops/views/cohorts.py).
from django.urls import path  # noqa: E402

from ops.views import cohorts  # noqa: E402

urlpatterns += [
    path("cohorts/", cohorts.cohort_list, name="cohorts"),
    path("cohorts/new/", cohorts.cohort_new, name="cohort_new"),
    path("cohorts/<id:cohort_id>/edit/", cohorts.cohort_edit, name="cohort_edit"),
    path("cohorts/<id:cohort_id>/roster/", cohorts.cohort_roster_view, name="cohort_roster"),
]
