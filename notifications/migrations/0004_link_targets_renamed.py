"""A message's link names the page it opens (`link_target`, a URL name resolved when the link is
followed). The billing pages moved to namespaces that match their prefixes: the client's billing
page (/me/billing/) is `my_billing`, the billing console (/billing/) `billing`, Stripe's webhook
(/payments/) `payments`. Links already stored follow them: every old name is rewritten to its new
one in a single statement, so one renamed target is never renamed twice."""

from django.db import migrations
from django.db.models import Case, Value, When

RENAMED = {
    "billing:account": "my_billing:account",
    "billing:portal": "my_billing:portal",
    "payments:console": "billing:console",
    "payments:account": "billing:account",
    "payments:account_action": "billing:account_action",
    "payments_public:stripe_webhook": "payments:stripe_webhook",
}


def _rename(apps, names: dict[str, str]) -> None:
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(link_target__in=list(names)).update(
        link_target=Case(*(When(link_target=old, then=Value(new)) for old, new in names.items()))
    )


def forwards(apps, schema_editor):
    _rename(apps, RENAMED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_account_mail"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
