from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("account/messages/", views.preferences, name="preferences"),
    path("ops/messages/", views.operations, name="operations"),
    path("n/<str:token>/", views.follow_link, name="link"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
