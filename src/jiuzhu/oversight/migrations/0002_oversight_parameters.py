"""Parameters of supervision (issue 16): the complaint time limit, the public form's rate
limit and the risk rules' thresholds, shipped as defaults for the county to confirm
(policy/data/09-oversight.toml); changed by adding a dated row, never by editing code.
"""

from django.db import migrations

from jiuzhu.policy.parameter_files import load_parameters, unload_parameters

GROUPS = ["09-oversight"]


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"), GROUPS)


def unship(apps, schema_editor):
    unload_parameters(apps.get_model("policy", "Parameter"), GROUPS)


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial"), ("policy", "0004_lean_result_table")]

    operations = [migrations.RunPython(ship, unship)]
