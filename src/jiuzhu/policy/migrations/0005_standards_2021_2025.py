"""The city's standards 2021–2024, the orphans' standards of 2024 and Shandong's minimum wages
2018–2025 (issue 14), from the data files in policy/data/ with their sources.

The loader adds only the (key, date) rows a database lacks, so running it over every file
brings an existing database up to the files and changes nothing on a fresh one (0002 already
read the same files). Undoing it removes nothing: 0002's reverse removes every shipped row.
"""

from django.db import migrations

from jiuzhu.policy.parameter_files import load_parameters


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"))


class Migration(migrations.Migration):
    dependencies = [("policy", "0004_lean_result_table")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
