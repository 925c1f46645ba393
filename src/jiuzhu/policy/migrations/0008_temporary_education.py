"""Temporary aid's yearly repeat limit and education aid's amounts by school stage
(issue 14), from the data files in policy/data/ with their sources; only the rows a
database lacks are added (see 0005)."""

from django.db import migrations

from jiuzhu.policy.parameter_files import load_parameters


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"))


class Migration(migrations.Migration):
    dependencies = [("policy", "0007_care_parameters")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
