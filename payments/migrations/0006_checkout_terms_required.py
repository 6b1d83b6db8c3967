"""The terms recorded in 0005 become required (a separate migration, so PostgreSQL alters the
table outside the transaction that filled it in)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_checkout_terms"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkoutsession",
            name="plan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="checkout_sessions",
                to="payments.plan",
            ),
        ),
        migrations.AlterField(
            model_name="checkoutsession",
            name="mode",
            field=models.CharField(
                choices=[("payment", "One payment"), ("subscription", "Monthly subscription")],
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="checkoutsession",
            name="amount",
            field=models.DecimalField(
                decimal_places=2,
                help_text="Due at checkout: the plan's per-payment amount.",
                max_digits=10,
            ),
        ),
        migrations.AlterField(
            model_name="checkoutsession",
            name="currency",
            field=models.CharField(max_length=3),
        ),
        migrations.AddConstraint(
            model_name="checkoutsession",
            constraint=models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payments_checkout_amount"
            ),
        ),
        migrations.AddConstraint(
            model_name="checkoutsession",
            constraint=models.CheckConstraint(
                condition=models.Q(mode__in=["payment", "subscription"]),
                name="payments_checkout_mode",
            ),
        ),
    ]
