"""The entitlement job over a Parquet snapshot: on one machine, or on Spark at scale.

The snapshot holds exactly what the job reads: each of `batch.read_registry()`'s column
sets as one Parquet table with named columns (`take_snapshot`). Both paths turn a set of
those tables into `batch.Raw` and go through the same `batch.columns`, `formulas.compute` and
`results.result_table`; on Spark each partition holds whole households (their persons,
incomes, assets and care facts) and is one such set (`jiuzhu.batch.spark`).
"""

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone

from jiuzhu.batch.spark import Group, Part, map_households, partitions_for, write_table
from jiuzhu.core.columnar import in_order
from jiuzhu.policy import formulas as f
from jiuzhu.policy.batch import Raw, columns, read_registry
from jiuzhu.policy.results import result_table

# The columns of each set of `batch.read_registry()`, in its order (see `batch.Raw`).
NAMES: dict[str, tuple[str, ...]] = {
    "households": ("id", "urban", "registered_poor", "town_code"),
    "persons": (
        *("household_id", "person_id", "birth_ymd", "disability_grade", "disability_code"),
        *("serious_illness", "no_labour_capacity", "co_resident", "urban_registration"),
        *("head", "membership_id"),
    ),
    "care": (
        *("person_id", "adl_unable", "has_supporter", "institutional", "orphan"),
        "education_until",
    ),
    "incomes": ("household_id", "category_code", "fen"),
    "wages": ("household_id", "earners", "fen"),
    "own_incomes": ("person_id", "category_code", "fen"),
    "assets": ("household_id", "vehicles", "houses", "financial_fen", "business_fen"),
}
# The order `batch.columns` expects, as `batch.read_registry` returns them: households by
# id, persons by household then membership.
ORDERS = {"households": (0,), "persons": (0, 10)}
# Tables keyed by person: the snapshot adds each row's household (from the persons read),
# so that Spark needs no join to place them with their household.
BY_PERSON = ("care", "own_incomes")

RESULT_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("programme", pa.string()),
        ("eligible", pa.bool_()),
        ("amount_fen", pa.int64()),
        ("reason_code", pa.int64()),
    ]
)


def snapshot_root() -> Path:
    return Path(settings.DATA_DIR) / "snapshots" / "entitlements"


def take_snapshot(directory: Path | None = None) -> Path:
    """The registry as the entitlement job reads it, one Parquet table per read, in a new
    directory (by default under JIUZHU_DATA_DIR/snapshots/entitlements/)."""
    directory = directory or snapshot_root() / timezone.now().strftime("%Y%m%dT%H%M%S%f")
    reads = read_registry().cols
    household_id, person_id = reads["persons"][:2]
    household_of = np.full(int(person_id.max(initial=0)) + 1, -1, dtype=np.int64)
    household_of[person_id] = household_id
    for name, numbers in reads.items():
        table = pa.table(dict(zip(NAMES[name], numbers, strict=True)))
        if name in BY_PERSON:
            # A row of a person who is no current member is not read by the job either.
            person = np.minimum(numbers[0], len(household_of) - 1)
            key = np.where(numbers[0] < len(household_of), household_of[person], -1)
            table = table.append_column("household_id", pa.array(key)).filter(pa.array(key >= 0))
        write_table(directory, name, table)
    return directory


def _ordered(name: str, numbers: list[f.I64]) -> list[f.I64]:
    """The columns in the order `columns` expects them (households by id, persons by
    household then membership)."""
    permutation = in_order(numbers, ORDERS.get(name, ()))
    return numbers if permutation is None else [column[permutation] for column in numbers]


def read_snapshot(directory: Path) -> Raw:
    """A snapshot as the job's columns, on one machine."""
    cols = {}
    for name in NAMES:
        table = pq.read_table(directory / f"{name}.parquet", columns=list(NAMES[name]))
        numbers = [table.column(c).to_numpy().astype(np.int64) for c in NAMES[name]]
        cols[name] = _ordered(name, numbers)
    return Raw(cols)


def entitlements(raw: Raw, month: dt.date, params: f.Params) -> pa.Table:
    """Every household's result rows for the month (RESULT_SCHEMA)."""
    households, persons, household_ids, _town = columns(raw, month.replace(day=1), params)
    outcome = f.compute(households, persons, params)
    return result_table(household_ids, outcome, persons.hh, households.n)


def spark_entitlements(
    spark: Any, directory: str | Path, month: dt.date, params: f.Params, partitions: int = 0
) -> Any:
    """The result rows as a Spark frame (RESULT_SCHEMA): the snapshot's households spread
    over `partitions` (by default about HOUSEHOLDS_PER_PARTITION each), every partition
    computed by `entitlements`. `params`: the month's, loaded on the driver."""
    frames = {name: spark.read.parquet(f"{directory}/{name}.parquet") for name in NAMES}
    parts = [
        Part(name, frame, "id" if name == "households" else "household_id", NAMES[name])
        for name, frame in frames.items()
    ]
    partitions = partitions or partitions_for(frames["households"].count())
    return map_households(
        parts, partitions, f"{__name__}:partition", (month.replace(day=1), params), RESULT_SCHEMA
    )


def partition(groups: dict[str, Group], month: dt.date, params: f.Params) -> pa.Table:
    """One Spark partition's result rows: its households computed as on one machine."""
    raw = Raw({name: _ordered(name, group.numbers) for name, group in groups.items()})
    return entitlements(raw, month, params)
