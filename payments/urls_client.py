from django.urls import path

from . import client_views as views

app_name = "billing"

urlpatterns = [
    path("", views.account, name="account"),
    path("card/", views.portal, name="portal"),
]
