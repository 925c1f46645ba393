"""Refreshing the overview's figures (MonthlyFigure) from the locked payrolls.

A town-month is recomputed whole, in one transaction, from its payrolls' lines (found by
primary-key range, so a month costs what its lines cost, whatever the table holds): two
GROUP BY queries (the lines in one hashed pass, then the few failed ones), by village and
programme, merged into a few hundred rows. It runs as a background task when a payroll
is locked or its bank results arrive, and nightly
(`jiuzhu refresh_overview`) for every town-month whose payrolls or results changed since;
an interrupted run resumes with the town-months not yet done.
"""

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.dispatch import receiver
from django.utils import timezone

from jiuzhu.cases.models import Case
from jiuzhu.core.models import Region, User
from jiuzhu.core.months import add_months, first_of_month
from jiuzhu.core.tasks import enqueue, task
from jiuzhu.dashboard.models import CaseFigure, MonthlyFigure, RefreshedMonth
from jiuzhu.payments.models import (
    LineKind,
    PaymentFile,
    Payroll,
    ResultStatus,
    line_id_range,
)
from jiuzhu.payments.signals import payroll_changed

TASK_KIND = "dashboard.refresh"

TownMonth = tuple[dt.date, str]  # (first of month, town code)


def _signature(payrolls: list[int]) -> dict[str, Any]:
    """What the figures of a town-month were computed from: its locked payrolls and the
    last time bank results arrived for them."""
    results = PaymentFile.objects.filter(payroll_id__in=payrolls).aggregate(
        last=Max("results_imported_at")
    )["last"]
    return {"payrolls": sorted(payrolls), "results": results.isoformat() if results else ""}


def _ranges(payrolls: list[int]) -> tuple[str, list[int]]:
    """SQL matching the lines of these payrolls by primary-key range."""
    conditions: list[str] = []
    params: list[int] = []
    for payroll_id in payrolls:
        conditions.append("(l.id > %s AND l.id < %s)")
        params.extend(line_id_range(payroll_id))
    return "(" + " OR ".join(conditions) + ")", params


def _sums(payrolls: list[int]) -> Iterable[tuple[str, str, int, int, int, int]]:
    """(village, programme, recipients, households, persons, fen) of the lines, in one
    hashed pass. A recipient has one regular line in its month's payroll (arrears and
    re-issues have their own kinds), so recipients and persons are sums over regular lines;
    households sum the line that marks each household's first one (a town-month has one
    regular payroll), so nothing sorts the lines."""
    where, params = _ranges(payrolls)
    sql = (
        "SELECT l.region_code, l.programme, "
        "SUM(CASE WHEN l.kind = %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN l.household_first THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN l.kind = %s THEN l.members ELSE 0 END), SUM(l.net_fen) "
        f"FROM payments_payrollline l WHERE {where} GROUP BY l.region_code, l.programme"
    )
    regular = LineKind.REGULAR.value
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A few hundred groups from one scan: compiling the plan costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [regular, regular, *params])
        return cursor.fetchall()


def _failed(payrolls: list[int]) -> Iterable[tuple[str, str, int]]:
    """(village, programme, fen) of the lines the bank reported failed: found from the
    few results by their line ids, not by joining every line to its result."""
    conditions: list[str] = []
    params: list[int] = []
    for payroll_id in payrolls:
        conditions.append("(res.line_id > %s AND res.line_id < %s)")
        params.extend(line_id_range(payroll_id))
    sql = (
        "SELECT l.region_code, l.programme, SUM(l.net_fen) FROM payments_lineresult res "
        "JOIN payments_payrollline l ON l.id = res.line_id "
        f"WHERE res.status = %s AND ({' OR '.join(conditions)}) "
        "GROUP BY l.region_code, l.programme"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ResultStatus.FAILED.value, *params])
        return cursor.fetchall()


def refresh_town_month(month: dt.date, town_code: str) -> int:
    """Recompute one town's figures for one month; returns the rows written."""
    payrolls = list(
        Payroll.objects.filter(month=month, town_code=town_code, locked=True).values_list(
            "pk", flat=True
        )
    )
    prefix = town_code[:9]
    figures: dict[tuple[str, str], MonthlyFigure] = {}
    with transaction.atomic():
        signature = _signature(payrolls)
        if payrolls:
            for village, programme, recipients, households, persons, fen in _sums(payrolls):
                figures[(village, programme)] = MonthlyFigure(
                    month=month,
                    region_code=village,
                    programme=programme,
                    recipients=int(recipients or 0),
                    households=int(households or 0),
                    persons=int(persons or 0),
                    amount_fen=int(fen or 0),
                )
            # Results come only from an imported results file (payments/files.py): none
            # imported, none failed.
            for village, programme, fen in _failed(payrolls) if signature["results"] else ():
                figures[(village, programme)].amount_fen -= int(fen or 0)
        MonthlyFigure.objects.filter(month=month, region_code__startswith=prefix).delete()
        MonthlyFigure.objects.bulk_create(figures.values(), batch_size=2000)
        RefreshedMonth.objects.update_or_create(
            month=month,
            town_code=town_code,
            defaults={"refreshed_at": timezone.now(), "payrolls": signature},
        )
    return len(figures)


