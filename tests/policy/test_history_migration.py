"""Migration 0005 brings a database migrated before the 2021–2025 history up to the files,
keeping what the county entered in the meantime."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameter_files import groups

BEFORE = ("policy", "0004_lean_result_table")
AFTER = ("policy", "0005_standards_2021_2025")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_history_is_added_to_a_database_that_lacks_it(shipped_parameters):
    old = _migrate(BEFORE)
    try:
        Old = old.get_model("policy", "Parameter")
        # As 0002 left it before the history was shipped, plus a figure the county entered.
        standards = Old.objects.filter(key__in=groups()["01-standards"])
        standards.filter(effective_from__gte=dt.date(2021, 1, 1)).delete()
        Old.objects.filter(key="minimum_wage", effective_from=dt.date(2018, 6, 1)).delete()
        Old.objects.create(
            key="dibao.standard.rural",
            effective_from=dt.date(2024, 1, 1),
            value="900.00",
            source="平政发〔2024〕1号",
        )
        # Other apps' parameters (outreach, oversight, medical) stay as they are.
        before = Old.objects.count()
        _migrate(AFTER)
        assert Parameter.objects.count() == before + 24  # the history, less the county's row
        county = Parameter.objects.get(
            key="dibao.standard.rural", effective_from=dt.date(2024, 1, 1)
        )
        assert (county.value, county.source) == ("900.00", "平政发〔2024〕1号")
        assert Parameter.objects.get(
            key="minimum_wage", effective_from=dt.date(2025, 10, 1)
        ).value == ("2210.00")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("policy")[0])
