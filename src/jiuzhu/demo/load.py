"""Bulk load of generated households: executemany on SQLite, COPY on PostgreSQL.

Households come in chunks of CHUNK_HOUSEHOLDS, each generated as columns and written in one
transaction, so memory stays flat and an interrupted run leaves only whole households.
Primary keys are assigned here, after the highest id (or sequence value) already used, so
members, incomes and assets can point at their household without reading anything back.

A second run appends: the random stream is keyed by the seed and the number of households
already present (so the new people are new people), household numbers continue per village,
and ID-number sequence digits continue above those in use. It is meant for setting up a
demo or a benchmark, not to run while staff are registering households.
"""

import contextlib
import datetime as dt
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from tqdm import tqdm

from jiuzhu.core.bulk import (
    FastSqlite,
    PostgresRebuild,
    max_used_id,
    timestamps,
    write_table,
)
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.demo.generator import (
    JINAN_OTHER_CODES,
    GeneratorState,
    Village,
    generate_chunk,
)
from jiuzhu.registry.models import Asset, Household, Income, Membership, Person

CHUNK_HOUSEHOLDS = 50_000
MODELS: tuple[type[Model], ...] = (Household, Person, Membership, Income, Asset)

# From this many households (and at least as many as the tables already hold), PostgreSQL
# loads faster without the foreign keys and non-unique indexes, rebuilt once at the end.
REBUILD_FROM = 50_000


@dataclass
class LoadResult:
    households: int = 0
    persons: int = 0
    incomes: int = 0
    assets: int = 0
    seconds: float = 0.0
    first_household_id: int = 0  # the first id given in this run (the rest follow it)


def county_and_villages() -> tuple[Region, list[Village]]:
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    if county is None:
        raise ValueError("尚未导入行政区划。")
    rows = (
        Region.objects.filter(level=RegionLevel.VILLAGE, code__startswith=county.prefix)
        .select_related("parent")
        .order_by("code")
    )
    villages = [
        Village(
            id=r.pk,
            code=r.code,
            address=(r.parent.name if r.parent else "") + r.name,
            urban=r.is_urban,
        )
        for r in rows
    ]
    if not villages:
        raise ValueError("行政区划中没有村（社区）。")
    return county, villages


def _id_regions(county: Region) -> tuple[str, ...]:
    own = county.code[:6]
    if own.startswith("3701"):
        return (own, *(c for c in JINAN_OTHER_CODES if c != own))
    return (own,)


def _village_weights(rng: np.random.Generator, villages: list[Village]) -> np.ndarray[Any, Any]:
    # Communities in the county town are bigger than villages.
    urban = np.array([v.urban for v in villages])
    weights = np.where(urban, rng.uniform(1.5, 3.0, len(villages)), rng.uniform(0.6, 1.4))
    return weights / weights.sum()


def _prepare_state(
    villages: list[Village], county: Region, as_of: dt.date, rng: np.random.Generator
) -> GeneratorState:
    state = GeneratorState(villages=villages, id_regions=_id_regions(county), as_of=as_of)
    state.village_p = _village_weights(rng, villages)
    state.next_household_id = max_used_id(Household) + 1
    state.next_person_id = max_used_id(Person) + 1
    state.next_membership_id = max_used_id(Membership) + 1
    state.next_income_id = max_used_id(Income) + 1
    state.next_asset_id = max_used_id(Asset) + 1
    if Person.objects.exists():
        prefixes = [f"{code}%" for code in state.id_regions]
        where = " OR ".join(["id_number LIKE %s"] * len(prefixes))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id_number FROM registry_person WHERE {where}", prefixes)
            state.mark_used_ids([row[0] for row in cursor.fetchall()])
    if Household.objects.exists():
        index = {v.code: i for i, v in enumerate(villages)}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT substr(number, 1, 12), MAX(number) FROM registry_household "
                "GROUP BY substr(number, 1, 12)"
            )
            for code, number in cursor.fetchall():
                if code in index and number[12:].isdigit():
                    state.household_seq[index[code]] = int(number[12:])
    return state


def load_households(
    households: int,
    seed: int,
    as_of: dt.date | None = None,
    progress: bool = True,
    chunk_size: int = CHUNK_HOUSEHOLDS,
    rebuild_indexes: bool | None = None,
) -> LoadResult:
    """Generate and write `households` households; the same seed gives the same county.

    rebuild_indexes (PostgreSQL only): load the whole run in one transaction without
    foreign keys and non-unique indexes and rebuild them at the end; by default from
    REBUILD_FROM households on.
    """
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    county, villages = county_and_villages()
    offset = Household.objects.count()
    if rebuild_indexes is None:
        rebuild_indexes = households >= max(REBUILD_FROM, offset)
    rebuild = (
        PostgresRebuild(MODELS) if rebuild_indexes and connection.vendor == "postgresql" else None
    )
    n_chunks = -(-households // chunk_size)
    streams = np.random.SeedSequence([seed, offset]).spawn(n_chunks + 1)
    state = _prepare_state(villages, county, as_of, np.random.default_rng(streams[0]))
    result = LoadResult(first_household_id=state.next_household_id)
    connection.ensure_connection()
    bar = tqdm(
        total=households, unit="户", desc="生成演示家庭", file=sys.stderr, disable=not progress
    )
    # With a rebuild the whole load is one transaction (chunks become savepoints).
    outer = transaction.atomic() if rebuild else contextlib.nullcontext()
    with bar, FastSqlite(), outer:
        if rebuild:
            rebuild.drop()
        for i in range(n_chunks):
            n = min(chunk_size, households - i * chunk_size)
            tables = generate_chunk(np.random.default_rng(streams[i + 1]), state, n)
            stamps = timestamps()
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                for key in ("household", "person", "membership", "income", "asset"):
                    write_table(tables[key], stamps if key in ("household", "person") else {})
            result.households += n
            result.persons += tables["person"].rows
            result.incomes += tables["income"].rows
            result.assets += tables["asset"].rows
            bar.update(n)
        if rebuild:
            bar.set_description("重建索引")
            rebuild.restore()
    if connection.vendor == "postgresql" and households:
        with connection.cursor() as cursor:
            # Ids were given explicitly: move the sequences past them for ordinary inserts.
            for sql in connection.ops.sequence_reset_sql(no_style(), list(MODELS)):
                cursor.execute(sql)
            # Fresh statistics, so the planner sees millions of rows, not an empty table.
            for model in MODELS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result.seconds = time.perf_counter() - started
    return result
