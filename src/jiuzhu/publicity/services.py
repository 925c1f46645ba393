"""Writes of the public pages: the county administrator keeps the offices."""

from django.db import transaction

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.publicity.models import Office


def _text(value: str, what: str, field: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise DomainError(f"请填写{what}。", field=field)
    if len(value) > limit:
        raise DomainError(f"{what}不能超过{limit}个字。", field=field)
    return value


def save_office(
    actor: User, region: Region, name: str, address: str, phone: str, hours: str = ""
) -> Office:
    """Set (or change) the county's or a town's office as the public pages show it."""
    require(actor, Capability.MANAGE_REGIONS)
    if region.level not in (RegionLevel.COUNTY, RegionLevel.TOWN):
        raise DomainError("经办窗口按县或乡镇（街道）设置。", field="region")
    values = {
        "name": _text(name, "窗口名称", "name", 60),
        "address": _text(address, "地址", "address", 120),
        "phone": _text(phone, "电话", "phone", 30),
        "hours": _text(hours, "办公时间", "hours", 60, required=False),
    }
    if not all(c.isdigit() or c in "-（）() " for c in values["phone"]):
        raise DomainError("电话只能包含数字和“-”。", field="phone")
    with transaction.atomic():
        office, _ = Office.objects.update_or_create(
            region=region,
            defaults={**values, "region_code": region.code, "updated_by": actor},
        )
        record_audit(actor, "save_town_office", office, {"region": region.code, **values})
    return office
