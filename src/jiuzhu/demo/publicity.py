"""The demo's offices: the county bureau (its telephone is the hotline) and every town's
one-stop window, as the public programme pages list them."""

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role
from jiuzhu.publicity.services import save_office


def seed_offices() -> int:
    """Save the county's and each town's office; returns how many."""
    admin = User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return 0
    regions = Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWN]).order_by(
        "code"
    )
    for number, region in enumerate(regions):
        if region.level == RegionLevel.COUNTY:
            save_office(
                admin,
                region,
                f"{region.name}民政局社会救助服务中心",
                f"{region.name}人民政府便民服务大厅二楼",
                "0531-87881000",
                "工作日上午8时30分至下午5时30分",
            )
        else:
            save_office(
                admin,
                region,
                f"{region.name}社会救助“一门受理”窗口",
                f"{region.name}便民服务中心一楼",
                f"0531-8788{1000 + number:04d}",
                "工作日上午8时30分至下午5时30分",
            )
    return len(regions)
