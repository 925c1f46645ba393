import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone

from jiuzhu.core import idnumber
from jiuzhu.core.addresses import address
from jiuzhu.core.money import format_yuan
from jiuzhu.core.months import long_date, long_moment, long_month

register = template.Library()


@register.simple_tag
def link(name: str, *ids: object) -> str:
    """{% url %} for a list row's page: {% link 'cases:detail' c.pk %} (core/addresses.py)."""
    return address(name, *ids)


AUDIT_ACTIONS = {
    "export_exchange": "导出省市平台交换文件",
    "import_provincial_list": "导入全省救助对象名单",
    "issue_partner_token": "发放部门数据共享令牌",
    "assign_alert": "分派风险预警",
    "assign_complaint": "分派投诉举报",
    "conclude_alert": "办结风险预警",
    "conclude_complaint": "办结投诉举报",
    "decide_dishonesty": "认定失信",
    "declare_relative": "近亲属备案",
    "note_complaint": "记录调查情况",
    "object_dishonesty": "登记失信异议",
    "publish_dishonesty": "公布失信名单",
    "record_dishonesty": "登记失信记录",
    "remove_dishonesty": "移出失信名单",
    "reply_complaint": "答复投诉举报",
    "report_task": "报送任务进展",
    "resolve_objection": "处理失信异议",
    "request_review": "监督发起复核",
    "link_complaint_household": "投诉举报关联家庭",
    "upload_evidence": "上传证据材料",
    "review_fault": "容错纠错复核",
    "risk_scan": "运行风险筛查",
    "add_contract": "登记购买服务合同",
    "add_monitored_household": "纳入低收入人口监测",
    "add_staff": "登记经办人员",
    "add_training": "登记培训",
    "add_visit_target": "纳入探访对象",
    "decide_deliberation": "一事一议决定",
    "end_staff": "经办人员离岗",
    "end_visit_target": "结束探访",
    "handle_warning": "处置监测预警",
    "link_lead_household": "线索关联家庭",
    "open_deliberated_aid": "按一事一议发起临时救助",
    "record_referral_answer": "登记转介答复",
    "record_visit": "登记探访",
    "refer": "转介部门",
    "refresh_monitoring_list": "更新监测名单",
    "report_lead": "上报困难线索",
    "run_warning_rules": "运行预警规则",
    "serve_under_contract": "登记合同服务",
    "submit_deliberation": "提请一事一议",
    "anonymise_household": "超过保存期限，家庭信息匿名化",
    "merge_persons": "合并重复登记的人员档案",
    "dismiss_duplicate": "核实疑似重复人员：不是同一人",
    "enable_two_factor": "启用两步验证",
    "disable_two_factor": "停用两步验证",
    "renew_recovery_codes": "重新生成恢复码",
    "reset_two_factor": "重置两步验证",
    "reset_password": "重置密码",
    "set_population": "录入户籍人口",
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
    "record_authorisation": "登记核对授权书",
    "check_authorisation": "核验核对授权书",
    "revoke_authorisation": "撤回核对授权",
    "request_account": "申请登记发放账户",
    "correct_account": "更正发放账户",
    "reject_account": "驳回发放账户变更",
    "create_claim": "登记多发追回",
    "collect_recovery": "收回多发款",
    "waive_recovery": "核销多发款",
    "prepare_payroll": "生成发放名册",
    "check_payroll": "审查发放名册",
    "approve_payroll": "审批发放名册",
    "discard_payroll": "作废发放名册",
    "prepare_reissue": "生成失败补发名册",
    "make_payment_file": "生成银行发放文件",
    "import_results": "导入银行回盘",
    "upload_extract": "上传部门核对数据",
    "accept_extract": "接收部门核对数据",
    "reject_extract": "退回部门核对数据",
    "create_verification_job": "发起经济状况核对",
    "finish_verification_job": "完成经济状况核对",
    "select_spot_checks": "抽取抽查案件",
    "purge_cases": "清理到期案件资料",
    "set_parameter": "录入政策参数",
    "set_budget": "设置预算",
    "set_fiscal_index": "录入财力薄弱指数",
    "allocate": "分配县级补助",
    "set_working_day": "调整工作日历",
    "delete_working_day": "删除工作日历调整",
    "import_regions": "导入行政区划",
    "create_staff": "新增工作人员",
    "change_staff": "修改工作人员",
    "reactivate_staff": "恢复工作人员账户",
    "revoke_token": "吊销接口令牌",
    "record_medical_bills": "录入医疗救助票据",
    "approve_medical_bill": "审批医疗救助",
    "make_medical_payment_file": "生成医疗救助银行发放文件",
    "set_working_budget": "设置工作经费预算",
    "change_working_budget": "修改工作经费预算",
    "record_working_spending": "登记工作经费支出",
    "apply_poverty_list": "按扶贫部门名单更新脱贫户与监测对象标识",
    "save_town_office": "维护乡镇经办窗口",
    "assess_self_care": "录入生活自理能力评估",
    "record_care_arrangement": "登记供养（养育）方式",
    "record_supporter": "登记法定义务人履行能力",
    "record_child_hardship": "录入困境儿童认定",
    "add_care_institution": "登记供养（养育）机构",
    "confirm_repricing": "确认标准调整重新核定",
    "register_charity_project": "登记慈善项目",
    "refer_charity": "转介慈善项目",
    "record_charity_gift": "登记慈善给付",
    "dispatch_application": "受理并转部门办理",
    "decide_application": "部门办结协同申请",
}


@register.filter
def id_mask(id_number: str, visibility: str) -> str:
    return idnumber.mask(id_number, visibility)


@register.filter
def audit_action(action: str) -> str:
    """An audit entry's action in words; one not named here is "其他操作", never its code."""
    return AUDIT_ACTIONS.get(action, "其他操作")


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


@register.filter
def count(value: int | None) -> str:
    """A count on a screen, with thousands separators: 12,345."""
    return f"{int(value or 0):,}"


# The one way pages write dates, months and moments (the zh-Hans long forms).


@register.filter
def day(value: dt.date | str | None) -> str:
    """A date on a screen: 2026年1月5日 (also from a JSON result's "2026-01-05")."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if value else None
    if not value:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return long_date(value)


@register.filter
def month(value: dt.date | str | None) -> str:
    """A month on a screen: 2026年1月 (also from a task result's "2026-01" or "2026-01-01")."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:7] + "-01") if value else None
    return long_month(value) if value else ""


@register.filter
def moment(value: dt.datetime | None) -> str:
    """A point in time on a screen, in local time: 2026年1月5日 14:30."""
    return long_moment(value) if value else ""
