"""Roles and what each may do. One table, read by views, the API and the navigation."""

from typing import Protocol

from django.conf import settings
from django.db import models

from jiuzhu.core.idnumber import Visibility


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县级管理员"
    COUNTY_SUPERVISOR = "county_supervisor", "县级监管人员"
    TOWN_ASSISTANT = "town_assistant", "乡镇助理员"
    TOWN_APPROVER = "town_approver", "乡镇审核人员"
    VILLAGE_COORDINATOR = "village_coordinator", "村（社区）协理员"
    DEPARTMENT_OFFICER = "department_officer", "部门数据专员"
    SOCIAL_WORKER = "social_worker", "社会工作者"
    AUDITOR = "auditor", "审计人员"
    GRID_WORKER = "grid_worker", "网格员"
    VOLUNTEER = "volunteer", "志愿者"
    # The account in whose name applications made on the phone are taken in (掌上办): one per
    # town, never signed in to.
    ONLINE_SERVICE = "online_service", "掌上办平台"
    # Decides the applications the towns dispatch to their department (一门受理、协同办理).
    DEPARTMENT_HANDLER = "department_handler", "部门协同经办人员"


class Capability(models.TextChoices):
    VIEW_HOUSEHOLDS = "view_households", "查看家庭档案"
    EDIT_HOUSEHOLDS = "edit_households", "编辑家庭档案"
    MANAGE_CALENDAR = "manage_calendar", "维护工作日历"
    MANAGE_REGIONS = "manage_regions", "维护行政区划"
    VIEW_ACCESS_LOG = "view_access_log", "查阅访问日志"
    SPOT_CHECK = "spot_check", "审核确认抽查"
    MANAGE_STANDARDS = "manage_standards", "制定救助标准与政策参数"
    IMPORT_EXTRACTS = "import_extracts", "导入部门核对数据"
    RUN_VERIFICATION = "run_verification", "发起经济状况核对"
    VIEW_VERIFICATION = "view_verification", "查看核对报告"
    PREPARE_PAYROLL = "prepare_payroll", "生成发放名册、银行文件与回盘"
    CHECK_PAYROLL = "check_payroll", "审查发放名册"
    APPROVE_PAYROLL = "approve_payroll", "审批发放名册、核销追回款"
    VIEW_PAYROLL = "view_payroll", "查看发放名册与资金执行"
    MANAGE_BUDGETS = "manage_budgets", "管理预算与县级补助分配"
    MANAGE_SECURITY = "manage_security", "管理接口令牌、查看安全事件"
    MANAGE_STAFF = "manage_staff", "管理工作人员账户"
    REPORT_LEADS = "report_leads", "上报困难线索"
    TRIAGE_LEADS = "triage_leads", "研判处置困难线索"
    PLAN_VISITS = "plan_visits", "管理探访对象"
    RECORD_VISITS = "record_visits", "记录探访帮扶"
    RUN_MONITORING = "run_monitoring", "运行低收入人口监测预警"
    HANDLE_WARNINGS = "handle_warnings", "处置监测预警"
    REFER = "refer", "转介部门并登记答复、提请一事一议"
    DECIDE_DELIBERATIONS = "decide_deliberations", "记录一事一议决定"
    MANAGE_ROSTER = "manage_roster", "维护经办队伍与购买服务"
    HANDLE_COMPLAINTS = "handle_complaints", "登记、调查和答复投诉举报"
    HANDLE_ALERTS = "handle_alerts", "核查处理风险预警"
    SUPERVISE = "supervise", "分派投诉举报和风险预警、运行风险筛查"
    TRACK_TASKS = "track_tasks", "查看和报送任务分工进展、绩效评价"
    RECORD_WORKING_FUNDS = "record_working_funds", "登记工作经费支出"
    DECIDE_DEPARTMENT_AID = "decide_department_aid", "办理部门协同救助申请"


