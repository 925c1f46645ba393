"""The thresholds of the warning rules added after the first three (medical spending, a
new severe disability, disaster losses): loaded from policy/data/09-outreach.toml, which
adds only the rows missing."""

from django.db import migrations

from jiuzhu.policy.parameter_files import load_parameters

GROUPS = ["09-outreach"]


def ship(apps, schema_editor):
    load_parameters(apps.get_model("policy", "Parameter"), GROUPS)


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_outreach_parameters")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
