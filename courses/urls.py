from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("program/", views.map_view, name="program_map"),
    path("weeks/<id:module_id>/", views.module_detail, name="module"),
    path("weeks/<id:module_id>/ready/", views.module_ready, name="module_ready"),
    path("lessons/<id:lesson_id>/", views.lesson_detail, name="lesson"),
    path("lessons/<id:lesson_id>/begin/", views.lesson_begin, name="lesson_begin"),
    path("lessons/<id:lesson_id>/done/", views.lesson_finish, name="lesson_finish"),
    path("lessons/<id:lesson_id>/not-today/", views.lesson_not_today, name="lesson_not_today"),
    path(
        "lessons/<id:lesson_id>/worksheet/draft/",
        views.worksheet_autosave,
        name="worksheet_autosave",
    ),
    path("lessons/<id:lesson_id>/worksheet/", views.worksheet_send, name="worksheet_submit"),
    path("work/", views.my_work, name="my_work"),
    path("suds/", views.my_suds, name="my_suds"),
]