_ALL_STAFF_READERS = {
    Role.COUNTY_ADMIN,
    Role.COUNTY_SUPERVISOR,
    Role.TOWN_ASSISTANT,
    Role.TOWN_APPROVER,
    Role.VILLAGE_COORDINATOR,
    Role.SOCIAL_WORKER,
    Role.AUDITOR,
}

CAPABILITIES: dict[Capability, set[Role]] = {
    # Department officers supply data; they never browse households.
    Capability.VIEW_HOUSEHOLDS: _ALL_STAFF_READERS,
    # Supervisors and auditors watch; they do not change the registry (审批与监管分离).
    Capability.EDIT_HOUSEHOLDS: {
        Role.COUNTY_ADMIN,
        Role.TOWN_ASSISTANT,
        Role.TOWN_APPROVER,
        Role.VILLAGE_COORDINATOR,
        # Records the authorisation an applicant signs on the phone (verification keeps it).
        Role.ONLINE_SERVICE,
    },
    Capability.MANAGE_CALENDAR: {Role.COUNTY_ADMIN},
    Capability.MANAGE_REGIONS: {Role.COUNTY_ADMIN},
    Capability.VIEW_ACCESS_LOG: {Role.AUDITOR, Role.COUNTY_SUPERVISOR, Role.COUNTY_ADMIN},
    Capability.SPOT_CHECK: {Role.COUNTY_SUPERVISOR},
    Capability.MANAGE_STANDARDS: {Role.COUNTY_ADMIN},
    Capability.IMPORT_EXTRACTS: {Role.DEPARTMENT_OFFICER, Role.COUNTY_ADMIN},
    Capability.RUN_VERIFICATION: {Role.COUNTY_ADMIN, Role.TOWN_ASSISTANT, Role.TOWN_APPROVER},
    Capability.VIEW_VERIFICATION: {
        Role.COUNTY_ADMIN,
        Role.COUNTY_SUPERVISOR,
        Role.TOWN_ASSISTANT,
        Role.TOWN_APPROVER,
        Role.AUDITOR,
    },
    Capability.PREPARE_PAYROLL: {Role.COUNTY_ADMIN, Role.TOWN_ASSISTANT},
    Capability.APPROVE_PAYROLL: {Role.COUNTY_ADMIN, Role.TOWN_APPROVER},
    # The check is a money step: those who prepare or approve payrolls take it, never the
    # supervisors and auditors who watch (审批与监管分离).
    Capability.CHECK_PAYROLL: {Role.COUNTY_ADMIN, Role.TOWN_ASSISTANT, Role.TOWN_APPROVER},
    Capability.VIEW_PAYROLL: {
        Role.COUNTY_ADMIN,
        Role.COUNTY_SUPERVISOR,
        Role.TOWN_ASSISTANT,
        Role.TOWN_APPROVER,
        Role.AUDITOR,
    },
    Capability.MANAGE_BUDGETS: {Role.COUNTY_ADMIN},
    Capability.MANAGE_SECURITY: {Role.COUNTY_ADMIN},
    Capability.MANAGE_STAFF: {Role.COUNTY_ADMIN},
    # Whoever meets people in their area reports (主动发现); grid workers and volunteers do
    # nothing else on the platform.
    Capability.REPORT_LEADS: {
        Role.COUNTY_ADMIN,
        Role.TOWN_ASSISTANT,
        Role.TOWN_APPROVER,
        Role.VILLAGE_COORDINATOR,
        Role.SOCIAL_WORKER,
        Role.GRID_WORKER,
        Role.VOLUNTEER,
    },
    # The town decides what becomes of a lead (it alone can open an application).
    Capability.TRIAGE_LEADS: {Role.TOWN_ASSISTANT, Role.TOWN_APPROVER},
    Capability.PLAN_VISITS: {Role.COUNTY_ADMIN, Role.TOWN_ASSISTANT, Role.VILLAGE_COORDINATOR},
    Capability.RECORD_VISITS: {
        Role.TOWN_ASSISTANT,
        Role.VILLAGE_COORDINATOR,
        Role.SOCIAL_WORKER,
    },
    Capability.RUN_MONITORING: {Role.COUNTY_ADMIN},
    Capability.HANDLE_WARNINGS: {Role.TOWN_ASSISTANT, Role.TOWN_APPROVER},
    Capability.REFER: {Role.TOWN_ASSISTANT, Role.TOWN_APPROVER},
    Capability.DECIDE_DEPARTMENT_AID: {Role.DEPARTMENT_HANDLER},
    # The county's leading group decides; its secretariat (the county office) records it.
    Capability.DECIDE_DELIBERATIONS: {Role.COUNTY_ADMIN},
    Capability.MANAGE_ROSTER: {Role.COUNTY_ADMIN, Role.TOWN_ASSISTANT},
    # Complaints and alerts are handled by those who do not run the cases day to day: the
    # county's supervisors, and a town's approver when a supervisor assigns one to them.
    Capability.HANDLE_COMPLAINTS: {Role.COUNTY_SUPERVISOR, Role.COUNTY_ADMIN, Role.TOWN_APPROVER},
    Capability.HANDLE_ALERTS: {Role.COUNTY_SUPERVISOR, Role.COUNTY_ADMIN, Role.TOWN_APPROVER},
    Capability.SUPERVISE: {Role.COUNTY_SUPERVISOR},
    # The leading group's page: the county's civil affairs staff, the departments that own
    # tasks, and the auditors.
    Capability.TRACK_TASKS: {
        Role.COUNTY_ADMIN,
        Role.COUNTY_SUPERVISOR,
        Role.DEPARTMENT_OFFICER,
        Role.AUDITOR,
    },
    # A town's working funds are spent by its office; the county records its own too.
    Capability.RECORD_WORKING_FUNDS: {Role.COUNTY_ADMIN, Role.TOWN_ASSISTANT},
}

