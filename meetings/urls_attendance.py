"""The client's attendance and hours, mounted at `/me/attendance/`."""

from django.urls import path

from . import views_attendance

app_name = "attendance"

urlpatterns = [
    path("", views_attendance.mine, name="mine"),
]
