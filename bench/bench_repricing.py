"""Re-pricing every current recipient after a new standard, beside the bare read.

Figures (bench/results/latest.json):
  repricing_floor  the bare read: binary COPY out of the base tables of exactly the columns
                   the re-pricing reads (the registry's, as the entitlements, and the
                   recipients'), best of two warm reads; the write floor (binary COPY in of
                   the rows written, into an unindexed table) beside it as write_floor_s
  repricing_read   the job's own reads (the recipients' query and the registry's, as the
                   entitlements read them) into columns, nothing computed or written
  repricing_job    the whole computation: read the recipients and the registry, compute
                   each recipient's amount under the new standards, write the changes
                   (goal ≤ 2 × repricing_floor; the ratio to repricing_read beside it, and
                   ratio_to_read_write_floor: to the read and the write floors together)

Run on a database of its own (households and recipients are generated when it is empty:
a household dibao recipient per household, and a person-level disability or elderly
subsidy for the members the registry says are disabled or aged 80 and over):
  createdb -h 127.0.0.1 -U postgres jiuzhu_bench_repricing
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiuzhu_bench_repricing \
      python -m bench --size 1000000 --only repricing
The new standards (both dibao standards + 100.00, the nursing subsidy + 30.00 and the
elderly subsidy + 20.00, from July 2026) are entered once; each run's changes are deleted
afterwards.
"""

import datetime as dt
import os
import time
from pathlib import Path

from bench.bench_policy import READS as REGISTRY_READS
from bench.common import benchmark, read_floor, record, write_floor

EFFECTIVE = dt.date(2026, 7, 1)
COMPUTED = dt.date(2026, 12, 1)
READS = {
    **REGISTRY_READS,
    # The care facts (tekun, children): empty here, read by the job all the same.
    "registry_selfcareassessment": "id, person_id, unable_count",
    "registry_carearrangement": "id, person_id, mode",
    "registry_supportercapacity": "person_id, able, superseded",
    "registry_childhardship": "id, child_id, category, education_until",
    "cases_recipient": "id, household_id, monthly_amount, start_month, programme, status, "
    "person_id",
}
WRITES = (
    "id, repricing_id, recipient_id, household_id, programme, town_code, kind, old_fen, "
    "new_fen, arrears_months, arrears_fen, phase_out_months"
)


def _new_standard() -> None:
    from jiuzhu.policy.models import Parameter

    rises = {
        "dibao.standard.urban": 100,
        "dibao.standard.rural": 100,
        "disability.nursing_subsidy": 30,
        "elderly.subsidy": 20,
    }
    for key, rise in rises.items():
        current = Parameter.objects.filter(key=key, effective_from__lte=EFFECTIVE).last()
        assert current is not None
        Parameter.objects.get_or_create(
            key=key,
            effective_from=EFFECTIVE,
            defaults={"value": f"{float(current.value) + rise:.2f}", "source": "基准测试"},
        )


@benchmark("repricing")
def run(size: int) -> None:
    from bench.bench_policy import _setup, fill_registry

    if not os.environ.get("DATABASE_URL"):
        # A SQLite file of its own: the policy bench's (the default) holds households
        # without recipients, which this one would generate again under the same ids.
        os.environ["JIUZHU_DATA_DIR"] = str(Path(os.environ["JIUZHU_DATA_DIR"]) / "repricing")
    _setup()
    from bench.bench_payroll import fill_recipients
    from jiuzhu.cases.models import Recipient
    from jiuzhu.cases.repricing import compute_repricing, recipients_sql
    from jiuzhu.core.columnar import read_numbers
    from jiuzhu.policy.batch import read_registry

    if not Recipient.objects.exists():
        started = time.perf_counter()
        fill_registry(size)
        fill_recipients(size)
        fill_person_recipients(size)
        print(f"generated {size:,} households in {time.perf_counter() - started:.1f} s")
    _new_standard()
    n = Recipient.objects.count()
    floor_s = read_floor(READS)
    compute_repricing(EFFECTIVE, computed=COMPUTED)  # warm, as the floor's first read
    started = time.perf_counter()
    read_numbers(recipients_sql(), 7, order=(1,))
    read_registry()
    read_s = time.perf_counter() - started
    record("repricing_read", n, read_s)
    best, rows = float("inf"), 0
    for _ in range(2):
        _clear()
        started = time.perf_counter()
        repricing = compute_repricing(EFFECTIVE, computed=COMPUTED)
        best = min(best, time.perf_counter() - started)
        rows = repricing.changes.count()
    write_s = write_floor("cases_repricingchange", WRITES, f"repricing_id = {repricing.pk}")
    record("repricing_floor", n, floor_s, write_floor_s=round(write_s, 4))
    record(
        "repricing_job",
        n,
        best,
        baseline="repricing_floor",
        baseline_seconds=floor_s,
        old_baseline="repricing_read",
        old_baseline_seconds=read_s,
        changes_written=rows,
        goal_ratio=2.0,
        ratio_to_read_write_floor=round(best / (floor_s + write_s), 2),
    )
    _clear()


def fill_person_recipients(n: int) -> None:
    """A disability subsidy for each disabled member, else an elderly subsidy for each
    member born before December 1946 (aged 80 by the effective month), with its case."""
    from django.db import connection, transaction

    from jiuzhu.core.models import Region, User

    town = Region.objects.get(code="370124102000")
    village = "370124102201"
    user = User.objects.get(username="bench_admin")
    pg = connection.vendor == "postgresql"
    now = "now()" if pg else "datetime('now')"
    false = "false" if pg else "0"
    chosen = (
        "FROM registry_person p JOIN registry_membership m ON m.person_id = p.id "
        "WHERE m.end_date IS NULL AND (p.disability_grade > 0 OR p.birth_date < '1946-12-01')"
    )
    programme = "CASE WHEN p.disability_grade > 0 THEN 'disability' ELSE 'elderly' END"
    amount = "CASE WHEN p.disability_grade BETWEEN 1 AND 2 THEN 180 ELSE 90 END"
    statements = [
        "INSERT INTO cases_case (id, number, household_id, applicant_id, beneficiary_id, "
        "programme, temporary_kind, temporary_expense_kind, temporary_evidence, school_stage, "
        "single_person_unit, status, channel, intake_region_id, responsible_town_id, "
        "intake_code, responsible_code, reason, special_hardship, submitted_at, "
        "paused_working_days, monthly_amount, decision_note, explanation, version, "
        "created_by_id, updated_at) "
        f"SELECT {n} + p.id, 'BP' || p.id, m.household_id, p.id, p.id, {programme}, '', '', "
        f"'', '', {false}, 'in_force', 'window', {town.pk}, {town.pk}, '{village}', "
        f"'{village}', '', {false}, {now}, 0, {amount}, '', '{{}}', 0, {user.pk}, {now} " + chosen,
        "INSERT INTO cases_recipient (id, case_id, household_id, person_id, programme, "
        "region_code, status, monthly_amount, members_covered, start_month, end_month, "
        "phase_out_until, review_class, end_reason) "
        f"SELECT {n} + p.id, {n} + p.id, m.household_id, p.id, {programme}, '{village}', "
        f"'active', {amount}, 1, '2020-01-01', NULL, NULL, 'B', '' " + chosen,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if pg else "ANALYZE")


def _clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # set-based clean-up, not an ORM cascade
        # The bench's own rows only: emptied, so that each run writes into a clean table.
        cursor.execute(
            "TRUNCATE cases_repricingchange"
            if connection.vendor == "postgresql"
            else "DELETE FROM cases_repricingchange"
        )
        cursor.execute("DELETE FROM cases_repricing")
