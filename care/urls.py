from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("clients/<id:client_id>/", views.client_detail, name="client_detail"),
]
