"""Bulk writes of generated or computed rows: the plumbing owners' bulk writers share.

A `Table` is named columns of numpy arrays (or lists of text); `write_table` inserts it in
one statement per database (COPY on PostgreSQL, binary for a table that asks for it;
executemany on SQLite). Ids are assigned by
the caller above `max_used_id`, so related tables can point at each other without reading
anything back. `PostgresRebuild` and `FastSqlite` make very large loads affordable.
"""

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.apps import apps
from django.db import connection
from django.db.models import Max, Model
from django.utils import timezone

from jiuzhu.core import pgcopy
from jiuzhu.core.money import plain_yuan_column

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class Column:
    """One column of a table: kind is "int", "nint" (−1 = NULL), "bool", "date", "fen"
    (int64 hundredths of a decimal column with two places) or "text"."""

    name: str
    kind: str
    values: Any  # numpy array for numbers and booleans, list of str otherwise


@dataclass
class Table:
    name: str
    columns: list[Column]
    # Binary COPY on PostgreSQL: every text column holds plain text (no r"\N" for NULL)
    # for a text column of the model, and the table is a model's.
    binary: bool = False

    @property
    def rows(self) -> int:
        return len(self.columns[0].values) if self.columns else 0


def max_used_id(model: type[Model]) -> int:
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


def _sqlite_values(column: Column) -> list[Any]:
    if column.kind == "int":
        return list(column.values.tolist())
    if column.kind == "nint":
        return [None if v < 0 else v for v in column.values.tolist()]
    if column.kind == "bool":
        return list(column.values.astype(np.int8).tolist())
    if column.kind == "date":
        return list(np.datetime_as_string(column.values, unit="D").tolist())
    if column.kind == "fen":
        return plain_yuan_column(column.values)
    return list(column.values)


def _copy_values(column: Column) -> pa.Array:
    """A column as COPY's text fields, converted in Arrow (no Python loop per value)."""
    # Text columns come from the generator's own pools: no tab, newline or backslash to escape.
    if column.kind == "int":
        return pc.cast(pa.array(np.asarray(column.values, dtype=np.int64)), pa.string())
    if column.kind == "nint":
        values = pa.array(np.asarray(column.values, dtype=np.int64))
        return pc.if_else(pc.less(values, 0), r"\N", pc.cast(values, pa.string()))
    if column.kind == "bool":
        return pc.if_else(pa.array(np.asarray(column.values, dtype=np.bool_)), "t", "f")
    if column.kind == "date":
        return pa.array(np.datetime_as_string(column.values, unit="D"), pa.string())
    if column.kind == "fen":
        return pa.array(plain_yuan_column(column.values), pa.string())
    return pa.array(column.values, pa.string())


def _arrow(column: Column) -> pa.Array:
    """A column as Arrow values for binary COPY (pgcopy)."""
    if column.kind in ("int", "fen"):
        return pa.array(np.asarray(column.values, dtype=np.int64))
    if column.kind == "nint":
        values = np.asarray(column.values, dtype=np.int64)
        return pa.array(values, mask=values < 0)
    if column.kind == "bool":
        return pa.array(np.asarray(column.values, dtype=np.bool_))
    if column.kind == "date":
        return pa.array(np.asarray(column.values, dtype="datetime64[D]"))
    return pa.array(column.values, pa.string())


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(n) for n in names)


def _model_of(table: str) -> type[Model]:
    return next(m for m in apps.get_models() if m._meta.db_table == table)


@dataclass
class PreparedTable:
    """A table made ready to write: for binary COPY, its rows already encoded.

    `prepare` may run on any thread (it reads no database), so a load can encode the next
    batch while the server stores this one; `write` runs on the connection's thread.
    """

    table: Table
    stamps: dict[str, Any]
    copy_sql: str = ""
    chunks: list[bytes | memoryview] = field(default_factory=list)

    def write(self) -> None:
        if not self.copy_sql:
            write_table(self.table, self.stamps)
            return
        with connection.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
            for chunk in self.chunks:
                copy.write(chunk)


