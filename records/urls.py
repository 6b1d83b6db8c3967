"""The client's own records under /me/records/ (each name is in tests/test_url_matrix.py)."""

from django.urls import path

from . import views, views_claims

app_name = "records"

urlpatterns = [
    path("", views.home, name="home"),
    path("prepare/", views.prepare, name="prepare"),
    path("close/", views.close, name="close"),
    path("closed/", views.closed, name="closed"),
    # Superbills and receipts for insurance (records/views_claims.py).
    path("superbill/", views_claims.superbill, name="superbill"),
    path("superbill/print/", views_claims.superbill_print, name="superbill_print"),
    path("receipts/<id:payment_id>/", views_claims.receipt, name="receipt"),
    path("<str:token>/", views.export_page, name="export"),
    path("<str:token>/export.json", views.export_json, name="export_json"),
]
