"""A run's result rows: built as columns, written in one piece.

On PostgreSQL the results table is partitioned by run (migration 0009): a run's rows go
into a fresh table without any index, its key is built once over the loaded rows and the
table is then attached as the run's partition. Building a b-tree over sorted rows costs a
fraction of maintaining it row by row during the load, and reads of one run touch only its
partition. SQLite takes the rows by executemany.
"""

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from django.db import connection

from jiuzhu.core import pgcopy
from jiuzhu.policy import formulas as f
from jiuzhu.policy.models import EntitlementResult

I64 = npt.NDArray[np.int64]

PROGRAMME_ROWS = ("dibao", "tekun", "children", "disability", "elderly")
# The key's order of programmes: rows written in key order make the key's build a merge.
_KEY_ORDER = sorted(PROGRAMME_ROWS)
COPY_BATCH = 200_000  # rows encoded per chunk of the binary COPY
KEY = ("run_id", "household_id", "programme")


def result_table(hid: I64, outcome: f.Outcome, hh: f.IntArr, n: int) -> pa.Table:
    """The result rows in key order (household, then programme): one per household for
    dibao (with its reason), and one per other programme where something is due (the same
    rows on one machine and on Spark)."""
    totals = outcome.household_totals(n, hh)
    parts: dict[str, tuple[npt.NDArray[Any], ...]] = {
        "dibao": (hid, outcome.dibao.eligible, outcome.dibao.amount, outcome.dibao.reason)
    }
    for name in PROGRAMME_ROWS[1:]:
        due = totals[name] > 0
        count = int(due.sum())
        parts[name] = (
            hid[due],
            np.ones(count, bool),
            totals[name][due],
            np.zeros(count, dtype=np.int64),
        )
    ordered = [parts[name] for name in _KEY_ORDER]
    households = np.concatenate([p[0] for p in ordered]).astype(np.int64)
    programme = np.concatenate(
        [np.full(len(p[0]), code, dtype=np.int8) for code, p in enumerate(ordered)]
    )
    # Each part is in household order, so the stable sort only merges them.
    order = np.argsort(households, kind="stable")
    return pa.table(
        {
            "household_id": pa.array(households[order]),
            "programme": pa.array(_KEY_ORDER).take(pa.array(programme[order])),
            "eligible": pa.array(np.concatenate([p[1] for p in ordered]).astype(bool)[order]),
            "amount_fen": pa.array(np.concatenate([p[2] for p in ordered]).astype(np.int64)[order]),
            "reason_code": pa.array(
                np.concatenate([p[3] for p in ordered]).astype(np.int64)[order]
            ),
        }
    )


def partition_name(run_id: int) -> str:
    return f"{EntitlementResult._meta.db_table}_run_{int(run_id)}"


def write_results(run_id: int, rows: pa.Table) -> int:
    """The run's result rows (`result_table`): its own partition on PostgreSQL."""
    table = rows.add_column(0, "run_id", pa.array(np.full(rows.num_rows, run_id, np.int64)))
    parent = EntitlementResult._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"INSERT INTO {parent} ({', '.join(table.schema.names)}) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                list(zip(*(column.to_pylist() for column in table.columns), strict=True)),
            )
            return table.num_rows
        types, _nullable = pgcopy.model_columns(EntitlementResult)
        names, chunks = pgcopy.binary_copy(
            table.to_batches(max_chunksize=COPY_BATCH),
            {name: types[name] for name in table.schema.names},
        )
        part = partition_name(run_id)
        # A test database whose sequences were reset may meet a run id again.
        cursor.execute(f"DROP TABLE IF EXISTS {part}")
        # The check is the partition's bound, so attaching needs no scan of the rows.
        cursor.execute(
            f"CREATE TABLE {part} (LIKE {parent} INCLUDING DEFAULTS, "
            f"CHECK (run_id IS NOT NULL AND run_id = {int(run_id)}))"
        )
        with cursor.copy(f"COPY {part} ({', '.join(names)}) FROM STDIN (FORMAT binary)") as copy:
            for chunk in chunks:
                copy.write(chunk)
        cursor.execute(f"ALTER TABLE {part} ADD PRIMARY KEY ({', '.join(KEY)})")
        cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {part} FOR VALUES IN ({run_id})")
    return table.num_rows
