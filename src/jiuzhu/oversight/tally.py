"""The evaluation's tally (绩效评价统计): every indicator of every town for each month of a
year, counted from the data county-wide in set-based grouped queries and kept in
EvaluationTally, so that the yearly scores of all towns are read from a few hundred rows
(oversight/evaluation.py) however many households the county has.

Events are counted in the month they fell due or happened:
  decisions    applications decided in the month, and those decided within their deadline
  advance      advance aid (先行救助) due in the month, and paid within its 24 hours
  spot_checks  spot checks recorded in the month, and those that found no error
  complaints   complaints due in the month, and those answered by their deadline
  alerts       risk alerts first raised in the month, and those concluded
  leads        leads whose triage was due in the month, and those triaged in time
States are counted as of the tally's day (the year's end for a past year), in its month:
  reviews      recipients in force, and those whose periodic review is not overdue
  visits       people on a visit plan, and those visited within their group's interval
  coverage     households receiving assistance, and those on the monitoring list
  funds        the towns' budget for the year (fen), and what was paid of it
  roster       staff posts the policy requires, and those filled
  usage        recipients in force, and those whose decision was taken in the platform
  faults       staff errors reviewed in the year, and those not tolerated (a penalty)
A background task runs it (the evaluation page queues it; the demo runs it once).
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Case, Recipient, SpotCheck
from jiuzhu.core import tasks
from jiuzhu.core.models import Region, RegionLevel, Task, User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.funds.models import Budget, Level
from jiuzhu.outreach import figures
from jiuzhu.oversight.models import (
    Alert,
    AlertStatus,
    Complaint,
    ComplaintStatus,
    EvaluationTally,
    FaultToleranceRecord,
)
from jiuzhu.payments.selectors import paid_by_month

TOWN_PREFIX = 9
Cells = dict[tuple[str, int], tuple[int, int]]  # (town prefix, month) → (done, due)


def _town(code: str) -> str:
    return code[:TOWN_PREFIX]


def _add(cells: Cells, code: str, month: int, done: int, due: int) -> None:
    key = (_town(code), month)
    before = cells.get(key, (0, 0))
    cells[key] = (before[0] + done, before[1] + due)


def _by_month(rows: QuerySet, code_field: str, month_field: str, done: Q | RawSQL) -> Cells:
    """(done, due) per town and month: grouped by the full region code and month in SQL,
    the few hundred villages then added up to their towns here."""
    grouped = (
        rows.annotate(month=ExtractMonth(month_field))
        .values_list(code_field, "month")
        .annotate(due=Count("pk"), done=Count("pk", filter=done))
        .values_list(code_field, "month", "done", "due")
    )
    cells: Cells = {}
    for code, month, done_n, due_n in grouped:
        _add(cells, code, month, done_n, due_n)
    return cells


def _in_month(counts: Iterable[tuple[str, tuple[int, int]]], month: int) -> Cells:
    cells: Cells = {}
    for code, (done, due) in counts:
        _add(cells, code, month, done, due)
    return cells


def _decided_in_time() -> RawSQL:
    """Decided by the end of the deadline's day, local time: decided_at (UTC) before the
    local midnight that ends that day, computed by the database itself."""
    zone = timezone.get_current_timezone()
    if connection.vendor == "postgresql":
        return RawSQL(
            "decided_at < ((decision_due + 1)::timestamp AT TIME ZONE %s)",
            [str(zone)],
            output_field=BooleanField(),
        )
    # SQLite keeps UTC text; China has one fixed offset, no daylight saving.
    offset = zone.utcoffset(dt.datetime(2020, 1, 1)) or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return RawSQL(
        "decided_at < datetime(decision_due, '+1 day', %s)",
        [f"{-minutes:+d} minutes"],
        output_field=BooleanField(),
    )


def _year(field: str, year: int, moment: bool = False) -> Q:
    """A range on `field` covering the year (an index can serve a range)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if moment:
        start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
        end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
        return Q(**{f"{field}__gte": start_at, f"{field}__lt": end_at})
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _events(year: int) -> dict[str, Cells]:
    leads: Cells = {}
    for (code, month), (done, due) in figures.leads_triaged(year).items():
        _add(leads, code, month, done, due)
    return {
        "decisions": _by_month(
            Case.objects.filter(_year("decided_at", year, True), decision_due__isnull=False),
            "responsible_code",
            "decided_at",
            _decided_in_time(),
        ),
        "advance": _by_month(
            Case.objects.filter(_year("advance_due_at", year, True)),
            "responsible_code",
            "advance_due_at",
            Q(advance_payment__paid_at__lte=F("advance_due_at")),
        ),
        "spot_checks": _by_month(
            SpotCheck.objects.filter(_year("recorded_at", year, True), problem_found__isnull=False),
            "case__responsible_code",
            "recorded_at",
            Q(problem_found=False),
        ),
        "complaints": _by_month(
            Complaint.objects.filter(_year("due_on", year)),
            "region_code",
            "due_on",
            Q(status=ComplaintStatus.REPLIED, replied_at__date__lte=F("due_on")),
        ),
        "alerts": _by_month(
            Alert.objects.filter(_year("first_scan__as_of", year)),
            "town_code",
            "first_scan__as_of",
            Q(status=AlertStatus.CONCLUDED),
        ),
        "leads": leads,
        "faults": _by_month(
            FaultToleranceRecord.objects.filter(_year("reviewed_at", year, True)),
            "region_code",
            "reviewed_at",
            Q(tolerated=False),
        ),
    }


