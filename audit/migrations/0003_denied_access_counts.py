"""Denied accesses are counted per actor (or address) and minute in one row; on PostgreSQL the
append-only trigger allows exactly one change: adding one to such a row's count.

See docs/decisions/0006-denied-access-audit.md. Every other row, and every other column of a
counted row, stays as refused as before (0002_append_only_trigger); DELETE is refused always.
"""

from django.conf import settings
from django.db import migrations, models

# `to_jsonb(NEW) - 'count' = to_jsonb(OLD) - 'count'` compares every other column, including any
# added later, so the rule cannot be widened by accident.
ALLOW_COUNTING = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.window_start IS NOT NULL
       AND NEW.count = OLD.count + 1
       AND (to_jsonb(NEW) - 'count') = (to_jsonb(OLD) - 'count') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'audit_auditevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

REFUSE_ALL = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit_auditevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_COUNTING)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_ALL)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="count",
            field=models.PositiveIntegerField(
                default=1,
                help_text="For a denied access: how many in that minute; the first one's details shown.",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="window_start",
            field=models.DateTimeField(
                blank=True,
                help_text="For a denied access: the minute (UTC) this row counts. Empty otherwise.",
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("window_start__isnull", True),
                    models.Q(("action", "access.denied"), ("outcome", "denied")),
                    _connector="OR",
                ),
                name="audit_only_denials_are_counted",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("count", 1),
                    models.Q(("count__gt", 1), ("window_start__isnull", False)),
                    _connector="OR",
                ),
                name="audit_count_only_on_counted_denials",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("actor__isnull", False), ("window_start__isnull", False)),
                fields=("actor", "window_start"),
                name="audit_one_denial_row_per_actor_minute",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("actor__isnull", True), ("window_start__isnull", False)),
                fields=("ip_address", "window_start"),
                name="audit_one_denial_row_per_address_minute",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
