"""Monthly range partitions of the largest tables on PostgreSQL (docs/deploy.md §8).

Retention then drops a month's partition (instant, no dead rows, no vacuum) instead of
deleting its rows one by one. Django's models stay as they are: `convert` rebuilds a table
as a partitioned table of the same name, columns, defaults, identity, checks, indexes,
foreign keys and triggers, and only the primary key grows by the partition key when it does
not contain it (the access log's becomes (id, at); ids still come from one sequence, so id
stays unique and Django keeps addressing rows by id). Partitions are named
`<table>_<yyyy>_<mm>` after the month they hold.

This module holds the table-independent steps and the access log's months (by `at`, in the
county's time zone); the payroll lines' months are payments/partitions.py's.
"""

import datetime as dt
import gzip
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core import audit_chain
from jiuzhu.core.models import User
from jiuzhu.core.months import add_months, first_of_month, years_before

ACCESS_LOG = "core_accesslog"
BOUND = re.compile(r"FOR VALUES FROM \((.+)\) TO \((.+)\)")


@dataclass(frozen=True)
class Partition:
    name: str
    month: dt.date
    lower: str  # the bounds as PostgreSQL prints them: MINVALUE, MAXVALUE or a literal
    upper: str


def supported() -> bool:
    return connection.vendor == "postgresql"


def is_partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table]
        )
        return cursor.fetchone() is not None


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_{month:%Y_%m}"


def partitions(table: str) -> list[Partition]:
    """The table's partitions, oldest month first."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)""",
            [table],
        )
        rows = cursor.fetchall()
    found = []
    for name, bound in rows:
        match = BOUND.match(bound)
        year, month = name.rsplit("_", 2)[1:]
        if match:
            lower, upper = (text.strip("'") for text in match.groups())
            found.append(Partition(name, dt.date(int(year), int(month), 1), lower, upper))
    return sorted(found, key=lambda partition: partition.month)


def _literal(value: object) -> str:
    """A partition bound in DDL (DDL takes no parameters): a number, MIN/MAXVALUE or a
    timestamp, never text from outside."""
    if isinstance(value, dt.datetime):
        return f"'{value.isoformat()}'"
    if isinstance(value, int) or value in ("MINVALUE", "MAXVALUE"):
        return str(value)
    raise ValueError(f"not a partition bound: {value!r}")


def add_partition(cursor: Any, table: str, month: dt.date, lower: object, upper: object) -> str:
    name = partition_name(table, month)
    cursor.execute(
        f"CREATE TABLE {name} PARTITION OF {table} "
        f"FOR VALUES FROM ({_literal(lower)}) TO ({_literal(upper)})"
    )
    return name


def convert(
    table: str,
    key: str,
    months: Sequence[tuple[dt.date, object, object]],
    replace_references: Callable[[Any], None] | None = None,
) -> None:
    """Rebuild `table` partitioned by range of `key` with a partition per (month, lower,
    upper), moving its rows, in one transaction that holds the table for its duration.
    Foreign keys from other tables that a partition's detach would have to check are
    dropped and `replace_references` puts their guard back (a trigger)."""
    new = f"{table}_partitioned"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        # ALTER TABLE refuses while deferred checks are pending: run them now, then defer
        # again as Django declares.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            """SELECT pg_get_triggerdef(oid) FROM pg_trigger
            WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname""",
            [table],
        )
        triggers = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary""",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """SELECT conname, contype, pg_get_constraintdef(oid), conrelid::regclass::text
            FROM pg_constraint WHERE (conrelid = %s::regclass AND contype IN ('p', 'f'))
            OR (confrelid = %s::regclass AND contype = 'f') ORDER BY conname""",
            [table, table],
        )
        keys = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE ({key})"
        )
        for month, lower, upper in months:
            cursor.execute(
                f"CREATE TABLE {partition_name(table, month)}_new PARTITION OF {new} "
                f"FOR VALUES FROM ({_literal(lower)}) TO ({_literal(upper)})"
            )
        # Before the triggers: a trigger refusing lines of locked payrolls would refuse them.
        cursor.execute(f"INSERT INTO {new} SELECT * FROM {table}")
        for name, _, _, owner in keys:
            if owner != table:
                cursor.execute(f"ALTER TABLE {owner} DROP CONSTRAINT {name}")
        if sequence:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {new} RENAME TO {table}")
        for month, _, _ in months:
            name = partition_name(table, month)
            cursor.execute(f"ALTER TABLE {name}_new RENAME TO {name}")
        if sequence:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            bare = sequence.rsplit(".", 1)[-1]  # RENAME TO takes no schema
            cursor.execute(f"ALTER SEQUENCE {cursor.fetchone()[0]} RENAME TO {bare}")
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])
        for name, kind, definition, owner in keys:
            if owner == table and kind == "p" and f"({key})" not in definition:
                definition = definition.replace(")", f", {key})", 1)
            if owner == table:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for _, definition in indexes:
            cursor.execute(definition)
        for definition in triggers:
            cursor.execute(definition)
        if replace_references:
            replace_references(cursor)


