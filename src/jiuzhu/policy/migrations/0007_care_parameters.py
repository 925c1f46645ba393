"""Issue 14's care parameters: how long a self-care assessment may run
(`tekun.reassessment_months`) and how early a child's 18th birthday is put on the worklist
(`children.age_limit_reminder_months`), from the data files in policy/data/.

The loader adds only the (key, date) rows a database lacks (see 0005)."""

from django.db import migrations

from jiuzhu.policy.parameter_files import load_parameters


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"))


class Migration(migrations.Migration):
    dependencies = [("policy", "0006_mixed_household_rule")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
