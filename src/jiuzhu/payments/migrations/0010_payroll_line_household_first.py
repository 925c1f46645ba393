"""Each line says whether it is its household's first regular line in its programme, so the
monthly statistics count households by a sum in one hashed pass over the lines instead of
a distinct count that sorts them. Existing lines are marked here. SQLite rebuilds the lines
table to add a column, which drops its triggers (the locked-payroll guard among them): the
lines are marked before they are created again, as in 0008; PostgreSQL keeps its trigger,
which is set aside for the update as in 0005.
"""

import importlib

from django.db import migrations, models

LINE_ID = importlib.import_module("jiuzhu.payments.migrations.0005_line_id_from_payroll_and_number")

MARK = (
    "UPDATE payments_payrollline SET household_first = TRUE WHERE id IN ("
    "SELECT MIN(id) FROM payments_payrollline WHERE kind = 'regular' "
    "GROUP BY payroll_id, programme, household_id)"
)
POSTGRES_MARK = [
    "ALTER TABLE payments_payrollline DISABLE TRIGGER payments_line_locked",
    MARK,
    "SET CONSTRAINTS ALL IMMEDIATE",
    "ALTER TABLE payments_payrollline ENABLE TRIGGER payments_line_locked",
]


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0009_line_institution"),
    ]

    operations = [
        migrations.RunPython(LINE_ID._runner([], LINE_ID.DROP_PAYROLL_DELETE), LINE_ID.GUARDS),
        migrations.AddField(
            model_name="payrollline",
            name="household_first",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(LINE_ID._runner(POSTGRES_MARK, [MARK]), migrations.RunPython.noop),
        migrations.RunPython(LINE_ID.GUARDS, LINE_ID._runner([], LINE_ID.DROP_PAYROLL_DELETE)),
    ]
