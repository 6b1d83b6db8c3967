"""Each checkout session records what it is for (plan, mode, amount due at checkout, currency),
and each payment the checkout it paid for. Existing sessions take the terms of their account's
plan, the only record there was; 0006 then makes the terms required."""

import django.db.models.deletion
from django.db import migrations, models


def record_terms(apps, schema_editor):
    CheckoutSession = apps.get_model("payments", "CheckoutSession")
    sessions = CheckoutSession.objects.filter(plan__isnull=True).select_related("account__plan")
    for session in sessions.iterator(chunk_size=500):
        plan = session.account.plan
        session.plan = plan
        session.mode = "payment" if plan.kind == "full" else "subscription"
        session.amount = plan.amount
        session.currency = plan.currency
        session.save(update_fields=["plan", "mode", "amount", "currency"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_subscription_end_pending"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkoutsession",
            name="plan",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="checkout_sessions",
                to="payments.plan",
            ),
        ),
        migrations.AddField(
            model_name="checkoutsession",
            name="mode",
            field=models.CharField(
                choices=[("payment", "One payment"), ("subscription", "Monthly subscription")],
                max_length=12,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="checkoutsession",
            name="amount",
            field=models.DecimalField(
                decimal_places=2,
                help_text="Due at checkout: the plan's per-payment amount.",
                max_digits=10,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="checkoutsession",
            name="currency",
            field=models.CharField(max_length=3, null=True),
        ),
        migrations.AlterField(
            model_name="checkoutsession",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Open"),
                    ("complete", "Complete"),
                    ("failed", "Payment failed"),
                    ("expired", "Expired"),
                    ("unmatched", "Paid, nothing granted (billing staff decide)"),
                ],
                default="open",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="checkout",
            field=models.ForeignKey(
                blank=True,
                help_text="The checkout this money paid for (none for an offline payment).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="payments.checkoutsession",
            ),
        ),
        migrations.RunPython(record_terms, migrations.RunPython.noop),
    ]
