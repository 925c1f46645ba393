"""Payroll lines in monthly partitions on PostgreSQL (docs/deploy.md §8; core/partitions.py).

A line's id is its payroll's id × LINES_PER_PAYROLL plus its line number, and payroll ids
grow with time, so the lines are partitioned by range of id: a month's partition starts at
the first line id of the first payroll prepared that month. The primary key stays (id), so
Django, the bank-result foreign key's target and every id lookup work as before, and a
payroll's lines (one id range) are in one partition. The newest partition is open-ended;
the first supervisor round of a month closes it at the next payroll id and opens the new
month's. A payroll prepared in a month before that round lands in the previous month's
partition, which then is kept that much longer.

Closing a partition detaches it, which PostgreSQL refuses while a foreign key points into
it; so the bank results' foreign key to the lines becomes a trigger that checks every
inserted or changed result's line exists (lines of a locked payroll, the only ones with
results, cannot be deleted: migration 0003).

Retention: payroll lines are accounting records, kept JIUZHU_AUDIT_RETENTION_YEARS (30).
A month whose end is that long past is archived with its bank results in the format of the
logs' archives (gzip JSON lines, owner-only, the sealed numbers as stored), the archive's
digest goes into the audit trail, then its results are deleted and the partition dropped.
"""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from jiuzhu.core import audit_chain
from jiuzhu.core import partitions as core
from jiuzhu.core.files import file_sha256
from jiuzhu.core.models import User
from jiuzhu.core.months import add_months, years_before
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.tasks import supervised
from jiuzhu.payments.models import LINES_PER_PAYROLL, Payroll