def detach_and_drop(cursor: Any, table: str, partition: str) -> None:
    cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {partition}")
    cursor.execute(f"DROP TABLE {partition}")


def write_archive(cursor: Any, query: str, path: Path) -> int:
    """Write the JSON text of each row `query` yields (one column) to a new archive in the
    format of the logs' (audit_chain): gzip-compressed JSON lines, owner-only; the count."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, audit_chain.ARCHIVE_MODE)
    count = 0
    with (
        open(descriptor, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out,
        cursor.copy(f"COPY ({query}) TO STDOUT") as copy,
    ):
        # Text COPY escapes backslashes; rows() gives the JSON text back as it was.
        for (line,) in copy.rows():
            out.write(line.encode() + b"\n")
            count += 1
    return count


# The access log, by month of `at` in the county's time zone.


def month_start(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(month.year, month.month, 1))


def local_month(moment: dt.datetime) -> dt.date:
    return first_of_month(timezone.localtime(moment).date())


def access_months(first: dt.date, last: dt.date) -> list[tuple[dt.date, object, object]]:
    months: list[tuple[dt.date, object, object]] = []
    month = first
    while month <= last:
        months.append((month, month_start(month), month_start(add_months(month, 1))))
        month = add_months(month, 1)
    return months


def convert_access_log(ahead: int, now: dt.datetime | None = None) -> list[str]:
    """Partition the access log by month, from its oldest entry's month to `ahead` months
    after this one; what was done, one line a table (nothing if already partitioned)."""
    if is_partitioned(ACCESS_LOG):
        return []
    this_month = local_month(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(at) FROM {ACCESS_LOG}")
        oldest = cursor.fetchone()[0]
    first = min(local_month(oldest), this_month) if oldest else this_month
    months = access_months(first, add_months(this_month, ahead))
    # The oldest month also takes anything dated before it (an entry is never refused).
    months[0] = (first, "MINVALUE", months[0][2])
    convert(ACCESS_LOG, "at", months)
    return [f"访问日志已按月分区：{len(months)} 个分区（{first:%Y-%m} 起）。"]


def create_access_months(ahead: int, now: dt.datetime | None = None) -> list[str]:
    """The access log's partitions up to `ahead` months after this one, where missing."""
    existing = partitions(ACCESS_LOG)
    last = add_months(local_month(now or timezone.now()), ahead)
    if not existing or existing[-1].month >= last:
        return []
    months = access_months(add_months(existing[-1].month, 1), last)
    with transaction.atomic(), connection.cursor() as cursor:
        for month, lower, upper in months:
            add_partition(cursor, ACCESS_LOG, month, lower, upper)
    return [f"访问日志新建分区 {len(months)} 个（至 {last:%Y-%m}）。"]


def prune_access_log(actor: User, now: dt.datetime | None = None) -> list[str]:
    """Archive the access log past its retention up to the start of a month, as `jiuzhu
    audit prune` does (same archive, same checkpoint), then drop the whole months the
    archive covers instead of deleting their rows."""
    now = now or timezone.now()
    cutoff = years_before(now, settings.JIUZHU_ACCESS_LOG_RETENTION_YEARS)
    before = month_start(local_month(cutoff))
    old = [p for p in partitions(ACCESS_LOG) if month_start(add_months(p.month, 1)) <= before]
    dropped: list[str] = []
    kept: list[str] = []

    def drop_covered(last_sequence: int | None) -> None:
        with connection.cursor() as cursor:
            for partition in old:
                # An entry the archive does not hold (written out of order, after the first
                # entry kept) would be lost with its partition: kept until a later prune.
                cursor.execute(
                    f"SELECT 1 FROM {partition.name} WHERE id > %s LIMIT 1",
                    [-1 if last_sequence is None else last_sequence],
                )
                month = f"{partition.month:%Y-%m}"
                if cursor.fetchone():
                    kept.append(month)
                    continue
                detach_and_drop(cursor, ACCESS_LOG, partition.name)
                dropped.append(month)

    with transaction.atomic():
        report = audit_chain.prune(
            actor, "access", dry_run=False, now=now, before=before, remove=drop_covered
        )
        if report.first_sequence is None:  # nothing left to archive: drop emptied months
            drop_covered(None)
    said = []
    if report.entries:
        said.append(f"访问日志已归档 {report.entries:,} 条，归档文件 {report.archive}。")
    if dropped:
        said.append(f"访问日志删除已归档的分区：{'、'.join(dropped)}。")
    if kept:
        said.append(f"访问日志分区 {'、'.join(kept)} 尚有未归档的记录，下次再删除。")
    return said
