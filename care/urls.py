from django.urls import path

from .views import caseload, record

app_name = "care"

urlpatterns = [
    path("caseload/", caseload.caseload, name="caseload"),
    path("clients/<id:client_id>/", record.client_record, name="client_detail"),
]
