"""Cohort names are unique per track, whatever their case. Names that already clash (say "Spring"
and "spring" on one track) are told apart first by adding the cohort's number, so the constraint
can be added to any existing data; nothing else changes."""

import django.db.models.functions.text
from django.db import migrations, models


def tell_clashing_names_apart(apps, schema_editor):
    Cohort = apps.get_model("courses", "Cohort")
    seen: set[tuple[int, str]] = set()
    for cohort in Cohort.objects.order_by("track_id", "pk"):
        key = (cohort.track_id, cohort.name.lower())
        if key in seen:
            cohort.name = f"{cohort.name[:100]} (#{cohort.pk})"
            cohort.save(update_fields=["name"])
        seen.add((cohort.track_id, cohort.name.lower()))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0011_lesson_fills"),
    ]

    operations = [
        migrations.RunPython(tell_clashing_names_apart, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="cohort",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                models.F("track"),
                name="courses_cohort_name_per_track",
            ),
        ),
    ]
