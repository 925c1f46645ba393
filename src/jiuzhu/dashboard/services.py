"""Writes of the overview: the registered population a coverage rate is measured against."""

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.dashboard.models import RegisteredPopulation


def set_population(actor: User, region: Region, persons: str, year: str) -> RegisteredPopulation:
    """Record a region's registered population as published for a year."""
    require(actor, Capability.MANAGE_REGIONS)
    require_area(actor, region.code)
    try:
        count = int(persons.strip().replace(",", ""))
    except ValueError:
        raise DomainError("户籍人口应为整数，例如 374000。", field="persons") from None
    if not 1 <= count <= 200_000_000:
        raise DomainError("户籍人口应在 1 到 2 亿之间。", field="persons")
    try:
        published = int(year.strip())
    except ValueError:
        raise DomainError("统计年度应为四位年份，例如 2025。", field="year") from None
    if not 2000 <= published <= 2100:
        raise DomainError("统计年度应在 2000 年到 2100 年之间。", field="year")
    population, _ = RegisteredPopulation.objects.update_or_create(
        region=region, defaults={"persons": count, "year": published}
    )
    record_audit(actor, "set_population", region, {"persons": count, "year": published})
    return population
