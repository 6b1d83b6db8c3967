# The worksheet model now lives in courses (courses 0004); care forgets it without touching the
# table.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0002_worksheetresponse"),
        ("courses", "0004_worksheetresponse_from_care"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="WorksheetResponse")],
            database_operations=[],
        ),
    ]
