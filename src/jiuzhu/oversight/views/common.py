"""What the oversight pages share."""

from jiuzhu.core.models import Region, RegionLevel

PAGE_SIZE = 50


def town_names() -> dict[str, str]:
    """Every town's name by its code."""
    return dict(Region.objects.filter(level=RegionLevel.TOWN).values_list("code", "name"))


def whole_number(value: str | None) -> int:
    """A posted number, 0 when it is none."""
    try:
        return int(value or 0)
    except ValueError:
        return 0
