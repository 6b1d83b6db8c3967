"""`manage.py stripe_sync_plans`: create or update each active plan's Stripe product and price.

Idempotent (prices are found by lookup key; creates carry idempotency keys); names are neutral.
Each plan goes through `plan_send_to_stripe`, as the billing console's "Send to Stripe" does.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments.models import Plan
from payments.services.plans import PlanError, plan_send_to_stripe


class Command(BaseCommand):
    help = "Create or update the Stripe products and prices of every active plan."

    def handle(self, *args, **options):
        if not settings.STRIPE_ENABLED:
            raise CommandError("Stripe is not enabled (set STRIPE_ENABLED and the keys).")
        for plan in Plan.objects.filter(is_active=True).order_by("slug"):
            try:
                price_id = plan_send_to_stripe(plan=plan, acting_user=None)
            except PlanError as exc:
                raise CommandError(f"Stripe refused {plan.slug}: {exc}") from None
            self.stdout.write(f"{plan.slug}: {price_id}")