# How much of an ID number each role sees on screen.
ID_VISIBILITY: dict[str, Visibility] = {
    Role.COUNTY_ADMIN: Visibility.FULL,
    Role.COUNTY_SUPERVISOR: Visibility.FULL,
    Role.TOWN_ASSISTANT: Visibility.FULL,
    Role.TOWN_APPROVER: Visibility.FULL,
    Role.VILLAGE_COORDINATOR: Visibility.PARTIAL,
    Role.SOCIAL_WORKER: Visibility.PARTIAL,
    Role.AUDITOR: Visibility.PARTIAL,
    Role.DEPARTMENT_OFFICER: Visibility.HIDDEN,
    Role.DEPARTMENT_HANDLER: Visibility.PARTIAL,
    Role.GRID_WORKER: Visibility.HIDDEN,
    Role.VOLUNTEER: Visibility.HIDDEN,
}


def role_can(role: str, capability: Capability) -> bool:
    return role in CAPABILITIES[capability]


# Two-factor sign-in: the county roles, and every role that moves money.
_MONEY_CAPABILITIES = (
    Capability.PREPARE_PAYROLL,
    Capability.CHECK_PAYROLL,
    Capability.APPROVE_PAYROLL,
    Capability.MANAGE_BUDGETS,
)
TWO_FACTOR_ROLES: frozenset[str] = frozenset(
    {Role.COUNTY_ADMIN, Role.COUNTY_SUPERVISOR, Role.AUDITOR}.union(
        *(CAPABILITIES[capability] for capability in _MONEY_CAPABILITIES)
    )
)


class _HasRole(Protocol):
    role: str


def two_factor_required(user: _HasRole) -> bool:
    """Whether the user must sign in with a second factor (unless JIUZHU_TWO_FACTOR is
    "optional"); anyone else may enrol of their own accord."""
    return settings.JIUZHU_TWO_FACTOR == "required" and user.role in TWO_FACTOR_ROLES
