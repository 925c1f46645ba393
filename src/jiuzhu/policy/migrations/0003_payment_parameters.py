"""Parameters of payments and funds (issue 6): pro-rata, arrears, allocation weights.

Shipped as defaults for the county to confirm (policy/data/08-payments-funds.toml); changed
by adding a dated row, never by editing code.
"""

from django.db import migrations

from jiuzhu.policy.parameter_files import load_parameters, unload_parameters

GROUPS = ["08-payments-funds"]


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"), GROUPS)


def unship(apps, schema_editor):
    unload_parameters(apps.get_model("policy", "Parameter"), GROUPS)


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_shipped_parameters")]

    operations = [migrations.RunPython(ship, unship)]
