"""The client's "I'm not safe right now" and the support page it leads to (`/me/safety/`)."""

from django.urls import path

from .views import risk

app_name = "risk"

urlpatterns = [
    path("", risk.support, name="support"),
    path("not-safe/", risk.not_safe, name="not_safe"),
]
