"""The client's own records under /me/records/ (each name is in tests/test_url_matrix.py)."""

from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.home, name="home"),
    path("prepare/", views.prepare, name="prepare"),
    path("close/", views.close, name="close"),
    path("closed/", views.closed, name="closed"),
    path("<str:token>/", views.export_page, name="export"),
    path("<str:token>/export.json", views.export_json, name="export_json"),
]
