"""One small interface over two columnar engines: DuckDB embedded, Spark at scale.

A job definition is a handful of SQL statements over named views. The statements use the
common subset of both dialects (joins, CASE, SUM/COUNT, UNION ALL, CAST to BIGINT), so
the same definition runs on either engine and the results can be compared.
"""

import os
import shutil
from collections.abc import Sequence
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from jiuzhu.batch.spark import session as spark_session

# DuckDB scans a Parquet file one row group per thread: a snapshot written as one row group
# (pyarrow's default holds a million rows) is read by one thread while the others wait.
# This is DuckDB's own row group size.
PARQUET_ROW_GROUP_ROWS = 122_880


class Engine(Protocol):
    name: str

    def register_parquet(
        self, view: str, paths: Sequence[str], columns: Sequence[str], constants: dict[str, Any]
    ) -> None:
        """A view over Parquet files, keeping `columns` and adding constant columns."""

    def register_arrow(self, view: str, table: pa.Table) -> None: ...

    def union_views(self, view: str, parts: Sequence[str]) -> None: ...

    def materialise(self, view: str, sql: str) -> None:
        """Compute once and keep (a temp table on DuckDB, a cached DataFrame on Spark)."""

    def query(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"CAST({value} AS BIGINT)"
    if hasattr(value, "isoformat"):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.con = duckdb.connect()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")

    def register_parquet(
        self, view: str, paths: Sequence[str], columns: Sequence[str], constants: dict[str, Any]
    ) -> None:
        files = ", ".join(_literal(str(path)) for path in paths)
        extra = "".join(f", {_literal(value)} AS {name}" for name, value in constants.items())
        self.con.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT {', '.join(columns)}{extra} "
            f"FROM read_parquet([{files}])"
        )

    def register_arrow(self, view: str, table: pa.Table) -> None:
        self.con.register(f"{view}_arrow", table)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {view} AS SELECT * FROM {view}_arrow")
        self.con.unregister(f"{view}_arrow")

    def union_views(self, view: str, parts: Sequence[str]) -> None:
        body = " UNION ALL ".join(f"SELECT * FROM {part}" for part in parts)
        self.con.execute(f"CREATE OR REPLACE VIEW {view} AS {body}")

    def materialise(self, view: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {view} AS {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()


def spark_available() -> bool:
    """Whether Spark can run here: a Java runtime and pyspark installed."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return False
    try:
        # pyspark is an optional heavy dependency (the dev extra), only probed for here.
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


class SparkEngine:
    """Spark SQL over the same Parquet files. `master` local[*] in tests, a cluster URL in
    production (JIUZHU_SPARK_MASTER); results come back to the driver as Arrow."""

    name = "spark"

    def __init__(self, master: str | None = None, shuffle_partitions: int = 8) -> None:
        self.spark = spark_session("jiuzhu-verification", master, shuffle_partitions)
        self._cached: list[Any] = []

    def register_parquet(
        self, view: str, paths: Sequence[str], columns: Sequence[str], constants: dict[str, Any]
    ) -> None:
        frame = self.spark.read.parquet(*[str(path) for path in paths])
        frame.createOrReplaceTempView(f"{view}_raw")
        extra = "".join(f", {_literal(value)} AS {name}" for name, value in constants.items())
        self.spark.sql(
            f"SELECT {', '.join(columns)}{extra} FROM {view}_raw"
        ).createOrReplaceTempView(view)

    def register_arrow(self, view: str, table: pa.Table) -> None:
        frame = self.spark.createDataFrame(table)
        frame.createOrReplaceTempView(view)

    def union_views(self, view: str, parts: Sequence[str]) -> None:
        body = " UNION ALL ".join(f"SELECT * FROM {part}" for part in parts)
        self.spark.sql(body).createOrReplaceTempView(view)

    def materialise(self, view: str, sql: str) -> None:
        frame = self.spark.sql(sql).cache()
        frame.count()
        frame.createOrReplaceTempView(view)
        self._cached.append(frame)

    def query(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()
        self.spark.stop()


def make_engine(name: str, **options: Any) -> Engine:
    """The engine called `name` (DuckDBEngine.name or SparkEngine.name), with its options."""
    if name == DuckDBEngine.name:
        return DuckDBEngine(**options)
    if name == SparkEngine.name:
        return SparkEngine(**options)
    raise ValueError(f"unknown engine {name!r}")
