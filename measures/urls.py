"""The client's questionnaires, mounted at `/me/measures/`."""

from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<slug:key>/", views.answer, name="answer"),
    path("<slug:key>/not-now/", views.not_now, name="not_now"),
]
