"""Column jobs on Spark: whole households in one partition, the same numpy code per partition.

A job's snapshot is a few Parquet tables (`write_table`), each with a household key. On
Spark the tables are packed into one frame of (key, table, n0…, s0…) rows,
repartitioned by key, and each partition is handed to the job's own numpy function as the
tables it would read on one machine (`map_households`). So the formulas have one code path:
a partition is a small registry.

Where Spark runs: JIUZHU_SPARK_MASTER (`spark.master`: local[2] by default, a cluster's URL
in production, docs/deploy.md); the snapshot directory must then be on storage every
executor reads (HDFS, S3, a shared mount).
"""

import importlib
import os
import pickle
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

I64 = npt.NDArray[np.int64]

# Households per partition: a partition is computed in memory as one small registry
# (about 60 MB of columns for 50 000 households and their persons).
HOUSEHOLDS_PER_PARTITION = 50_000


def session(app: str, master: str | None = None, shuffle_partitions: int = 8) -> Any:
    """The SparkSession for a job: JIUZHU_SPARK_MASTER (default local[2]) and
    JIUZHU_SPARK_DRIVER_MEMORY (default 2g) unless given."""
    # Imported only when Spark is asked for: pyspark is optional and heavy (a JVM).
    from pyspark.sql import SparkSession

    master = master or os.environ.get("JIUZHU_SPARK_MASTER", "local[2]")
    # The workers run this interpreter (its packages), unless PYSPARK_PYTHON names another.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", os.environ.get("JIUZHU_SPARK_DRIVER_MEMORY", "2g"))
        .getOrCreate()
    )


def write_table(directory: Path, name: str, table: pa.Table) -> Path:
    """One table of a snapshot: `directory/name.parquet` (written whole, then renamed, so a
    reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.parquet"
    partial = path.with_suffix(".partial")
    pq.write_table(table, partial)
    partial.replace(path)
    return path


@dataclass(frozen=True)
class Part:
    """One table of a job as Spark reads it: its frame, the column holding the household
    key, and which of its columns are numbers (int64) and which texts."""

    name: str
    frame: Any  # pyspark.sql.DataFrame
    key: str
    numbers: Sequence[str]
    texts: Sequence[str] = ()


@dataclass
class Group:
    """One partition's rows of a table: its number columns as int64 arrays and its text
    columns as an Arrow table, in no particular order."""

    numbers: list[I64]
    texts: pa.Table


def _packed(part: Part, tag: int, width: int, texts: int) -> Any:
    """The part's rows as (key, tag, n0…, s0…): plain columns, null beyond the part's own,
    so that every part has the one shape a union and a shuffle need."""
    from pyspark.sql import functions as F

    numbers = [F.col(c).cast("bigint") for c in part.numbers]
    strings = [F.col(c).cast("string") for c in part.texts]
    return part.frame.select(
        F.col(part.key).cast("bigint").alias("key"),
        F.lit(tag).cast("int").alias("tag"),
        *[
            (numbers[i] if i < len(numbers) else F.lit(None).cast("bigint")).alias(f"n{i}")
            for i in range(width)
        ],
        *[
            (strings[i] if i < len(strings) else F.lit(None).cast("string")).alias(f"s{i}")
            for i in range(texts)
        ],
    )


# What a worker needs of each part (the frames stay on the driver): name, numbers, texts.
Layout = list[tuple[str, int, tuple[str, ...]]]


def _unpack(table: pa.Table, layout: Layout) -> dict[str, Group]:
    """The packed rows of a partition back as each table's columns."""
    tags = table.column("tag").to_numpy()
    out = {}
    for tag, (name, width, text_names) in enumerate(layout):
        rows = table.filter(pa.array(tags == tag))
        numbers = [
            rows.column(f"n{i}").to_numpy(zero_copy_only=False).astype(np.int64)
            for i in range(width)
        ]
        texts = pa.table(
            {text: rows.column(f"s{i}").combine_chunks() for i, text in enumerate(text_names)}
        )
        out[name] = Group(numbers, texts)
    return out


def map_households(
    parts: Sequence[Part], partitions: int, compute: str, args: tuple[Any, ...], schema: pa.Schema
) -> Any:
    """A frame of `compute(groups, *args)`'s results over every partition: the parts' rows
    with the same key land in one partition, and `compute` sees them as plain columns.

    `compute` is named ("package.module:function") and `args` go pickled: a worker loads
    Django before it imports the job's modules (they import model code)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    width = max(len(part.numbers) for part in parts)
    texts = max(len(part.texts) for part in parts)
    frames = [_packed(part, tag, width, texts) for tag, part in enumerate(parts)]
    packed = frames[0]
    for frame in frames[1:]:
        packed = packed.unionByName(frame)
    layout = [(part.name, len(part.numbers), tuple(part.texts)) for part in parts]
    job = pickle.dumps((compute, args))

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        received = list(batches)
        if not received:
            return
        django_ready()
        name, job_args = pickle.loads(job)
        module, function = name.split(":")
        result = getattr(importlib.import_module(module), function)(
            _unpack(pa.Table.from_batches(received), layout), *job_args
        )
        yield from result.cast(schema).to_batches()

    return packed.repartition(partitions, "key").mapInArrow(run, from_arrow_schema(schema))


def django_ready() -> None:
    """Django's apps loaded in a Spark worker, whose Python starts bare: the jobs' modules
    import model code (enums, codes) though they never touch the database there."""
    from django.apps import apps

    if not apps.ready:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
        django.setup()


def partitions_for(households: int) -> int:
    """Enough partitions that each holds about HOUSEHOLDS_PER_PARTITION households."""
    return max(2, -(-households // HOUSEHOLDS_PER_PARTITION))
