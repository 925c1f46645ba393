"""Monthly payroll for N recipient households, beside the bare read of the same rows.

Figures (bench/results/latest.json):
  payroll_read      the bare read of the rows the payroll reads (the floor): the payroll's own
                    query (recipients, head, payee name and ID number, valid account) into
                    the same columns, nothing computed or written
  payroll_prepare   the whole prepare of one town's payroll: read, compute, write lines with
                    the payee/account snapshot (goal ≤ 2 × payroll_read)
  payroll_file_csv  payment file writing rate (rows/s), CSV with BOM
  payroll_file_xlsx payment file writing rate (rows/s), XLSX (openpyxl write-only)

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

from bench.common import benchmark, record, seal_loaded

MONTH = dt.date(2026, 12, 1)
PG_NAME = "jiuzhu_bench_payroll"


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
        "version, created_by_id, updated_at) "
        f"SELECT h.i, 'BC' || h.i, h.i, h.i * 4 + 1, 'dibao', '', {false}, 'in_force', "
        f"'window', {town.pk}, {town.pk}, '{village.code}', '{village.code}', '', {false}, "
        f"{now}, 0, 100 + (h.i % 500), '', '{{}}', 0, {user.pk}, {now} FROM {_series(n, 'h')}",
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
    from jiuzhu.core.columnar import read_columns
    from jiuzhu.core.models import Region, User
    from jiuzhu.payments import files, payroll, services

    started = time.perf_counter()
    fill_registry(size)
    fill_recipients(size)
    took = time.perf_counter() - started
    print(f"[{label}] generated {size:,} households + recipients in {took:.1f} s")
    _flush_generated(label)
    town = Region.objects.get(code="370124102000")
    actor = User.objects.get(username="bench_admin")
    sql, params = payroll.recipients_sql(town.prefix, MONTH)
    columns = (sql, params, len(payroll.RECIPIENT_NUMBERS), payroll.DETAIL_COLUMNS)
    read_columns(*columns)  # warm the cache: every figure reads warm pages
    best_read = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        numbers, _ = read_columns(*columns)
        best_read = min(best_read, time.perf_counter() - started)
    rows = len(numbers[0])
    record(f"payroll_read_{label}", size, best_read, rows=rows)

    started = time.perf_counter()
    made = services.prepare_payroll(actor, MONTH, town)
    prepare_s = time.perf_counter() - started
    record(
        f"payroll_prepare_{label}",
        size,
        prepare_s,
        baseline=f"payroll_read_{label}",
        baseline_seconds=best_read,
        lines=made.line_count,
        goal_ratio=2.0,
    )
    services.check_payroll(actor, made)  # the check's difference queries, for the record
    approver = User.objects.create_user("bench_approver", role="county_admin", region=town.parent)
    services.approve_payroll(approver, made)
    bank = "平阴农商银行"
    for fmt in ("csv", "xlsx"):
        started = time.perf_counter()
        out = files.make_payment_file(actor, made, bank, fmt)
        seconds = time.perf_counter() - started
        record(
            f"payroll_file_{fmt}_{label}",
            out.rows,
            seconds,
            bytes=Path(out.stored_path).stat().st_size,
        )
        Path(out.stored_path).unlink(missing_ok=True)
