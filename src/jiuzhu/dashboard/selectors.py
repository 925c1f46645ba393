"""What the overview shows, read from the aggregate figures (never the payroll lines).

Every figure is scoped: a user sees the region they work in and, drilling down, the regions
inside it — county → towns → villages → the recipients of a village.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max, QuerySet, Sum
from django.db.models.functions import Substr

from jiuzhu.cases.models import PAID_RECIPIENT_STATUSES, Recipient
from jiuzhu.core.models import PREFIX_LENGTH, Region, RegionLevel, User
from jiuzhu.core.months import add_months, first_of_month
from jiuzhu.core.programmes import Programme
from jiuzhu.dashboard.models import (
    CaseFigure,
    MonthlyFigure,
    RefreshedMonth,
    RegisteredPopulation,
)
from jiuzhu.funds.models import Budget, Level

TREND_MONTHS = 24
# The programmes whose recipients count towards the coverage rate (the subsistence net).
COVERAGE_PROGRAMMES = (Programme.DIBAO, Programme.TEKUN)
CHILD_LEVEL = {RegionLevel.COUNTY: RegionLevel.TOWN, RegionLevel.TOWN: RegionLevel.VILLAGE}


@dataclass
class Counts:
    recipients: int = 0
    households: int = 0
    persons: int = 0
    amount_fen: int = 0

    def add(self, other: "Counts") -> None:
        self.recipients += other.recipients
        self.households += other.households
        self.persons += other.persons
        self.amount_fen += other.amount_fen


@dataclass
class Row(Counts):
    label: str = ""
    code: str = ""  # a region's code, for the drill-down link; "" when there is none


@dataclass
class Rate:
    part: int
    whole: int

    @property
    def percent(self) -> Decimal | None:
        if not self.whole:
            return None
        return (Decimal(self.part) * 100 / self.whole).quantize(Decimal("0.01"))


@dataclass
class Overview:
    region: Region
    month: dt.date | None
    programmes: list[Row]
    total: Counts
    children: list[Row]
    child_level_label: str
    trend: list[Row]
    coverage: Rate | None
    population_year: int | None
    year: int
    budgeted_fen: int
    paid_fen: int
    deadlines_kept: Rate
    advance_in_time: Rate
    refreshed_at: dt.datetime | None
    trail: list[Region] = field(default_factory=list)


def region_in_scope(user: User, code: str) -> Region | None:
    """The region a user asked to look at, if it lies in their area (else None)."""
    region = Region.objects.filter(code=code).first()
    if region is None or not region.code.startswith(user.scope_prefix):
        return None
    return region


def _counts(rows: QuerySet[MonthlyFigure, Any]) -> list[dict[str, Any]]:
    return list(
        rows.annotate(
            n_recipients=Sum("recipients"),
            n_households=Sum("households"),
            n_persons=Sum("persons"),
            fen=Sum("amount_fen"),
        )
    )


def _row(values: dict[str, Any], label: str, code: str = "") -> Row:
    return Row(
        recipients=int(values["n_recipients"] or 0),
        households=int(values["n_households"] or 0),
        persons=int(values["n_persons"] or 0),
        amount_fen=int(values["fen"] or 0),
        label=label,
        code=code,
    )


def latest_month(region: Region, today: dt.date) -> dt.date | None:
    """The latest month up to this one that has figures for the region."""
    return (
        MonthlyFigure.objects.filter(
            region_code__startswith=region.prefix, month__lte=first_of_month(today)
        )
        .aggregate(last=Max("month"))
        .get("last")
    )


def by_programme(region: Region, month: dt.date | None) -> list[Row]:
    if month is None:
        return []
    labels = dict(Programme.choices)
    rows = _counts(
        MonthlyFigure.objects.filter(month=month, region_code__startswith=region.prefix)
        .values("programme")
        .order_by("programme")
    )
    found = {r["programme"]: _row(r, labels.get(r["programme"], "")) for r in rows}
    # In the policy's order, not the alphabet's.
    return [found[p.value] for p in Programme if p.value in found]


def by_child_region(region: Region, month: dt.date | None) -> list[Row]:
    """The month's figures for each town of a county or each village of a town; regions
    without recipients are listed too (with zeros), so nothing seems to be missing."""
    child = CHILD_LEVEL.get(RegionLevel(region.level))
    if child is None:
        return []
    length = PREFIX_LENGTH[child]
    found: dict[str, Row] = {}
    if month is not None:
        rows = _counts(
            MonthlyFigure.objects.filter(month=month, region_code__startswith=region.prefix)
            .annotate(child=Substr("region_code", 1, length))
            .values("child")
            .order_by("child")
        )
        found = {r["child"]: _row(r, "") for r in rows}
    result = []
    for sub in Region.objects.filter(level=child, parent=region).order_by("code"):
        row = found.get(sub.prefix, Row())
        row.label, row.code = sub.name, sub.code
        result.append(row)
    return result


def trend(region: Region, month: dt.date | None, months: int = TREND_MONTHS) -> list[Row]:
    """The last `months` months up to `month`, every month listed (zeros where none)."""
    if month is None:
        return []
    first = add_months(month, -(months - 1))
    rows = _counts(
        MonthlyFigure.objects.filter(
            region_code__startswith=region.prefix, month__gte=first, month__lte=month
        )
        .values("month")
        .order_by("month")
    )
    found = {r["month"]: _row(r, "") for r in rows}
    result = []
    for number in range(months):
        day = add_months(first, number)
        row = found.get(day, Row())
        row.label = f"{day.year}年{day.month}月"
        result.append(row)
    return result


def coverage(region: Region, month: dt.date | None) -> tuple[Rate | None, int | None]:
    """Persons covered by dibao and tekun against the registered population, if entered."""
    population = RegisteredPopulation.objects.filter(region=region).first()
    if population is None or month is None:
        return None, None
    covered = (
        MonthlyFigure.objects.filter(
            month=month,
            region_code__startswith=region.prefix,
            programme__in=COVERAGE_PROGRAMMES,
        ).aggregate(n=Sum("persons"))["n"]
        or 0
    )
    return Rate(int(covered), population.persons), population.year


def funds(region: Region, year: int) -> tuple[int, int]:
    """(budgeted, paid) in fen for the year: the budget lines at the region's own level
    (the county's lines for a county, the town's for a town) against what reached banks."""
    level = Level.COUNTY if region.level == RegionLevel.COUNTY else Level.TOWN
    budgets = Budget.objects.filter(year=year, level=level, region_code__startswith=region.prefix)
    budgeted = budgets.aggregate(n=Sum("amount_fen"))["n"] or 0
    paid = (
        MonthlyFigure.objects.filter(
            region_code__startswith=region.prefix,
            month__gte=dt.date(year, 1, 1),
            month__lte=dt.date(year, 12, 1),
        ).aggregate(n=Sum("amount_fen"))["n"]
        or 0
    )
    return int(budgeted), int(paid)


def timeliness(region: Region, today: dt.date) -> tuple[Rate, Rate]:
    """Over the last twelve months: decisions within the 15-working-day limit, and advance
    aid granted within its 24 hours."""
    sums = CaseFigure.objects.filter(
        town_code__startswith=region.prefix[:9],
        month__gte=add_months(first_of_month(today), -11),
    ).aggregate(
        decided=Sum("decided"),
        kept=Sum("decided_in_time"),
        advance=Sum("advance"),
        advance_kept=Sum("advance_in_time"),
    )
    return (
        Rate(int(sums["kept"] or 0), int(sums["decided"] or 0)),
        Rate(int(sums["advance_kept"] or 0), int(sums["advance"] or 0)),
    )


def overview(region: Region, user: User, today: dt.date) -> Overview:
    month = latest_month(region, today)
    programmes = by_programme(region, month)
    total = Counts()
    for row in programmes:
        total.add(row)
    rate, population_year = coverage(region, month)
    year = (month or today).year
    budgeted, paid = funds(region, year)
    kept, advance = timeliness(region, today)
    child = CHILD_LEVEL.get(RegionLevel(region.level))
    return Overview(
        region=region,
        month=month,
        programmes=programmes,
        total=total,
        children=by_child_region(region, month),
        child_level_label=RegionLevel(child).label if child else "",
        trend=trend(region, month),
        coverage=rate,
        population_year=population_year,
        year=year,
        budgeted_fen=budgeted,
        paid_fen=paid,
        deadlines_kept=kept,
        advance_in_time=advance,
        refreshed_at=RefreshedMonth.objects.filter(town_code__startswith=region.prefix).aggregate(
            last=Max("refreshed_at")
        )["last"],
        trail=trail(region, user),
    )


def trail(region: Region, user: User) -> list[Region]:
    """The regions from the user's own down to this one (the drill-down's way back; the
    regions above the user's area are not theirs to open)."""
    regions: list[Region] = []
    node: Region | None = region
    while node is not None and node.code.startswith(user.scope_prefix):
        regions.insert(0, node)
        node = node.parent
    return regions


def recipients_of_village(region: Region, programme: str = "") -> QuerySet[Recipient]:
    """The current recipients of a village (the end of the drill-down)."""
    rows = Recipient.objects.filter(
        region_code__startswith=region.prefix,
        status__in=PAID_RECIPIENT_STATUSES,
    )
    if programme:
        rows = rows.filter(programme=programme)
    return rows.select_related("household", "case__applicant", "person").order_by(
        "programme", "household_id"
    )
