"""The administrators' console under /ops/ (each name is in tests/test_url_matrix.py)."""

from django.urls import path

from .views import closures, cohorts

app_name = "ops"

urlpatterns = [
    # Cohorts (ops/views/cohorts.py).
    path("cohorts/", cohorts.cohort_list, name="cohorts"),
    path("cohorts/new/", cohorts.cohort_new, name="cohort_new"),
    path("cohorts/<id:cohort_id>/edit/", cohorts.cohort_edit, name="cohort_edit"),
    path("cohorts/<id:cohort_id>/roster/", cohorts.cohort_roster_view, name="cohort_roster"),
    # Account closures (records.ClosureRequest): the list, and completing one.
    path("closures/", closures.closures, name="closures"),
    path(
        "closures/<id:closure_id>/complete/",
        closures.closure_complete_view,
        name="closure_complete",
    ),
]
