"""Excel export of a staff list: every row of the filter, streamed, in flat memory.

Figures (bench/results/latest.json):
  export_xlsx_tenth   a tenth of the rows exported (the baseline)
  export_xlsx         every row: a village's recipients (bench_payroll puts the N households
                      in one village), through core.lists.xlsx_response as the page does it
                      (goal < 10 s for 100,000 rows; traced Python memory must not grow with
                      the rows: memory_ratio ≈ 1)

  python -m bench --size 100000 --only exports
"""

import os
import time
import tracemalloc
from typing import Any

from bench.bench_payroll import _database, _drop, fill_recipients
from bench.common import benchmark, record

PG_NAME = os.environ.get("BENCH_DB_PREFIX", "jiuzhu_bench") + "_exports"


@benchmark("exports")
def run(size: int) -> None:
    label, url = _database(PG_NAME)
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        _measure(size, label)
    finally:
        _drop(label, url, PG_NAME)


def _export(rows: Any, traced: bool) -> tuple[float, float, int]:
    """(seconds, traced peak MiB or 0, bytes) of one export, read to its end as a client
    would. Timed untraced: tracing Python's allocations slows it several times."""
    from jiuzhu.core.lists import xlsx_response
    from jiuzhu.dashboard.views import RECIPIENT_COLUMNS

    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    response = xlsx_response("recipients", "救助对象", RECIPIENT_COLUMNS, rows)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    peak = 0.0
    if traced:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak, size


def _measure(size: int, label: str) -> None:
    from bench.bench_policy import fill_registry
    from jiuzhu.core.models import Region
    from jiuzhu.dashboard.selectors import recipients_of_village

    fill_registry(size)
    fill_recipients(size)
    village = Region.objects.get(code="370124102201")
    rows = recipients_of_village(village).order_by("pk")
    tenth = size // 10
    small_s, _, _ = _export(rows.filter(pk__lte=tenth), traced=False)
    small_peak = _export(rows.filter(pk__lte=tenth), traced=True)[1]
    record(f"export_xlsx_tenth_{label}", tenth, small_s, traced_peak_mb=round(small_peak, 1))
    full_s, _, full_bytes = _export(rows, traced=False)
    full_peak = _export(rows, traced=True)[1]
    record(
        f"export_xlsx_{label}",
        size,
        full_s,
        baseline=f"export_xlsx_tenth_{label}",
        baseline_seconds=small_s,
        traced_peak_mb=round(full_peak, 1),
        memory_ratio=round(full_peak / small_peak, 2) if small_peak else None,
        bytes=full_bytes,
        goal_seconds=10.0,
    )
