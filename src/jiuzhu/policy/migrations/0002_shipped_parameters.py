"""The parameter history the platform ships with, from the data files in policy/data/.

The values (each with its source document; "默认值，待县里确认" marks a default the county is
to confirm on the standards page) live in those files; this migration loads the groups
shipped first, through the same loader as `jiuzhu load_parameters`. Yearly figures are
converted to monthly ones (÷ 12, to the fen) in the files.
"""

from django.db import migrations

from jiuzhu.policy.parameter_files import group_names, load_parameters, unload_parameters

# The payments and funds parameters came later (0003), oversight's in its own app; every
# other file is this history.
LATER = {"08-payments-funds", "09-oversight"}


def shipped_groups() -> list[str]:
    return [group for group in group_names() if group not in LATER]


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"), shipped_groups())


def unship(apps, schema_editor):
    unload_parameters(apps.get_model("policy", "Parameter"), shipped_groups())


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
