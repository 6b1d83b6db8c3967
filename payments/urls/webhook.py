"""/payments/: public payment endpoints (no sign-in): Stripe's webhook."""

from django.urls import path

from payments.views import webhook as views

app_name = "payments"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
