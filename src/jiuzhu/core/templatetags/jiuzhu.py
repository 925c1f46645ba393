from decimal import Decimal

from django import template

from jiuzhu.core import idnumber
from jiuzhu.core.money import format_yuan

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

CASE_ACTIONS = {
    "submit": "提交申请",
    "accept": "受理",
    "refuse_intake": "不予受理",
    "withdraw": "撤回",
    "start_investigation": "开始调查",
    "record_home_visit": "入户调查",
    "pause": "暂停计时",
    "resume": "恢复计时",
    "complete_investigation": "调查完成",
    "record_community_review": "民主评议",
    "approve": "审核确认：批准",
    "reject": "审核确认：不予批准",
    "record_objection": "公示异议",
    "close_notice": "公示期满生效",
    "open_advance_aid": "启动先行救助",
    "grant_advance_aid": "先行救助发放",
    "terminate": "停止救助",
    "review": "复核",
    "suspend": "暂停发放",
    "reinstate": "恢复发放",
    "upload": "上传材料",
    "request_verification": "发起经济状况核对",
    "spot_check": "抽查",
}


@register.filter
def id_mask(id_number: str, visibility: str) -> str:
    return idnumber.mask(id_number, visibility)


@register.filter
def audit_action(action: str) -> str:
    return AUDIT_ACTIONS.get(action, action)


@register.filter
def case_action(action: str) -> str:
    return CASE_ACTIONS.get(action, action)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def absolute(value: int) -> int:
    return abs(value)


@register.filter
def fen(value: int | None) -> str:
    """Integer fen as yuan on a screen: 1,234.56."""
    return format_yuan(value)


@register.filter
def yuan(value: Decimal | None) -> str:
    """A yuan amount on a screen: 1,234.56."""
    return format_yuan(value, fen=False)
