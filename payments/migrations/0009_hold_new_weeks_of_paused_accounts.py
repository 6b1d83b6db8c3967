"""Courses now keeps its own note that an enrollment's new weeks wait for billing
(courses.Enrollment.new_weeks_held_for_billing), instead of asking payments on every release:
each enrollment whose billing account has new content paused today takes it."""

from django.db import migrations


def hold_paused(apps, schema_editor):
    BillingAccount = apps.get_model("payments", "BillingAccount")
    Enrollment = apps.get_model("courses", "Enrollment")
    paused = BillingAccount.objects.filter(state="content_paused").values("enrollment_id")
    Enrollment.objects.filter(pk__in=paused).update(new_weeks_held_for_billing=True)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0008_stripe_event_minimised"),
        ("courses", "0006_enrollment_new_weeks_held_for_billing"),
    ]

    # Backwards nothing is undone: before this, billing's own state was read and the flag unused.
    operations = [migrations.RunPython(hold_paused, migrations.RunPython.noop)]