PAYROLL_LINES = "payments_payrollline"
# Replaces the foreign key of bank results to their lines (see the module).
RESULT_GUARD = [
    """CREATE OR REPLACE FUNCTION payments_check_result_lines() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (
        SELECT 1 FROM changed_results r
        LEFT JOIN payments_payrollline l ON l.id = r.line_id WHERE l.id IS NULL
      ) THEN
        RAISE EXCEPTION 'bank result of a missing payroll line';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    *(
        f"""CREATE TRIGGER payments_result_line_{event.lower()} AFTER {event}
        ON payments_lineresult REFERENCING NEW TABLE AS changed_results
        FOR EACH STATEMENT EXECUTE FUNCTION payments_check_result_lines()"""
        for event in ("INSERT", "UPDATE")
    ),
]


def _first_payrolls() -> list[tuple[dt.date, int]]:
    """(month, first payroll id) of each month payrolls were prepared in, the ids rising."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT date_trunc('month', prepared_at AT TIME ZONE %s)::date, MIN(id)
            FROM payments_payroll GROUP BY 1 ORDER BY 1""",
            [settings.TIME_ZONE],
        )
        rows = cursor.fetchall()
    rising: list[tuple[dt.date, int]] = []
    for month, first in rows:
        if not rising or first > rising[-1][1]:
            rising.append((month, first))
    return rising


def convert_payroll_lines(now: dt.datetime | None = None) -> list[str]:
    """Partition the payroll lines by month of preparation (nothing if already done)."""
    if core.is_partitioned(PAYROLL_LINES):
        return []
    starts = _first_payrolls() or [(core.local_month(now or timezone.now()), 0)]
    lowers: list[object] = ["MINVALUE", *(first * LINES_PER_PAYROLL for _, first in starts[1:])]
    uppers = [*lowers[1:], "MAXVALUE"]
    months = [
        (month, lower, upper)
        for (month, _), lower, upper in zip(starts, lowers, uppers, strict=True)
    ]

    def guard_results(cursor: object) -> None:
        for sql in RESULT_GUARD:
            cursor.execute(sql)  # type: ignore[attr-defined]

    core.convert(PAYROLL_LINES, "id", months, replace_references=guard_results)
    return [f"发放明细已按月分区：{len(months)} 个分区（{starts[0][0]:%Y-%m} 起）。"]


def start_month(now: dt.datetime | None = None) -> list[str]:
    """Close the open-ended newest partition at the next payroll's first line id and open
    this month's, unless it is open already."""
    month = core.local_month(now or timezone.now())
    if core.partitions(PAYROLL_LINES)[-1].month >= month:
        return []  # the common case, without taking the lock
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PAYROLL_LINES} IN ACCESS EXCLUSIVE MODE")
        newest = core.partitions(PAYROLL_LINES)[-1]
        if newest.month >= month:
            return []
        next_payroll = (Payroll.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        split = next_payroll * LINES_PER_PAYROLL
        name = core.partition_name(PAYROLL_LINES, month)
        if newest.lower != "MINVALUE" and split <= int(newest.lower):
            # No payroll since it opened: it is empty, and becomes this month's.
            cursor.execute(f"ALTER TABLE {newest.name} RENAME TO {name}")
            return [f"发放明细分区 {newest.month:%Y-%m} 无数据，改为 {month:%Y-%m}。"]
        cursor.execute(f"ALTER TABLE {PAYROLL_LINES} DETACH PARTITION {newest.name}")
        # The check lets the attach below skip its own scan of the partition.
        above = "" if newest.lower == "MINVALUE" else f"id >= {int(newest.lower)} AND "
        cursor.execute(
            f"ALTER TABLE {newest.name} ADD CONSTRAINT {newest.name}_bound "
            f"CHECK ({above}id < {split})"
        )
        cursor.execute(
            f"ALTER TABLE {PAYROLL_LINES} ATTACH PARTITION {newest.name} "
            f"FOR VALUES FROM ({newest.lower}) TO ({split})"
        )
        cursor.execute(f"ALTER TABLE {newest.name} DROP CONSTRAINT {newest.name}_bound")
        core.add_partition(cursor, PAYROLL_LINES, month, split, "MAXVALUE")
    return [f"发放明细新建 {month:%Y-%m} 分区（自第 {next_payroll} 号发放表起）。"]


def prune_payroll_lines(actor: User, now: dt.datetime | None = None) -> list[str]:
    """Archive and drop the months of payroll lines past their retention (the module)."""
    require(actor, Capability.MANAGE_SECURITY)
    cutoff = years_before(now or timezone.now(), settings.JIUZHU_AUDIT_RETENTION_YEARS)
    *closed, _newest = core.partitions(PAYROLL_LINES)
    said = []
    for partition in closed:
        if core.month_start(add_months(partition.month, 1)) > cutoff:
            break
        archive = f"payroll-lines-{partition.month:%Y-%m}.jsonl.gz"
        path = audit_chain.archive_dir() / archive
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                query = (
                    "SELECT json_build_object('line', row_to_json(l), 'result', row_to_json(r)) "
                    f"FROM {partition.name} l LEFT JOIN payments_lineresult r "
                    "ON r.line_id = l.id ORDER BY l.id"
                )
                count = core.write_archive(cursor, query, path)
                audit_chain.append(
                    "audit",
                    actor=actor,
                    action="archive_payroll_lines",
                    object_type="PayrollLine",
                    changes={
                        "月份": f"{partition.month:%Y-%m}",
                        "条数": count,
                        "归档文件": archive,
                        "摘要": file_sha256(path),
                    },
                )
                cursor.execute(
                    f"DELETE FROM payments_lineresult r USING {partition.name} l "
                    "WHERE r.line_id = l.id"
                )
                core.detach_and_drop(cursor, PAYROLL_LINES, partition.name)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        said.append(
            f"发放明细 {partition.month:%Y-%m} 已归档 {count:,} 条（{archive}）并删除分区。"
        )
    return said


def maintain(ahead: int, now: dt.datetime | None = None) -> list[str]:
    """The months' partitions of both tables, where they are partitioned (PostgreSQL)."""
    if not core.supported():
        return []
    said = []
    if core.is_partitioned(PAYROLL_LINES):
        said += start_month(now)
    if core.is_partitioned(core.ACCESS_LOG):
        said += core.create_access_months(ahead, now)
    return said


@supervised
def sweep_partitions(inline: bool) -> list[str]:
    """Each supervisor round: a new month's partitions as soon as the month begins (a few
    catalogue reads when there is nothing to do)."""
    return maintain(ahead=3)
