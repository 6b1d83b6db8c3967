"""The administrators' console under /ops/ (each name is in tests/test_url_matrix.py)."""

app_name = "ops"

urlpatterns: list = []

# --- enrollments (ops/views/enrollments.py) ---
from django.urls import path, re_path  # noqa: E402

from .views import enrollments as enrollment_views  # noqa: E402

urlpatterns += [
    path("enrollments/", enrollment_views.enrollments, name="enrollments"),
    path("enrollments/invite/", enrollment_views.invite, name="invite"),
    path("enrollments/manual/", enrollment_views.manual_enroll, name="manual_enroll"),
    path("enrollments/<int:enrollment_id>/", enrollment_views.enrollment, name="enrollment"),
    path(
        "enrollments/<int:enrollment_id>/move/",
        enrollment_views.enrollment_move_view,
        name="enrollment_move",
    ),
    path(
        "enrollments/<int:enrollment_id>/switch/",
        enrollment_views.enrollment_switch_view,
        name="enrollment_switch",
    ),
    re_path(
        r"^enrollments/(?P<enrollment_id>[0-9]+)/(?P<action>withdraw|complete|readmit)/$",
        enrollment_views.enrollment_status,
        name="enrollment_status",
    ),
]