def _recipients(as_of: dt.date) -> dict[str, Cells]:
    """Reviews, coverage and usage in one pass over the recipients in force."""
    month = as_of.month
    listed = figures.is_monitored(as_of)
    rows = (
        Recipient.objects.filter(status__in=ACTIVE_RECIPIENT_STATUSES)
        .annotate(listed=listed)
        .values_list("region_code")
        .annotate(
            due=Count("pk"),
            reviewed=Count(
                "pk", filter=Q(next_review_on__isnull=True) | Q(next_review_on__gte=as_of)
            ),
            platform=Count("pk", filter=Q(case__decided_by__isnull=False)),
            households=Count("household_id", distinct=True),
            monitored=Count("household_id", distinct=True, filter=Q(listed=True)),
        )
        .values_list("region_code", "due", "reviewed", "platform", "households", "monitored")
    )
    cells: dict[str, Cells] = {"reviews": {}, "usage": {}, "coverage": {}}
    for code, due, reviewed, platform, households, monitored in rows:
        _add(cells["reviews"], code, month, reviewed, due)
        _add(cells["usage"], code, month, platform, due)
        _add(cells["coverage"], code, month, monitored, households)
    return cells


def _funds(year: int, as_of: dt.date) -> Cells:
    """Each town's budget lines of the year, and what was paid of them (at most all)."""
    budget: dict[str, int] = {}
    for code, fen in Budget.objects.filter(year=year, level=Level.TOWN).values_list(
        "region_code", "amount_fen"
    ):
        budget[_town(code)] = budget.get(_town(code), 0) + fen
    paid: dict[str, int] = {}
    for month, _, code, fen in paid_by_month(year, ""):
        if month <= as_of.month or as_of.year > year:
            paid[_town(code)] = paid.get(_town(code), 0) + fen
    return _in_month(
        ((town, (min(paid.get(town, 0), fen), fen)) for town, fen in budget.items()), as_of.month
    )


def count(year: int, as_of: dt.date) -> dict[str, Cells]:
    """Every indicator's cells for the year, states as of `as_of`."""
    cells = _events(year)
    cells.update(_recipients(as_of))
    cells["visits"] = _in_month(figures.visits_on_schedule(as_of).items(), as_of.month)
    cells["roster"] = _in_month(figures.posts_filled(as_of).items(), as_of.month)
    cells["funds"] = _funds(year, as_of)
    return cells


def tally_year(actor: User, year: int, today: dt.date | None = None) -> int:
    """Count the year again and replace its rows; returns how many were written."""
    require(actor, Capability.TRACK_TASKS)
    today = today or timezone.localdate()
    as_of = min(today, dt.date(year, 12, 31))
    cells = count(year, as_of)
    towns = {
        _town(code)
        for code in Region.objects.filter(level=RegionLevel.TOWN).values_list("code", flat=True)
    }
    now = timezone.now()
    rows = [
        EvaluationTally(
            year=year,
            month=month,
            town_code=town,
            indicator=indicator,
            done=done,
            due=due,
            as_of=as_of,
            computed_at=now,
        )
        for indicator, by_cell in cells.items()
        for (town, month), (done, due) in by_cell.items()
        if town in towns
    ]
    with transaction.atomic():
        EvaluationTally.objects.filter(year=year).delete()
        EvaluationTally.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


TASK_KIND = "oversight.evaluation_tally"


@tasks.task(TASK_KIND)
def tally_task(params: dict[str, Any], report: tasks.Report) -> dict[str, Any]:
    """The tally as a background task (a county's year is no page's work)."""
    actor = User.objects.get(pk=params["actor"])
    rows = tally_year(actor, int(params["year"]))
    report(100)
    return {"year": params["year"], "rows": rows}


def start_tally(actor: User, year: int) -> Task:
    require(actor, Capability.TRACK_TASKS)
    return tasks.enqueue(actor, TASK_KIND, {"actor": actor.pk, "year": year})
