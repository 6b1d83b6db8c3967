"""/billing/: the billing console."""

from django.urls import path

from payments.views import console as views
from payments.views import plans

app_name = "billing"

urlpatterns = [
    path("", views.console, name="console"),
    path("accounts/<id:account_id>/", views.account_detail, name="account"),
    path(
        "accounts/<id:account_id>/<str:action>/",
        views.account_action,
        name="account_action",
    ),
    path("plans/", plans.plan_list, name="plans"),
    path("plans/new/", plans.plan_new, name="plan_new"),
    path("plans/<id:plan_id>/", plans.plan_edit, name="plan_edit"),
    path("plans/<id:plan_id>/active/", plans.plan_active, name="plan_active"),
    path("plans/<id:plan_id>/stripe/", plans.plan_stripe, name="plan_stripe"),
]
