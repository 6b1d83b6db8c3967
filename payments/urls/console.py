"""/billing/: the billing console."""

from django.urls import path

from payments.views import console as views

app_name = "billing"

urlpatterns = [
    path("", views.console, name="console"),
    path("accounts/<id:account_id>/", views.account_detail, name="account"),
    path(
        "accounts/<id:account_id>/<str:action>/",
        views.account_action,
        name="account_action",
    ),
]