def prepare(table: Table, stamps: dict[str, Any]) -> PreparedTable:
    """`table` ready to write; encoded for COPY … (FORMAT binary) when it asks for binary
    on PostgreSQL (the server stores the values without parsing text)."""
    if table.rows == 0 or connection.vendor != "postgresql" or not table.binary:
        return PreparedTable(table, stamps)
    types, nullable = pgcopy.model_columns(_model_of(table.name))
    arrays = {c.name: _arrow(c) for c in table.columns}
    for name, value in stamps.items():
        micros = (value - EPOCH) // dt.timedelta(microseconds=1)
        arrays[name] = pa.array(np.full(table.rows, micros), pa.timestamp("us", "UTC"))
    names, chunks = pgcopy.binary_copy(
        [pa.record_batch(arrays)], {name: types[name] for name in arrays}, nullable
    )
    sql = (
        f"COPY {connection.ops.quote_name(table.name)} ({_quoted(names)}) "
        "FROM STDIN (FORMAT binary)"
    )
    return PreparedTable(table, stamps, sql, list(chunks))


def write_table(table: Table, stamps: dict[str, Any]) -> None:
    """Insert a table's rows in one statement: COPY on PostgreSQL (binary if the table asks
    for it, see `prepare`), executemany elsewhere.

    Text values must hold no tab, newline or backslash (they come from generators' pools);
    `stamps` are constant columns (timestamps) added to every row.
    """
    names = [c.name for c in table.columns] + list(stamps)
    rows = table.rows
    if rows == 0:
        return
    if connection.vendor == "postgresql" and table.binary:
        prepare(table, stamps).write()
        return
    if connection.vendor == "postgresql":
        fields = [_copy_values(c) for c in table.columns]
        fields += [pa.scalar(str(v), pa.string()) for v in stamps.values()]
        # Each row's fields joined by tabs and ended by a newline, the rows back to back in
        # the result's data buffer: that buffer is the whole COPY input.
        lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, "\t"), "", "\n")
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
        sql = f"COPY {connection.ops.quote_name(table.name)} ({_quoted(names)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(memoryview(lines.buffers()[2])[start:end])
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


def timestamps() -> dict[str, Any]:
    """created_at and updated_at of now, as the database driver takes them."""
    now = timezone.now()
    # COPY takes the datetime (write_table encodes it); executemany takes what Django
    # itself binds for a DateTimeField.
    value: Any = (
        now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    )
    return {"created_at": value, "updated_at": value}


class PostgresRebuild:
    """Drop some tables' foreign keys and indexes but their primary keys, and put them back.

    PostgreSQL runs each insert's foreign-key check as a trigger at commit and updates
    every index per row (a unique index on a digest at a random place each time); building
    them once after COPY is several times faster. DDL is transactional there: this runs
    inside the load's transaction, so an interrupted load leaves schema and data as they
    were. Unique indexes and constraints come back at the end of the load, and a duplicate
    then refuses the whole load (nothing is kept). Primary keys stay (other tables' foreign
    keys point at them), as do unique constraints another table's foreign key relies on.
    Readers of these tables wait until the load commits.
    """

    def __init__(self, models: Iterable[type[Model]]) -> None:
        self.tables = [m._meta.db_table for m in models]
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        tables = self.tables
        with connection.cursor() as cursor:
            # Checks queued by earlier inserts in this transaction must run before ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # Indexes of their own (not a constraint's), unique or not, but primary keys.
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = indexrelid)",
                [tables],
            )
            indexes = cursor.fetchall()
            # Foreign keys first (dropped first, added last), then unique constraints no
            # foreign key relies on.
            cursor.execute(
                "SELECT conrelid::regclass::text, quote_ident(conname), "
                "pg_get_constraintdef(oid) FROM pg_constraint c "
                "WHERE conrelid = ANY(%s::regclass[]) AND (contype = 'f' OR contype = 'u' "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
                "AND f.conindid = c.conindid)) ORDER BY contype = 'u', conname",
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
            # Adding a constraint checks every row at once (a join, an index build), not
            # row by row: unique constraints before the foreign keys.
            for table, name, definition in reversed(self.constraints):
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class FastSqlite:
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
