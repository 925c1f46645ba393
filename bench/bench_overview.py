"""The overview: refreshing its figures after a payroll, and answering its pages.

Figures (bench/results/latest.json):
  overview_group_by   the bare GROUP BY of one month's payroll lines by village and
                      programme (count, sum): the floor of any aggregate over them
  overview_refresh    recomputing that town-month's figures (recipients, households,
                      persons, the amount less failed payments) and writing them
                      (goal ≤ 2 × overview_group_by)
  overview_page_p95   the county overview page, p95 of OVERVIEW_REQUESTS requests through
                      Django's whole stack (goal < 200 ms); per_second is requests/s
  overview_town_p95   the same for a town's page

  python -m bench --size 1000000 --only overview                     (SQLite file)
  BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres \\
      python -m bench --size 1000000 --only overview                 (PostgreSQL)

The households, recipients and accounts are bench_payroll's (one town holds them all);
OVERVIEW_MONTHS payrolls are prepared and approved, so the lines table holds that many
months of lines and the refresh reads one month among them.
"""

import datetime as dt
import os
import time

from bench.bench_payroll import MONTH, _database, _drop, _flush_generated, fill_recipients
from bench.common import benchmark, percentile, record

PG_NAME = "jiuzhu_bench_overview"
MONTHS = int(os.environ.get("OVERVIEW_MONTHS", "3"))
REQUESTS = int(os.environ.get("OVERVIEW_REQUESTS", "60"))


@benchmark("overview")
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


def _paid_months(label: str) -> list[int]:
    """MONTHS payrolls of the bench town, prepared, checked and approved; their ids."""
    from jiuzhu.core.models import Region, User
    from jiuzhu.core.months import add_months
    from jiuzhu.dashboard import figures
    from jiuzhu.payments import services

    town = Region.objects.get(code="370124102000")
    preparer = User.objects.get(username="bench_admin")
    approver = User.objects.create_user("bench_approver", role="county_admin", region=town.parent)
    made = []
    with figures.refresh_deferred():  # refreshed below, under the timer
        for number in range(MONTHS):
            month = add_months(MONTH, number - MONTHS + 1)
            payroll = services.prepare_payroll(preparer, month, town)
            services.check_payroll(approver, payroll)
            services.approve_payroll(approver, payroll)
            made.append(payroll.pk)
    _flush_generated(label)
    return made


def _group_by(payroll_id: int) -> float:
    """The bare aggregate of one payroll's lines, best of two (warm)."""
    from django.db import connection

    from jiuzhu.payments.models import line_id_range

    sql = (
        "SELECT region_code, programme, COUNT(*), SUM(net_fen) FROM payments_payrollline "
        "WHERE id > %s AND id < %s GROUP BY region_code, programme"
    )
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, list(line_id_range(payroll_id)))
            cursor.fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def _refresh(month: dt.date) -> float:
    from jiuzhu.dashboard import figures

    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        figures.refresh_town_month(month, "370124102000")
        best = min(best, time.perf_counter() - started)
    return best


def _page_p95(path: str) -> tuple[float, float]:
    """(p95 seconds, requests per second) of a page as the county administrator."""
    from django.test import Client

    from jiuzhu.core.models import User
    from tests.factories import pass_second_step

    client = Client(HTTP_HOST="127.0.0.1")
    user = User.objects.get(username="bench_approver")
    client.force_login(user)
    pass_second_step(client, user)  # a county administrator signs in with two factors
    assert client.get(path).status_code == 200  # warm
    times = []
    started = time.perf_counter()
    for _ in range(REQUESTS):
        one = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - one)
        assert response.status_code == 200
    return percentile(times, 0.95), REQUESTS / (time.perf_counter() - started)


def _measure(size: int, label: str) -> None:
    from bench.bench_policy import fill_registry
    from jiuzhu.dashboard import figures
    from jiuzhu.payments.models import Payroll

    started = time.perf_counter()
    fill_registry(size)
    fill_recipients(size)
    payrolls = _paid_months(label)
    took = time.perf_counter() - started
    print(f"[{label}] {size:,} households, {MONTHS} months paid in {took:.1f} s")
    last = Payroll.objects.get(pk=payrolls[-1])
    group_by = _group_by(last.pk)
    record(f"overview_group_by_{label}", size, group_by, lines=last.line_count)
    refresh = _refresh(last.month)
    record(
        f"overview_refresh_{label}",
        size,
        refresh,
        baseline=f"overview_group_by_{label}",
        baseline_seconds=group_by,
        lines=last.line_count,
        goal_ratio=2.0,
    )
    figures.refresh(timeliness=True)  # the other months and the timeliness figures
    for name, path in (("page", "/overview/"), ("town", "/overview/?region=370124102000")):
        p95, rate = _page_p95(path)
        record(
            f"overview_{name}_p95_{label}",
            REQUESTS,
            p95,
            requests_per_second=round(rate, 1),
            goal_seconds=0.2,
        )
