"""The monthly "who should be helped and is not" list (应救未救名单): households now on the
monitoring list of the caller's area that the latest entitlement run of the policy engine
finds eligible for a programme, but that receive nothing. Counted per town in the
database (a semi-join on the run's results, an anti-join on the recipients); one page of
households is read in full."""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Recipient
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.programmes import Programme
from jiuzhu.outreach.models import MonitoredHousehold
from jiuzhu.outreach.selectors import monitored_in_area
from jiuzhu.policy.models import CalculationRun, EntitlementResult
from jiuzhu.registry.models import Household

PAGE = 200


@dataclass
class Unhelped:
    household: Household
    town_code: str
    programmes: list[str]
    monthly_fen: int


@dataclass
class UnhelpedTown:
    code: str
    name: str
    households: int


@dataclass
class UnhelpedList:
    run: CalculationRun | None
    towns: list[UnhelpedTown] = field(default_factory=list)
    rows: list[Unhelped] = field(default_factory=list)  # one page: the town chosen, or all

    @property
    def total(self) -> int:
        return sum(town.households for town in self.towns)


def latest_run() -> CalculationRun | None:
    """The latest month's entitlement run (the month the list is for)."""
    return (
        CalculationRun.objects.filter(kind=CalculationRun.Kind.ENTITLEMENTS)
        .order_by("-month", "-created_at")
        .first()
    )


def _unhelped_rows(user: User, run: CalculationRun) -> QuerySet[MonitoredHousehold]:
    eligible = EntitlementResult.objects.filter(run=run, eligible=True).values("household_id")
    receiving = Recipient.objects.filter(status__in=ACTIVE_RECIPIENT_STATUSES).values(
        "household_id"
    )
    return (
        monitored_in_area(user)
        .filter(household_id__in=eligible)
        .exclude(household_id__in=receiving)
    )


def unhelped(user: User, town_code: str = "") -> UnhelpedList:
    """The list for the user's area: households per town, and the first page of households
    (of `town_code` when given), with the programmes they qualify for and the monthly sum."""
    run = latest_run()
    if run is None:
        return UnhelpedList(None)
    listed = _unhelped_rows(user, run)
    counts = (
        listed.values("town_code")
        .annotate(n=Count("household_id", distinct=True))
        .order_by("town_code")
        .values_list("town_code", "n")
    )
    names = dict(Region.objects.filter(level=RegionLevel.TOWN).values_list("code", "name"))
    towns = [UnhelpedTown(code, names.get(code, code), n) for code, n in counts]
    if town_code:
        listed = listed.filter(town_code=town_code)
    page = list(
        listed.order_by("household_id").values_list("household_id", flat=True).distinct()[:PAGE]
    )
    results = (
        EntitlementResult.objects.filter(run=run, eligible=True, household_id__in=page)
        .order_by("household_id", "programme")
        .values_list("household_id", "programme", "amount_fen")
    )
    by_household: dict[int, tuple[list[str], int]] = {}
    for household_id, programme, amount in results:
        programmes, total = by_household.get(household_id, ([], 0))
        by_household[household_id] = ([*programmes, Programme(programme).label], total + amount)
    households = Household.objects.in_bulk(page)
    rows = [
        Unhelped(households[pk], households[pk].registered_code[:9] + "000", *by_household[pk])
        for pk in page
    ]
    return UnhelpedList(run, towns, rows)
