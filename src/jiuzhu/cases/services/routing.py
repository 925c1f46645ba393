"""Where an application goes and the number it gets: the responsible town, the intake
region, the daily case number."""

import datetime as dt

from django.db.models import Max
from django.db.models.functions import Substr
from django.utils import timezone

from jiuzhu.cases.models import Case
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.registry.models import Household

APPLICATION_PREFIX = "SQ"  # 申请
ADVANCE_AID_PREFIX = "XX"  # 先行救助
STEM_LENGTH = len("SQ20260302")


def town_of(region: Region) -> Region:
    """The town (镇/街道) a region lies in."""
    node = region
    while node.level != RegionLevel.TOWN and node.parent is not None:
        node = node.parent
    if node.level != RegionLevel.TOWN:
        raise DomainError("无法确定负责的镇（街道）。")
    return node


def route(household: Household, by_residence: bool) -> Region:
    """The town responsible: of registration, or of residence where the household asks and
    lives away from its registration (就近能办、多点可办)."""
    region = household.residence_region if by_residence else household.registered_region
    return town_of(region)


def intake_region_of(actor: User) -> Region:
    """Where the actor takes applications: a town or a village, never the county."""
    if actor.region is None or actor.region.level == RegionLevel.COUNTY:
        raise DomainError("申请须在镇（街道）窗口或村（社区）受理。")
    return actor.region


def number_stem(prefix: str, day: dt.date) -> str:
    """The part of a case number shared by the day's cases: prefix and date (SQ20260302)."""
    return f"{prefix}{day:%Y%m%d}"


def case_number(stem: str, sequence: int) -> str:
    """The stem and a five-digit sequence within the day (SQ2026030200001)."""
    return f"{stem}{sequence:05d}"


def last_sequences() -> dict[str, int]:
    """The highest sequence used for each stem (one query for all days: bulk writers)."""
    rows = (
        Case.objects.annotate(stem=Substr("number", 1, STEM_LENGTH))
        .values("stem")
        .annotate(last=Max("number"))
        .values_list("stem", "last")
    )
    return {stem: int(last[STEM_LENGTH:]) for stem, last in rows if last[STEM_LENGTH:].isdigit()}


def next_number(prefix: str) -> str:
    """The next case number of today for `prefix` (SQ application, XX advance aid)."""
    # Numbers run per day across the county: lock the county's row so that two windows
    # taking applications at the same moment cannot draw the same number.
    Region.objects.select_for_update().filter(level=RegionLevel.COUNTY).first()
    stem = number_stem(prefix, timezone.localdate())
    last = Case.objects.filter(number__startswith=stem).order_by("-number").first()
    return case_number(stem, int(last.number[len(stem) :]) + 1 if last else 1)
