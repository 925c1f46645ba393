from typing import Any

from django.http import HttpRequest

from jiuzhu.core.addresses import address
from jiuzhu.core.roles import Capability
from jiuzhu.core.two_factor import second_step_due

# (label, url name, capability needed or None for every staff member)
NAVIGATION: list[tuple[str, str, Capability | None]] = [
    ("首页", "home", None),
    ("工作提醒", "oversight:inbox", None),
    ("统计概览", "dashboard:overview", Capability.VIEW_HOUSEHOLDS),
    ("家庭档案", "registry:search", Capability.VIEW_HOUSEHOLDS),
    ("新建家庭", "registry:create", Capability.EDIT_HOUSEHOLDS),
    ("救助申请", "cases:list", Capability.VIEW_HOUSEHOLDS),
    ("抽查", "cases:spot_checks", Capability.SPOT_CHECK),
    ("经济状况核对", "verification:jobs", Capability.VIEW_VERIFICATION),
    ("核对数据导入", "verification:extracts", Capability.IMPORT_EXTRACTS),
    ("跨县重复核查", "cross_county", Capability.VIEW_HOUSEHOLDS),
    ("救助测算", "policy:calculator", Capability.VIEW_HOUSEHOLDS),
    ("救助标准", "policy:standards", Capability.MANAGE_STANDARDS),
    ("发放名册", "payments:list", Capability.VIEW_PAYROLL),
    ("多发追回", "payments:claims", Capability.VIEW_PAYROLL),
    ("资金预算", "funds:execution", Capability.VIEW_PAYROLL),
    ("工作经费", "funds:working", Capability.VIEW_PAYROLL),
    ("上报线索", "outreach:lead_new", Capability.REPORT_LEADS),
    ("困难线索", "outreach:leads", Capability.REPORT_LEADS),
    ("探访帮扶", "outreach:visits", Capability.VIEW_HOUSEHOLDS),
    ("低收入监测", "outreach:monitoring", Capability.VIEW_HOUSEHOLDS),
    ("监测预警", "outreach:warnings", Capability.VIEW_HOUSEHOLDS),
    ("转介与一事一议", "outreach:referrals", Capability.VIEW_HOUSEHOLDS),
    ("经办队伍", "outreach:staff", Capability.VIEW_HOUSEHOLDS),
    ("教育救助名单", "outreach:education", Capability.EDIT_HOUSEHOLDS),
    ("投诉举报", "oversight:complaints", Capability.HANDLE_COMPLAINTS),
    ("风险预警", "oversight:alerts", Capability.HANDLE_ALERTS),
    ("失信记录", "oversight:integrity", Capability.HANDLE_COMPLAINTS),
    ("容错纠错", "oversight:faults", Capability.SUPERVISE),
    ("绩效评价", "oversight:evaluation", Capability.TRACK_TASKS),
    ("任务分工", "oversight:tasks", Capability.TRACK_TASKS),
    ("近亲属备案", "oversight:relatives", None),
    ("医疗救助", "medical:bills", Capability.VIEW_PAYROLL),
    ("慈善与部门协同", "cooperation:charity", Capability.REFER),
    ("部门协同办理", "cooperation:applications", Capability.DECIDE_DEPARTMENT_AID),
    ("工作日历", "core:calendar", Capability.MANAGE_CALENDAR),
    ("行政区划", "core:regions", Capability.MANAGE_REGIONS),
    ("经办窗口", "publicity:offices", Capability.MANAGE_REGIONS),
    ("访问日志", "core:access_log", Capability.VIEW_ACCESS_LOG),
    ("工作人员", "core:staff", Capability.MANAGE_STAFF),
    ("安全管理", "core:security", Capability.MANAGE_SECURITY),
    ("掌上办留言", "portal:inbox", Capability.VIEW_HOUSEHOLDS),
    ("公示", "notice", None),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu entries the signed-in user's role may open (none before the second step of
    sign-in: those pages would only lead back to it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or second_step_due(request):
        return {"nav_items": []}
    # Addresses reversed once per process and mount point: forty reverse() calls cost each
    # staff page about 2 ms.
    items = [
        (label, address(name))
        for label, name, capability in NAVIGATION
        if capability is None or user.can(capability)
    ]
    return {"nav_items": items}
