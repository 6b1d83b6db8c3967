"""The client's sessions, mounted at `/me/sessions/`."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<id:occurrence_id>/join/", views.join, name="join"),
    path("series/<id:series_id>/calendar.ics", views.calendar_file, name="calendar"),
]
