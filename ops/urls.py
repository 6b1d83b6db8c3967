"""The administrators' console under /ops/ (each name is in tests/test_url_matrix.py)."""

from django.urls import path, re_path

from .views import audit as audit_views
from .views import closures, cohorts, people, sessions
from .views import enrollments as enrollment_views
from .views import reports as report_views

app_name = "ops"

urlpatterns = [
    # Cohorts (ops/views/cohorts.py).
    path("cohorts/", cohorts.cohort_list, name="cohorts"),
    path("cohorts/new/", cohorts.cohort_new, name="cohort_new"),
    path("cohorts/<id:cohort_id>/edit/", cohorts.cohort_edit, name="cohort_edit"),
    path("cohorts/<id:cohort_id>/roster/", cohorts.cohort_roster_view, name="cohort_roster"),
    # A cohort's sessions (ops/views/sessions.py): its weekly series and one-off changes.
    path("cohorts/<id:cohort_id>/sessions/", sessions.sessions, name="cohort_sessions"),
    path("cohorts/<id:cohort_id>/sessions/new/", sessions.series_new, name="series_new"),
    path(
        "cohorts/<id:cohort_id>/sessions/<id:series_id>/edit/",
        sessions.series_edit,
        name="series_edit",
    ),
    path(
        "cohorts/<id:cohort_id>/sessions/occurrences/<id:occurrence_id>/cancel/",
        sessions.occurrence_cancel_view,
        name="occurrence_cancel",
    ),
    path(
        "cohorts/<id:cohort_id>/sessions/occurrences/<id:occurrence_id>/move/",
        sessions.occurrence_move_view,
        name="occurrence_move",
    ),
    # Enrollments (ops/views/enrollments.py): find, invite, enroll by hand, move, switch, status.
    path("enrollments/", enrollment_views.enrollments, name="enrollments"),
    path("enrollments/invite/", enrollment_views.invite, name="invite"),
    path("enrollments/manual/", enrollment_views.manual_enroll, name="manual_enroll"),
    path("enrollments/<id:enrollment_id>/", enrollment_views.enrollment, name="enrollment"),
    path(
        "enrollments/<id:enrollment_id>/move/",
        enrollment_views.enrollment_move_view,
        name="enrollment_move",
    ),
    path(
        "enrollments/<id:enrollment_id>/switch/",
        enrollment_views.enrollment_switch_view,
        name="enrollment_switch",
    ),
    re_path(
        r"^enrollments/(?P<enrollment_id>[0-9]{1,18})/(?P<action>withdraw|complete|readmit)/$",
        enrollment_views.enrollment_status,
        name="enrollment_status",
    ),
    # People (ops/views/people.py): accounts, a client's care team, clinical supervision.
    path("people/", people.people, name="people"),
    path("people/new/", people.person_new, name="person_new"),
    path("people/<id:person_id>/", people.person, name="person"),
    path("people/<id:person_id>/care/", people.person_care_add, name="person_care_add"),
    path(
        "people/<id:person_id>/care/<id:assignment_id>/end/",
        people.person_care_end,
        name="person_care_end",
    ),
    path(
        "people/<id:person_id>/supervision/",
        people.person_supervisor_add,
        name="person_supervisor_add",
    ),
    path(
        "people/<id:person_id>/supervision/<id:supervision_id>/end/",
        people.person_supervision_end,
        name="person_supervision_end",
    ),
    # Reports (ops/views/reports.py): aggregates only, each table also as CSV.
    path("reports/", report_views.reports, name="reports"),
    path("reports/<slug:table>.csv", report_views.report_csv, name="report_csv"),
    # The audit trail (ops/views/audit.py): read-only, filtered by person, action, outcome, days.
    path("audit/", audit_views.audit_trail, name="audit"),
    # Account closures (records.ClosureRequest): the list, and completing one.
    path("closures/", closures.closures, name="closures"),
    path(
        "closures/<id:closure_id>/complete/",
        closures.closure_complete_view,
        name="closure_complete",
    ),
]
