# The moved worksheet table takes the courses name; rows, constraints and indexes are kept.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0003_worksheetresponse_to_courses"),
        ("courses", "0004_worksheetresponse_from_care"),
    ]

    operations = [
        migrations.AlterModelTable(name="worksheetresponse", table=None),
    ]
