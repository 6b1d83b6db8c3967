"""The client's own safety plan (`/me/safety-plan/`): reading it and changing it."""

from django.urls import path

from .views import safety_plan

app_name = "safety_plan"

urlpatterns = [
    path("", safety_plan.plan_page, name="page"),
    path("edit/", safety_plan.plan_edit, name="edit"),
]
