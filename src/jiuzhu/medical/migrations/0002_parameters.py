"""The medical assistance parameters (issue 14): deductible, share and yearly cap by
recipient category, shipped in policy/data/09-medical.toml; changed by adding a dated row."""

from django.db import migrations

from jiuzhu.policy.parameter_files import load_parameters, unload_parameters

GROUPS = ["09-medical"]


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"), GROUPS)


def unship(apps, schema_editor):
    unload_parameters(apps.get_model("policy", "Parameter"), GROUPS)


class Migration(migrations.Migration):
    dependencies = [("medical", "0001_initial"), ("policy", "0004_lean_result_table")]

    operations = [migrations.RunPython(ship, unship)]
