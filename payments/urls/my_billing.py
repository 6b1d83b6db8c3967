"""/me/billing/: the client's own billing page."""

from django.urls import path

from payments.views import my_billing as views

app_name = "my_billing"

urlpatterns = [
    path("", views.account, name="account"),
    path("card/", views.portal, name="portal"),
]
