from django.urls import path

from .views import caseload, record, worksheets

app_name = "care"

urlpatterns = [
    path("caseload/", caseload.caseload, name="caseload"),
    path("clients/<id:client_id>/", record.client_record, name="client_detail"),
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
]