def stale_town_months() -> list[TownMonth]:
    """Town-months whose locked payrolls or bank results changed since their figures."""
    locked: dict[TownMonth, list[int]] = {}
    for pk, month, town_code in Payroll.objects.filter(locked=True).values_list(
        "pk", "month", "town_code"
    ):
        locked.setdefault((month, town_code), []).append(pk)
    done = {
        (r.month, r.town_code): r.payrolls
        for r in RefreshedMonth.objects.only("month", "town_code", "payrolls")
    }
    # A town-month refreshed once and since emptied (a discarded payroll) is recomputed too.
    wanted = set(locked) | {key for key, seen in done.items() if seen.get("payrolls")}
    return sorted(key for key in wanted if done.get(key) != _signature(locked.get(key, [])))


def all_town_months() -> list[TownMonth]:
    """Every town-month with a locked payroll (a full rebuild)."""
    return sorted(
        set(Payroll.objects.filter(locked=True).values_list("month", "town_code").distinct())
    )


def refresh_case_figures(since: dt.date) -> int:
    """Recompute the timeliness figures of every town from the month `since` on."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    counts: dict[tuple[dt.date, int], CaseFigure] = {}

    def figure(month: dt.datetime | dt.date, town_id: int) -> CaseFigure:
        day = month.date() if isinstance(month, dt.datetime) else month
        return counts.setdefault((day, town_id), CaseFigure(month=day))

    decided = (
        Case.objects.filter(decided_at__gte=start, decision_due__isnull=False)
        .annotate(month=TruncMonth("decided_at"), day=TruncDate("decided_at"))
        .values_list("month", "responsible_town_id")
        .annotate(n=Count("id"), kept=Count("id", filter=Q(day__lte=F("decision_due"))))
    )
    for month, town_id, n, kept in decided:
        row = figure(month, town_id)
        row.decided, row.decided_in_time = n, kept
    advance = (
        Case.objects.filter(submitted_at__gte=start, advance_for__isnull=False)
        .annotate(month=TruncMonth("submitted_at"))
        .values_list("month", "responsible_town_id")
        .annotate(
            n=Count("id"),
            kept=Count("id", filter=Q(decided_at__lte=F("advance_due_at"))),
        )
    )
    for month, town_id, n, kept in advance:
        row = figure(month, town_id)
        row.advance, row.advance_in_time = n, kept
    codes = dict(Region.objects.filter(pk__in={t for _, t in counts}).values_list("pk", "code"))
    for (_, town_id), row in counts.items():
        row.town_code = codes[town_id]
    with transaction.atomic():
        CaseFigure.objects.filter(month__gte=since).delete()
        CaseFigure.objects.bulk_create(counts.values(), batch_size=2000)
    return len(counts)


def refresh(
    town_months: list[TownMonth] | None = None,
    progress: Callable[[int], None] = lambda p: None,
    timeliness: bool = False,
) -> dict[str, int]:
    """Refresh these town-months (or every stale one), each committed on its own; with
    `timeliness` (the nightly run) also the last thirteen months' timeliness figures."""
    todo = stale_town_months() if town_months is None else town_months
    case_rows = (
        refresh_case_figures(add_months(first_of_month(timezone.localdate()), -12))
        if timeliness
        else 0
    )
    rows = 0
    for number, (month, town_code) in enumerate(todo, start=1):
        rows += refresh_town_month(month, town_code)
        progress(number * 100 // len(todo))
    progress(100)
    return {"town_months": len(todo), "rows": rows, "case_rows": case_rows}


@task(TASK_KIND)
def refresh_task(params: dict[str, Any], report: Callable[[int], None]) -> dict[str, Any]:
    months = params.get("town_months")
    wanted = (
        None
        if months is None
        else [(dt.date.fromisoformat(month), town_code) for month, town_code in months]
    )
    return refresh(wanted, report)


_deferred = threading.local()


@contextmanager
def refresh_deferred() -> Iterator[None]:
    """Within this block payroll changes queue no refresh: a bulk job (the demo's year of
    payrolls) refreshes once at its end instead of starting a task per payroll."""
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = False


@receiver(payroll_changed)
def _refresh_after_payroll(sender: Any, payroll: Payroll, actor: User, **kwargs: Any) -> None:
    if getattr(_deferred, "active", False):
        return
    enqueue(actor, TASK_KIND, {"town_months": [[payroll.month.isoformat(), payroll.town_code]]})
