"""Freeze part of the registry as Parquet for the columnar jobs.

Two files: households (one row each, with what the household declared) and persons (the
current co-resident members). A job keeps its own snapshot, so a resumed job sees the
registry as it was when the job started, and chunks stay the same.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db.models import F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from jiuzhu.batch.engine import PARQUET_ROW_GROUP_ROWS
from jiuzhu.core.money import to_fen
from jiuzhu.registry.models import AssetKind, Household, IncomeCategory, Membership

HOUSEHOLD_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("chunk", pa.int64()),
        ("town_code", pa.string()),
        ("area_type", pa.string()),
        ("members", pa.int64()),
        ("declared_income_fen", pa.int64()),
        ("declared_financial_fen", pa.int64()),
        ("declared_vehicles", pa.int64()),
        ("declared_houses", pa.int64()),
        ("declared_businesses", pa.int64()),
    ]
)
PERSON_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("chunk", pa.int64()),
        ("id_digest", pa.string()),  # core.crypto.digest: jobs match without the number
        ("name", pa.string()),
        ("birth_date", pa.date32()),
    ]
)

# What a household declares, compared with what the departments report. Exempt income
# (assistance, scholarships, veterans' care …) is left out on both sides.
DECLARED_INCOME = [
    IncomeCategory.WAGES,
    IncomeCategory.BUSINESS,
    IncomeCategory.PROPERTY,
    IncomeCategory.TRANSFER,
    IncomeCategory.PENSION,
    IncomeCategory.SUPPORT_RECEIVED,
    IncomeCategory.OTHER,
]
DECLARED_FINANCIAL = [AssetKind.DEPOSIT, AssetKind.SECURITIES, AssetKind.COMMERCIAL_INSURANCE]


@dataclass
class RegistrySnapshot:
    households_path: Path
    persons_path: Path
    households: int
    persons: int
    chunks: int


def export_registry(
    households: QuerySet[Household], directory: Path, chunk_size: int
) -> RegistrySnapshot:
    directory.mkdir(parents=True, exist_ok=True)
    zero = Value(0, output_field=IntegerField())
    rows = (
        households.order_by("pk")
        .annotate(
            income=Sum("incomes__monthly_amount", filter=Q(incomes__category__in=DECLARED_INCOME)),
        )
        .values_list("pk", "registered_code", "area_type", "income")
    )
    assets = {
        row["household_id"]: row
        for row in households.model.objects.filter(pk__in=households.values("pk"))
        .values(household_id=F("pk"))
        .annotate(
            financial=Sum("assets__value", filter=Q(assets__kind__in=DECLARED_FINANCIAL)),
            vehicles=Coalesce(Sum("assets__quantity", filter=Q(assets__kind="vehicle")), zero),
            houses=Coalesce(Sum("assets__quantity", filter=Q(assets__kind="house")), zero),
            businesses=Coalesce(Sum("assets__quantity", filter=Q(assets__kind="business")), zero),
        )
    }
    members = Membership.objects.filter(
        household__in=households.values("pk"), end_date__isnull=True, co_resident=True
    ).values_list(
        "household_id", "person_id", "person__id_digest", "person__name", "person__birth_date"
    )
    by_household: dict[int, list[tuple]] = {}
    for household_id, *rest in members.iterator(chunk_size=5000):
        by_household.setdefault(household_id, []).append(tuple(rest))

    h_cols: dict[str, list] = {name: [] for name in HOUSEHOLD_SCHEMA.names}
    p_cols: dict[str, list] = {name: [] for name in PERSON_SCHEMA.names}
    for index, (pk, code, area_type, income) in enumerate(rows.iterator(chunk_size=5000)):
        chunk = index // chunk_size
        people = by_household.get(pk, [])
        extra: Any = assets.get(pk, {})
        for column, value in (
            ("household_id", pk),
            ("chunk", chunk),
            ("town_code", code[:9] + "000"),
            ("area_type", area_type),
            ("members", max(len(people), 1)),
            ("declared_income_fen", to_fen(income or 0)),
            ("declared_financial_fen", to_fen(extra.get("financial") or 0)),
            ("declared_vehicles", int(extra.get("vehicles") or 0)),
            ("declared_houses", int(extra.get("houses") or 0)),
            ("declared_businesses", int(extra.get("businesses") or 0)),
        ):
            h_cols[column].append(value)
        for person_id, id_digest, name, birth_date in people:
            p_cols["person_id"].append(person_id)
            p_cols["household_id"].append(pk)
            p_cols["chunk"].append(chunk)
            p_cols["id_digest"].append(id_digest)
            p_cols["name"].append(name)
            p_cols["birth_date"].append(birth_date)
    household_table = pa.table(h_cols, schema=HOUSEHOLD_SCHEMA)
    person_table = pa.table(p_cols, schema=PERSON_SCHEMA)
    households_path = directory / "households.parquet"
    persons_path = directory / "persons.parquet"
    pq.write_table(household_table, households_path, row_group_size=PARQUET_ROW_GROUP_ROWS)
    pq.write_table(person_table, persons_path, row_group_size=PARQUET_ROW_GROUP_ROWS)
    n = household_table.num_rows
    return RegistrySnapshot(
        households_path, persons_path, n, person_table.num_rows, -(-n // chunk_size) if n else 0
    )
