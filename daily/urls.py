"""The client's daily structure, under /me/ (each name is in tests/test_url_matrix.py)."""

from django.urls import path

from .views import lapse, logs, plan, today, trends

app_name = "daily"

urlpatterns = [
    path("plan/", plan.plan_page, name="plan"),
    path("plan/edit/", plan.plan_edit, name="plan_edit"),
    path("today/", today.today, name="today"),
    path("today/<date:day>/", today.checkin_day, name="checkin_day"),
    path("lapses/new/", lapse.lapse_new, name="lapse_new"),
    path("lapses/<id:lapse_id>/", lapse.lapse_chain, name="lapse"),
    path("urges/new/", logs.urge_new, name="urge"),
    path("practice/new/", logs.practice_new, name="practice"),
    path("parts/", logs.parts_journal, name="parts"),
    path("trends/", trends.trends_page, name="trends"),
]
