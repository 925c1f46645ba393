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
import itertools
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone
from tqdm import tqdm

from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.demo.generator import (
    JINAN_OTHER_CODES,
    Column,
    GeneratorState,
    Table,
    Village,
    generate_chunk,
)
from jiuzhu.registry.models import Asset, Household, Income, Membership, Person

CHUNK_HOUSEHOLDS = 50_000
MODELS: tuple[type[Model], ...] = (Household, Person, Membership, Income, Asset)


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


def _max_used_id(model: type[Model]) -> int:
    """The highest id in the table or ever handed out by its sequence (ids are not reused)."""
    table = model._meta.db_table
    highest = model._default_manager.aggregate(m=Max("pk"))["m"] or 0
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            highest = max(highest, row[0] if row else 0)
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                last_value, is_called = cursor.fetchone()
                highest = max(highest, last_value if is_called else 0)
    return int(highest)


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
    state.next_household_id = _max_used_id(Household) + 1
    state.next_person_id = _max_used_id(Person) + 1
    state.next_membership_id = _max_used_id(Membership) + 1
    state.next_income_id = _max_used_id(Income) + 1
    state.next_asset_id = _max_used_id(Asset) + 1
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


# ---------------------------------------------------------------------------------------
# Writers


def _sqlite_values(column: Column) -> list[Any]:
    if column.kind == "int":
        return list(column.values.tolist())
    if column.kind == "nint":
        return [None if v < 0 else v for v in column.values.tolist()]
    if column.kind == "bool":
        return list(column.values.astype(np.int8).tolist())
    if column.kind == "date":
        return list(np.datetime_as_string(column.values, unit="D").tolist())
    return list(column.values)


def _copy_values(column: Column) -> list[str]:
    # Text columns come from the generator's own pools: no tab, newline or backslash to escape.
    if column.kind == "int":
        return list(column.values.astype(str).tolist())
    if column.kind == "nint":
        return list(np.where(column.values < 0, r"\N", column.values.astype(str)).tolist())
    if column.kind == "bool":
        return list(np.where(column.values, "t", "f").tolist())
    if column.kind == "date":
        return list(np.datetime_as_string(column.values, unit="D").tolist())
    return list(column.values)


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(n) for n in names)


def _write(table: Table, stamps: dict[str, Any]) -> None:
    names = [c.name for c in table.columns] + list(stamps)
    rows = table.rows
    if rows == 0:
        return
    if connection.vendor == "postgresql":
        columns = [_copy_values(c) for c in table.columns]
        columns += [[str(v)] * rows for v in stamps.values()]
        data = "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"
        sql = f"COPY {connection.ops.quote_name(table.name)} ({_quoted(names)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(data)
        return
    values = [_sqlite_values(c) for c in table.columns]
    values += [list(itertools.repeat(v, rows)) for v in stamps.values()]
    if connection.vendor == "sqlite":
        # The raw sqlite3 cursor: Django's wrapper would rewrite %s and log every query.
        placeholders = ", ".join("?" * len(names))
        raw = connection.connection.cursor()
        try:
            raw.executemany(
                f"INSERT INTO {connection.ops.quote_name(table.name)} ({_quoted(names)}) "
                f"VALUES ({placeholders})",
                zip(*values, strict=True),
            )
        finally:
            raw.close()
        return
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(table.name)} ({_quoted(names)}) "
            f"VALUES ({placeholders})",
            list(zip(*values, strict=True)),
        )


def _timestamps() -> dict[str, Any]:
    now = timezone.now()
    # COPY reads text; executemany takes what Django itself binds for a DateTimeField.
    value: Any = (
        now.isoformat()
        if connection.vendor == "postgresql"
        else connection.ops.adapt_datetimefield_value(now)
    )
    return {"created_at": value, "updated_at": value}


# From this many households (and at least as many as the tables already hold), PostgreSQL
# loads faster without the foreign keys and non-unique indexes, rebuilt once at the end.
REBUILD_FROM = 50_000


class _PostgresRebuild:
    """Drop the registry tables' foreign keys and non-unique indexes, and put them back.

    PostgreSQL runs each insert's foreign-key check as a trigger at commit and updates
    eleven indexes per person; building them once after COPY is several times faster.
    DDL is transactional there: this runs inside the load's transaction, so an interrupted
    load leaves schema and data as they were. Unique indexes stay, to catch duplicates
    as they come. Readers of these tables wait until the load commits.
    """

    def __init__(self) -> None:
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        tables = [m._meta.db_table for m in MODELS]
        with connection.cursor() as cursor:
            # Checks queued by earlier inserts in this transaction must run before ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisunique AND NOT indisprimary",
                [tables],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, quote_ident(conname), "
                "pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            self.constraints = cursor.fetchall()
            for table, name, _ in self.constraints:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            for name, definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
                self.indexes.append(definition)

    def restore(self) -> None:
        with connection.cursor() as cursor:
            for definition in self.indexes:
                cursor.execute(definition)
            # Adding a foreign key checks every row in one join, not row by row.
            for table, name, definition in self.constraints:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class _FastSqlite:
    """During the load only: no fsync per commit and a bigger page cache.

    A crash of the machine mid-load could lose the last chunks, never earlier data: the
    WAL journal stays on. Skipped inside an outer transaction (tests), where SQLite
    refuses to change these settings.
    """

    def __init__(self) -> None:
        self.saved: dict[str, Any] = {}

    def __enter__(self) -> None:
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            for pragma in ("synchronous", "cache_size"):
                cursor.execute(f"PRAGMA {pragma}")
                self.saved[pragma] = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB

    def __exit__(self, *exc: object) -> None:
        if not self.saved:
            return
        with connection.cursor() as cursor:
            for pragma, value in self.saved.items():
                cursor.execute(f"PRAGMA {pragma} = {int(value)}")


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
    rebuild = _PostgresRebuild() if rebuild_indexes and connection.vendor == "postgresql" else None
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
    with bar, _FastSqlite(), outer:
        if rebuild:
            rebuild.drop()
        for i in range(n_chunks):
            n = min(chunk_size, households - i * chunk_size)
            tables = generate_chunk(np.random.default_rng(streams[i + 1]), state, n)
            stamps = _timestamps()
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                for key in ("household", "person", "membership", "income", "asset"):
                    _write(tables[key], stamps if key in ("household", "person") else {})
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
