"""The content preview for staff (/preview/): courses owns the content and the client's week
and lesson templates, so the preview lives here, at a staff path."""

from django.urls import path

from . import views_preview

app_name = "preview"

urlpatterns = [
    path("", views_preview.tracks, name="tracks"),
    path("tracks/<id:track_id>/weeks/<id:week>/", views_preview.week, name="week"),
    path("lessons/<id:lesson_id>/", views_preview.lesson, name="lesson"),
]
