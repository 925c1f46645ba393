"""Each line keeps the persons its recipient covered that month (保障人数), so the monthly
statistics sum lines instead of joining every line to its recipient. SQLite rebuilds the
lines table to add a column, which drops its triggers: they are created again, as in 0005.
"""

import importlib

from django.db import migrations, models

LINE_ID = importlib.import_module("jiuzhu.payments.migrations.0005_line_id_from_payroll_and_number")


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0007_seal_account_and_id_numbers"),
    ]

    operations = [
        migrations.RunPython(LINE_ID._runner([], LINE_ID.DROP_PAYROLL_DELETE), LINE_ID.GUARDS),
        migrations.AddField(
            model_name="payrollline",
            name="members",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.RunPython(LINE_ID.GUARDS, LINE_ID._runner([], LINE_ID.DROP_PAYROLL_DELETE)),
    ]
