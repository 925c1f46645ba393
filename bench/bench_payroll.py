"""Monthly payroll for N recipient households, beside the bare read of the same rows.

Figures (bench/results/latest.json):
  payroll_floor     the physical floor: binary COPY out of the base tables of exactly the
                    columns the payroll reads, plus binary COPY in of the lines it wrote into
                    an unindexed table (read_floor_s and write_floor_s apart)
  payroll_read      the payroll's own reads (recipients, head, payee name and ID number,
                    valid account) into the same columns: the baseline before the floor
  payroll_prepare   the whole prepare of one town's payroll: read, compute, write lines with
                    the payee/account snapshot (goal ≤ 1.5 × payroll_floor; the ratio to
                    payroll_read beside it; read_s, compute_s and write_s from its progress
                    steps)
  payroll_file_csv  payment file rate (rows/s), CSV with BOM, from the lines table: reading,
                    opening the two sealed numbers of each line, writing (goal 1M rows/s)
  payroll_file_xlsx the same as XLSX, a constant-memory sheet (goal 60k rows/s)

The bench makes its own database and removes it afterwards:
  python -m bench --size 1000000 --only payroll                      (SQLite file)
  BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres \
      python -m bench --size 1000000 --only payroll                  (PostgreSQL)
Households come from bench_policy.fill_registry; one town holds them all (the payroll is
per town), each has a dibao case and recipient in force and a bank account for its head.

Django and the project are imported inside the functions on purpose: the bench chooses its
database (DATABASE_URL) before django.setup(), and `python -m bench` imports every bench
module, including the ones not run; psycopg is needed only for the PostgreSQL run.
"""

import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import benchmark, read_floor, record, seal_loaded, write_floor

MONTH = dt.date(2026, 12, 1)
# BENCH_DB_PREFIX keeps the benches of several people on one server apart.
PG_NAME = os.environ.get("BENCH_DB_PREFIX", "jiuzhu_bench") + "_payroll"
# Exactly the columns of the base tables the payroll reads.
READS = {
    "cases_recipient": (
        "id, household_id, person_id, programme, status, monthly_amount, start_month, "
        "end_month, phase_out_until, region_code, members_covered"
    ),
    "registry_household": "id, registered_poor",
    "registry_membership": "household_id, person_id, relation, end_date",
    "registry_person": "id, name, id_number",
    "payments_bankaccount": "id, person_id, valid, bank, account_number, holder_name",
}


def _database(pg_name: str = PG_NAME) -> tuple[str, str]:
    """(label, DATABASE_URL) for a fresh database of a bench's own."""
    admin_url = os.environ.get("BENCH_PG", "")
    if admin_url:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {pg_name}")
            conn.execute(f"CREATE DATABASE {pg_name}")
        return "postgresql", admin_url.rsplit("/", 1)[0] + f"/{pg_name}"
    folder = Path(tempfile.mkdtemp(prefix="jiuzhu-bench-payroll-"))
    os.environ["JIUZHU_DATA_DIR"] = str(folder)
    return "sqlite", f"sqlite:///{folder / 'payroll.sqlite3'}"


