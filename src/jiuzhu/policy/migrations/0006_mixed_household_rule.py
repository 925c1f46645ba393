"""The rule for mixed households (城乡混合户, issue 21): `household.mixed_rule` from the data
files; the loader adds only the rows a database lacks (see 0005)."""

from django.db import migrations

from jiuzhu.policy.parameter_files import load_parameters


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"))


class Migration(migrations.Migration):
    dependencies = [("policy", "0005_standards_2021_2025")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
