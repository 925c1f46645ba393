"""A PostgreSQL bulk load runs without foreign keys and indexes but the primary keys: the
unique ones come back at the end, and a duplicate loaded meanwhile refuses the whole load."""

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from jiuzhu.core.bulk import PostgresRebuild
from jiuzhu.core.models import Region
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Household
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL rebuild"),
]


def test_a_duplicate_loaded_without_unique_indexes_refuses_the_whole_load():
    call_command("import_regions", stdout=io.StringIO())
    admin = factories.user(Role.COUNTY_ADMIN, Region.objects.get(code="370124000000"))
    factories.household(actor=admin, village_region=Region.objects.get(code="370124105201"))
    columns = ", ".join(f.column for f in Household._meta.concrete_fields if not f.primary_key)
    rebuild = PostgresRebuild([Household])
    refused = pytest.raises(IntegrityError, match="registry_household_number_key")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        rebuild.drop()
        cursor.execute(
            f"INSERT INTO registry_household ({columns}) SELECT {columns} FROM registry_household"
        )
        rebuild.restore()
    assert Household.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname = 'registry_household_number_key'"
        )
        assert cursor.fetchone() == (1,)
