"""/join/: enrolling, from the public program page to the welcome."""

from django.urls import path

from payments.views import join as views

app_name = "join"

urlpatterns = [
    path("", views.program, name="program"),
    path("plans/<slug:plan_slug>/", views.choose_plan, name="plan"),
    path("continue/", views.continue_enrolling, name="continue"),
    path("agreements/<slug:slug>/", views.agreement, name="agreement"),
    path("agreements/<slug:slug>/<slug:version>/", views.agreement, name="agreement_version"),
    path("done/<str:reference>/", views.done, name="done"),
    path("done/<str:reference>/status/", views.status, name="status"),
    path("cancelled/<str:reference>/", views.cancelled, name="cancelled"),
]
