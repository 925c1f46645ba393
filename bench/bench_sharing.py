"""Data shared with departments over N recipient households (the payroll bench's county).

Figures (bench/results/latest.json):
  sharing_page        a page of 500 rows of the recipients feed through the whole request
                      (token, area, cursor, persons covered, access log): p95 over pages
                      walked by cursor from the start (the cursor's pages, not offsets)
  sharing_sync_empty  an incremental sync that finds nothing changed (since=last_modified)
  sharing_304         the same with If-Modified-Since: 304, no body
  exchange_export     export_exchange for the month: recipients.csv (one row per person
                      covered) and manifest; rows/s and peak memory

  python -m bench --size 100000 --only sharing                       (SQLite file)
  BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres \
      python -m bench --size 100000 --only sharing                   (PostgreSQL)
"""

import os
import statistics
import time
from pathlib import Path

from bench.common import benchmark, record

PG_NAME = "jiuzhu_bench_sharing"
PAGES = 20


@benchmark("sharing")
def run(size: int) -> None:
    from bench.bench_payroll import _database, _drop

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


def _measure(size: int, label: str) -> None:
    import tempfile

    from django.test import Client
    from django.utils import timezone

    from bench.bench_payroll import MONTH, _flush_generated, fill_recipients
    from bench.bench_policy import fill_registry
    from jiuzhu.api.exchange import export_month
    from jiuzhu.cases.models import Recipient
    from jiuzhu.core.models import Region, User
    from jiuzhu.core.tokens import issue_partner_token

    fill_registry(size)
    fill_recipients(size)
    # Stamped as the services stamp them (the raw load leaves SQLite's default format).
    Recipient.objects.update(updated_at=timezone.now())
    _flush_generated(label)
    county = Region.objects.get(code="370124000000")
    admin = User.objects.get(username="bench_admin")
    officer = User.objects.create_user(
        "bench_officer", role="department_officer", region=county, department="县医疗保障局"
    )
    _, clear = issue_partner_token(admin, officer, ["sharing.recipients"])
    client = Client(HTTP_AUTHORIZATION=f"Token {clear}", HTTP_HOST="localhost")
    path = "/api/sharing/recipients/"
    query = {"month": f"{MONTH:%Y-%m}", "limit": 500}

    client.get(path, {**query, "limit": 1})  # warm: imports, the token's first use
    seconds, cursor, body = [], None, {}
    for _ in range(PAGES):
        started = time.perf_counter()
        response = client.get(path, {**query, **({"cursor": cursor} if cursor else {})})
        seconds.append(time.perf_counter() - started)
        body = response.json()
        cursor = body["next_cursor"]
        if cursor is None:
            break
    p95 = statistics.quantiles(seconds, n=20)[-1] if len(seconds) > 1 else seconds[0]
    record(
        f"sharing_page_{label}",
        size,
        p95,
        pages=len(seconds),
        rows_per_page=500,
        median=round(statistics.median(seconds), 4),
    )

    started = time.perf_counter()
    empty = client.get(path, {**query, "since": body["last_modified"]})
    record(f"sharing_sync_empty_{label}", size, time.perf_counter() - started)
    assert empty.json()["results"] == []
    started = time.perf_counter()
    not_modified = client.get(path, query, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    record(f"sharing_304_{label}", size, time.perf_counter() - started)
    assert not_modified.status_code == 304

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        target = export_month(admin, MONTH, Path(folder) / "out")
        took = time.perf_counter() - started
        rows = sum(1 for _ in (target / "recipients.csv").open(encoding="utf-8")) - 1
        record(f"exchange_export_{label}", rows, took, households=size)
