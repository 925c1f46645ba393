import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone

from jiuzhu.core import idnumber
from jiuzhu.core.money import format_yuan
from jiuzhu.core.months import long_date, long_month

register = template.Library()

AUDIT_ACTIONS = {
    "create_household": "建立家庭档案",
    "update_household": "修改家庭信息",
    "add_member": "增加成员",
    "update_member": "修改成员信息",
    "move_member": "成员迁移",
    "end_membership": "成员离开",
    "add_income": "增加收入",
    "remove_income": "删除收入",
    "add_asset": "增加财产",
    "remove_asset": "删除财产",
    "recipient_in_force": "救助生效",
}


@register.filter
def id_mask(id_number: str, visibility: str) -> str:
    return idnumber.mask(id_number, visibility)


@register.filter
def audit_action(action: str) -> str:
    return AUDIT_ACTIONS.get(action, action)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def absolute(value: int) -> int:
    return abs(value)


@register.filter
def fen(value: int | None) -> str:
    """Integer fen as yuan on a screen: 1,234.56 (the column or the text says 元)."""
    return format_yuan(value)


@register.filter
def yuan(value: Decimal | None) -> str:
    """A yuan amount on a screen: 1,234.56 (the column or the text says 元)."""
    return format_yuan(value, fen=False)


# The one way pages write dates, months and moments (the zh-Hans long forms).


@register.filter
def day(value: dt.date | None) -> str:
    """A date on a screen: 2026年1月5日."""
    if not value:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return long_date(value)


@register.filter
def month(value: dt.date | None) -> str:
    """A month on a screen: 2026年1月."""
    return long_month(value) if value else ""


@register.filter
def moment(value: dt.datetime | None) -> str:
    """A point in time on a screen, in local time: 2026年1月5日 14:30."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{long_date(local)} {local:%H:%M}"