def _flush_generated(label: str) -> None:
    """Write the generated rows out before timing: otherwise the checkpoint the generator
    set off goes on writing them for minutes, and whichever figure it overlaps pays for it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT" if label == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)")


def _drop(label: str, url: str, pg_name: str = PG_NAME) -> None:
    from django.db import connections

    connections.close_all()
    if label == "postgresql":
        import psycopg

        with psycopg.connect(os.environ["BENCH_PG"], autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {pg_name}")
    else:
        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)


def fill_recipients(n: int) -> None:
    """A dibao case and recipient per household and an account for each head, set-based."""
    from django.db import connection, transaction

    from bench.bench_policy import _series
    from jiuzhu.core.models import Region, User

    town = Region.objects.get(code="370124102000")
    village = Region.objects.get(code="370124102201")
    user = User.objects.create_user("bench_admin", role="county_admin", region=town.parent)
    pg = connection.vendor == "postgresql"
    now = "now()" if pg else "datetime('now')"
    true = "true" if pg else "1"
    false = "false" if pg else "0"
    # SQLite's CAST(… AS DATE) would keep only the number 2027; dates there are ISO text.
    phase_out_until = "CAST('2027-03-01' AS DATE)" if pg else "'2027-03-01'"
    statements = [
        # Everyone in one town so that one town's payroll covers all N households.
        f"UPDATE registry_household SET registered_code = '{village.code}', "
        f"residence_code = '{village.code}', registered_region_id = {village.pk}, "
        f"residence_region_id = {village.pk}",
        "INSERT INTO cases_case (id, number, household_id, applicant_id, programme, "
        "temporary_kind, single_person_unit, status, channel, intake_region_id, "
        "responsible_town_id, intake_code, responsible_code, reason, special_hardship, "
        "submitted_at, paused_working_days, monthly_amount, decision_note, explanation, "
        "version, created_by_id, updated_at, school_stage, temporary_evidence, "
        "temporary_expense_kind) "
        f"SELECT h.i, 'BC' || h.i, h.i, h.i * 4 + 1, 'dibao', '', {false}, 'in_force', "
        f"'window', {town.pk}, {town.pk}, '{village.code}', '{village.code}', '', {false}, "
        f"{now}, 0, 100 + (h.i % 500), '', '{{}}', 0, {user.pk}, {now}, '', '', '' "
        f"FROM {_series(n, 'h')}",
        "INSERT INTO cases_recipient (id, case_id, household_id, person_id, programme, "
        "region_code, status, monthly_amount, members_covered, start_month, end_month, "
        "phase_out_until, review_class, end_reason) "
        f"SELECT h.i, h.i, h.i, NULL, 'dibao', '{village.code}', "
        "CASE WHEN h.i % 97 = 0 THEN 'suspended' WHEN h.i % 89 = 0 THEN 'phase_out' "
        "ELSE 'active' END, 100 + (h.i % 500) + 0.37, 1 + h.i % 4, '2020-01-01', NULL, "
        f"CASE WHEN h.i % 89 = 0 THEN {phase_out_until} ELSE NULL END, 'B', '' "
        f"FROM {_series(n, 'h')}",
        "INSERT INTO payments_bankaccount (household_id, person_id, bank, account_number, "
        "holder_name, valid, note, created_at) "
        "SELECT h.i, h.i * 4 + 1, CASE WHEN h.i % 3 = 0 THEN '中国农业银行' ELSE '平阴农商银行' "
        f"END, '6228' || (100000000000 + h.i), '测试', {true}, '', {now} "
        f"FROM {_series(n, 'h')} WHERE h.i % 50 <> 0",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    seal_loaded("payments_bankaccount", "account_number")
    # Measure the steady state, not the load's aftermath: vacuum now what autovacuum would
    # otherwise vacuum during the measurement, and write the load's pages out.
    with connection.cursor() as cursor:
        if pg:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@benchmark("payroll")
def run(size: int) -> None:
    label, url = _database()
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        _measure(size, label)
    finally:
        _drop(label, url)


def _measure(size: int, label: str) -> None:
    from bench.bench_policy import fill_registry
    from jiuzhu.core.models import Region, User
    from jiuzhu.payments import files, payroll, services
    from jiuzhu.payments.models import line_id_range

    started = time.perf_counter()
    fill_registry(size)
    fill_recipients(size)
    took = time.perf_counter() - started
    print(f"[{label}] generated {size:,} households + recipients in {took:.1f} s")
    _flush_generated(label)
    town = Region.objects.get(code="370124102000")
    actor = User.objects.get(username="bench_admin")
    payroll.read_recipients(town.prefix, MONTH)  # warm the cache: every figure reads warm pages
    best_read = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        rows = payroll.read_recipients(town.prefix, MONTH).n
        best_read = min(best_read, time.perf_counter() - started)
    record(f"payroll_read_{label}", size, best_read, rows=rows)

    marks: dict[int, float] = {}  # the prepare's progress steps, for where its time goes
    started = time.perf_counter()
    made = services.prepare_payroll(
        actor, MONTH, town, lambda percent: marks.setdefault(percent, time.perf_counter())
    )
    prepare_s = time.perf_counter() - started
    after, before = line_id_range(made.pk)
    reads_s = read_floor(READS)
    writes_s = write_floor("payments_payrollline", "*", f"id > {after} AND id < {before}")
    floor_s = reads_s + writes_s
    record(
        f"payroll_floor_{label}",
        size,
        floor_s,
        read_floor_s=round(reads_s, 4),
        write_floor_s=round(writes_s, 4),
    )
    record(
        f"payroll_prepare_{label}",
        size,
        prepare_s,
        baseline=f"payroll_floor_{label}",
        baseline_seconds=floor_s,
        old_baseline=f"payroll_read_{label}",
        old_baseline_seconds=best_read,
        lines=made.line_count,
        goal_ratio=1.5,
        # 5 → 40: the recipients' read; 40 → 60: arrears, compute, claims; 60 → 95: the write
        read_s=round(marks[40] - marks[5], 4),
        compute_s=round(marks[60] - marks[40], 4),
        write_s=round(marks[95] - marks[60], 4),
    )
    services.check_payroll(actor, made)  # the check's difference queries, for the record
    approver = User.objects.create_user("bench_approver", role="county_admin", region=town.parent)
    services.approve_payroll(approver, made)
    bank = "平阴农商银行"
    for fmt, goal in (("csv", 1_000_000), ("xlsx", 60_000)):
        started, cpu = time.perf_counter(), time.process_time()
        out = files.make_payment_file(actor, made, bank, fmt)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        record(
            f"payroll_file_{fmt}_{label}",
            out.rows,
            seconds,
            bytes=Path(out.stored_path).stat().st_size,
            # This process's CPU time: on a shared machine it varies less than the wall time.
            per_cpu_second=round(out.rows / cpu),
            goal_per_second=goal,
        )
        Path(out.stored_path).unlink(missing_ok=True)
