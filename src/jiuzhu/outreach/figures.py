"""Outreach figures for the towns' evaluation (oversight/tally.py), county-wide and
set-based: visits on schedule, leads triaged in time, the monitoring list, staff posts
filled. Each answers per region code (a village's or a town's); the caller adds them up to
towns."""

import datetime as dt

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractMonth

from jiuzhu.core.models import Region
from jiuzhu.outreach.models import (
    Lead,
    LeadStatus,
    MonitoredHousehold,
    RosterEntry,
    VisitTarget,
)
from jiuzhu.outreach.parameters import Outreach
from jiuzhu.outreach.roster import gaps_of

Counts = dict[str, tuple[int, int]]  # region code → (done, due)


def _add(counts: Counts, code: str, done: int, due: int) -> None:
    before = counts.get(code, (0, 0))
    counts[code] = (before[0] + done, before[1] + due)


def visits_on_schedule(as_of: dt.date) -> Counts:
    """People on a visit plan on `as_of` (by village), and those whose last visit by then
    (or their joining, if never visited) is within their group's interval."""
    interval = Outreach.on(as_of).visit_interval_days
    rows = (
        VisitTarget.objects.filter(since__lte=as_of)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))
        .annotate(last=Max("visits__visited_on", filter=Q(visits__visited_on__lte=as_of)))
        .values_list("village_code", "group", "since", "last")
    )
    counts: Counts = {}
    for code, group, since, last in rows:
        on_time = (last or since) + dt.timedelta(days=interval[group]) >= as_of
        _add(counts, code, int(on_time), 1)
    return counts


def leads_triaged(year: int) -> dict[tuple[str, int], tuple[int, int]]:
    """Leads whose triage fell due in the year, by region and month of the deadline, and
    those triaged by it."""
    in_time = ~Q(status=LeadStatus.OPEN) & Q(triaged_at__date__lte=F("triage_due"))
    rows = (
        Lead.objects.filter(
            triage_due__gte=dt.date(year, 1, 1), triage_due__lt=dt.date(year + 1, 1, 1)
        )
        .annotate(month=ExtractMonth("triage_due"))
        .values_list("region_code", "month")
        .annotate(due=Count("pk"), done=Count("pk", filter=in_time))
        .values_list("region_code", "month", "done", "due")
    )
    return {(code, month): (done, due) for code, month, done, due in rows}


def monitored_on(as_of: dt.date) -> QuerySet[MonitoredHousehold]:
    """The monitoring list's rows in force on `as_of`, for a caller's Exists()."""
    return MonitoredHousehold.objects.filter(since__lte=as_of).filter(
        Q(until__isnull=True) | Q(until__gt=as_of)
    )


def is_monitored(as_of: dt.date, household_field: str = "household_id") -> Exists:
    """Whether the outer row's household is on the monitoring list on `as_of`."""
    return Exists(monitored_on(as_of).filter(household_id=OuterRef(household_field)))


def posts_filled(as_of: dt.date) -> Counts:
    """Posts the policy requires in each region, and how many of them are filled."""
    entries = RosterEntry.objects.filter(since__lte=as_of).filter(
        Q(until__isnull=True) | Q(until__gt=as_of)
    )
    counts: Counts = {}
    for gap in gaps_of(Region.objects.all(), entries, as_of):
        _add(counts, gap.region.code, gap.minimum - gap.missing, gap.minimum)
    return counts
