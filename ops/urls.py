"""The administrators' console under /ops/ (each name is in tests/test_url_matrix.py)."""

app_name = "ops"

urlpatterns: list = []

# --- enrollments (ops/views/enrollments.py) ---
from django.urls import path  # noqa: E402

from .views import enrollments as enrollment_views  # noqa: E402

urlpatterns += [
    path("enrollments/", enrollment_views.enrollments, name="enrollments"),
    path("enrollments/<int:enrollment_id>/", enrollment_views.enrollment, name="enrollment"),
    path(
        "enrollments/<int:enrollment_id>/move/",
        enrollment_views.enrollment_move_view,
        name="enrollment_move",
    ),
    path(
        "enrollments/<int:enrollment_id>/<slug:action>/",
        enrollment_views.enrollment_status,
        name="enrollment_status",
    ),
]
