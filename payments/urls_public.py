"""Public payment endpoints (no sign-in): Stripe's webhook."""

from django.urls import path

from . import views

app_name = "payments_public"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
