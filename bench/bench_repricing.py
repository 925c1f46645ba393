"""Re-pricing every current dibao recipient after a new standard, beside the bare read.

Figures (bench/results/latest.json):
  repricing_floor  the bare read: binary COPY out of the base tables of exactly the columns
                   the re-pricing reads (the registry's, as the entitlements, and the
                   recipients'), best of two warm reads
  repricing_read   the job's own reads (the recipients' query and the registry's, as the
                   entitlements read them) into columns, nothing computed or written
  repricing_job    the whole computation: read the recipients and the registry, compute
                   each recipient's dibao under the new standard, write the changes
                   (goal ≤ 2 × repricing_floor; the ratio to repricing_read beside it)

Run on a database of its own (households and recipients are generated when it is empty):
  createdb -h 127.0.0.1 -U postgres jiuzhu_bench_repricing
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiuzhu_bench_repricing \
      python -m bench --size 1000000 --only repricing
The new standard (both standards + 100.00 from July 2026) is entered once; each run's
changes are deleted afterwards.
"""

import datetime as dt
import time

from bench.bench_policy import READS as REGISTRY_READS
from bench.common import benchmark, read_floor, record

EFFECTIVE = dt.date(2026, 7, 1)
COMPUTED = dt.date(2026, 12, 1)
READS = {
    **REGISTRY_READS,
    "cases_recipient": "id, household_id, monthly_amount, start_month, programme, status, "
    "person_id",
}


def _new_standard() -> None:
    from jiuzhu.policy.models import Parameter

    for key in ("dibao.standard.urban", "dibao.standard.rural"):
        current = Parameter.objects.filter(key=key, effective_from__lte=EFFECTIVE).last()
        assert current is not None
        Parameter.objects.get_or_create(
            key=key,
            effective_from=EFFECTIVE,
            defaults={"value": f"{float(current.value) + 100:.2f}", "source": "基准测试"},
        )


@benchmark("repricing")
def run(size: int) -> None:
    from bench.bench_policy import _setup, fill_registry

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
        print(f"generated {size:,} households in {time.perf_counter() - started:.1f} s")
    _new_standard()
    n = Recipient.objects.count()
    floor_s = read_floor(READS)
    record("repricing_floor", n, floor_s)
    compute_repricing(EFFECTIVE, computed=COMPUTED)  # warm, as the floor's first read
    started = time.perf_counter()
    read_numbers(recipients_sql(), 4, order=(1,))
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
    )
    _clear()


def _clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # set-based clean-up, not an ORM cascade
        cursor.execute("DELETE FROM cases_repricingchange")
        cursor.execute("DELETE FROM cases_repricing")
