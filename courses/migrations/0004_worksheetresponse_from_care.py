# The worksheet model moves from care to courses (a client's answers belong to the course; care
# sits above courses and will add clinicians' feedback). Only Django's model state moves here:
# the table stays as it is until 0005 renames it.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0002_worksheetresponse"),
        ("courses", "0003_enrollment_next_release_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WorksheetResponse",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Draft"), ("submitted", "Submitted")],
                                default="draft",
                                max_length=9,
                            ),
                        ),
                        ("version", models.PositiveIntegerField(blank=True, null=True)),
                        ("answers", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("submitted_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "enrollment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="worksheet_responses",
                                to="courses.enrollment",
                            ),
                        ),
                        (
                            "lesson",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="worksheet_responses",
                                to="courses.lesson",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "care_worksheetresponse",
                        "ordering": ["lesson", "-version"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("status", "draft")),
                                fields=("enrollment", "lesson"),
                                name="care_one_draft_per_worksheet",
                            ),
                            models.UniqueConstraint(
                                fields=("enrollment", "lesson", "version"),
                                name="care_one_row_per_worksheet_version",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("status", "draft"), ("version__isnull", True)),
                                    models.Q(("status", "submitted"), ("version__isnull", False)),
                                    _connector="OR",
                                ),
                                name="care_worksheet_version_iff_submitted",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
