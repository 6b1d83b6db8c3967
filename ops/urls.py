"""The administrators' console under /ops/ (each name is in tests/test_url_matrix.py)."""

app_name = "ops"

urlpatterns: list = []

# Account closures (records.ClosureRequest): the list, and completing one.
from django.urls import path  # noqa: E402

from .views import closures  # noqa: E402

urlpatterns += [
    path("closures/", closures.closures, name="closures"),
    path(
        "closures/<int:closure_id>/complete/",
        closures.closure_complete_view,
        name="closure_complete",
    ),
]
