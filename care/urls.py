from django.urls import path

from .views import (
    attendance,
    caseload,
    diagnosis,
    measures,
    notes,
    pacing,
    record,
    risk,
    sessions,
    worksheets,
)

app_name = "care"

urlpatterns = [
    path("caseload/", caseload.caseload, name="caseload"),
    path("clients/<id:client_id>/", record.client_record, name="client_detail"),
    # --- risk flags: the flags page, acknowledging and resolving, raising one from the record ---
    path("flags/", risk.flags, name="flags"),
    path("flags/<id:flag_id>/acknowledge/", risk.flag_acknowledge, name="flag_acknowledge"),
    path("flags/<id:flag_id>/resolve/", risk.flag_resolve, name="flag_resolve"),
    path("clients/<id:client_id>/flags/", risk.flag_raise, name="flag_raise"),
    # --- worksheets: one submitted version, and the care team's reply to it ---
    path(
        "clients/<id:client_id>/worksheets/<id:version_id>/",
        worksheets.worksheet_version,
        name="worksheet_version",
    ),
    path(
        "clients/<id:client_id>/worksheets/<id:version_id>/reply/",
        worksheets.worksheet_reply,
        name="worksheet_reply",
    ),
    # --- outcome measures (the record's Measures section) ---
    path(
        "clients/<id:client_id>/measures/interval/",
        measures.measures_interval,
        name="measures_interval",
    ),
    path("clients/<id:client_id>/measures/ask/", measures.measures_ask, name="measures_request"),
    # --- individual sessions with the client (meetings) ---
    path("clients/<id:client_id>/sessions/new/", sessions.session_new, name="session_new"),
    path(
        "clients/<id:client_id>/sessions/<id:occurrence_id>/cancel/",
        sessions.session_cancel,
        name="session_cancel",
    ),
    # --- pacing and notes (the record's pacing and notes sections) ---
    path("clients/<id:client_id>/pacing/", pacing.pacing, name="pacing"),
    # --- the diagnosis code for superbills (the record's Diagnosis section) ---
    path("clients/<id:client_id>/diagnosis/", diagnosis.diagnosis, name="diagnosis"),
    path("clients/<id:client_id>/notes/", notes.note_new, name="note_new"),
    path("clients/<id:client_id>/notes/<id:note_id>/", notes.note_edit, name="note_edit"),
    path(
        "clients/<id:client_id>/notes/<id:note_id>/sign/",
        notes.note_sign_view,
        name="note_sign",
    ),
    path(
        "clients/<id:client_id>/notes/<id:note_id>/amend/",
        notes.note_amend_view,
        name="note_amend",
    ),
    # --- sessions the clinician runs, and each one's attendance ---
    path("sessions/", attendance.sessions, name="sessions"),
    path(
        "sessions/<id:occurrence_id>/attendance/",
        attendance.session_attendance,
        name="session_attendance",
    ),
]
