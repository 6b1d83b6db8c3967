from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.console, name="console"),
    path("accounts/<id:account_id>/", views.account_detail, name="account"),
    path(
        "accounts/<id:account_id>/<str:action>/",
        views.account_action,
        name="account_action",
    ),
]
