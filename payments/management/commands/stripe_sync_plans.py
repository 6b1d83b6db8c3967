"""`manage.py stripe_sync_plans`: create or update each active plan's Stripe product and price.

Idempotent (prices are found by lookup key; creates carry idempotency keys); names are neutral.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments import stripe_client
from payments.models import Plan


class Command(BaseCommand):
    help = "Create or update the Stripe products and prices of every active plan."

    def handle(self, *args, **options):
        if not settings.STRIPE_ENABLED:
            raise CommandError("Stripe is not enabled (set STRIPE_ENABLED and the keys).")
        for plan in Plan.objects.filter(is_active=True).order_by("slug"):
            try:
                price_id = stripe_client.plan_sync(
                    lookup_key=f"ehab-{plan.slug}",
                    amount=plan.amount,
                    currency=plan.currency,
                    interval=None if plan.kind == Plan.Kind.FULL else "month",
                )
            except stripe_client.StripeUnavailable as exc:
                raise CommandError(f"Stripe refused {plan.slug}: {exc}") from None
            if plan.stripe_price_id != price_id:
                plan.stripe_price_id = price_id
                plan.save(update_fields=["stripe_price_id"])
            self.stdout.write(f"{plan.slug}: {price_id}")
