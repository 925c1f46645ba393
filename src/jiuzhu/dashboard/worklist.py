"""A staff member's first questions on opening the platform: what waits for me, what is
late, what is due — each a count and the page that lists it, only what their role acts on."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from jiuzhu.cases import selectors as cases
from jiuzhu.cases.care import care_due_count
from jiuzhu.cases.models import Status
from jiuzhu.core.models import User
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach import selectors as outreach
from jiuzhu.payments.models import AccountReview, BankAccount, Payroll, PayrollStatus
from jiuzhu.registry.models import Household


@dataclass
class Task:
    label: str
    count: int
    url: str
    urgent: bool = False


def _case_tasks(user: User, today: dt.date) -> list[Task]:
    in_scope = cases.cases_in_scope(user)
    listed = reverse("cases:list")
    return [
        Task(
            "先行救助待发放（24小时内）",
            cases.advance_aid_pending(user).count(),
            listed,
            urgent=True,
        ),
        Task(
            "超过办理时限的申请",
            cases.overdue_cases(user, today).count(),
            reverse("cases:overdue"),
            True,
        ),
        Task(
            f"{cases.WARNING_WORKING_DAYS}个工作日内到期的申请",
            cases.due_soon(user, today, Calendar()).count(),
            listed,
        ),
        Task(
            "待受理的申请",
            in_scope.filter(status=Status.SUBMITTED).count(),
            f"{listed}?status={Status.SUBMITTED}",
        ),
        Task(
            "待审核确认的申请",
            in_scope.filter(status=Status.DECIDING).count(),
            f"{listed}?status={Status.DECIDING}",
        ),
        Task(
            "公示期满待生效的申请",
            in_scope.filter(status=Status.NOTICE, notice_ends_on__lt=today).count(),
            f"{listed}?status={Status.NOTICE}",
        ),
        Task("到期应复核的救助对象", cases.reviews_due(user, today).count(), listed),
        Task("评估到期与年满18周岁提醒", care_due_count(user, today), listed),
    ]


def _payroll_tasks(user: User) -> list[Task]:
    payrolls = Payroll.objects.filter(in_area(user, "town_code"))
    listed = reverse("payments:list")
    tasks = []
    if user.can(Capability.CHECK_PAYROLL):
        waiting = payrolls.filter(status=PayrollStatus.PREPARED).count()
        tasks.append(Task("待审查的发放名册", waiting, listed))
    if user.can(Capability.APPROVE_PAYROLL):
        waiting = payrolls.filter(status=PayrollStatus.CHECKED).count()
        tasks.append(Task("待审批的发放名册", waiting, listed))
        accounts = BankAccount.objects.filter(
            Q(household__registered_code__startswith=user.scope_prefix),
            review=AccountReview.PENDING,
        ).count()
        tasks.append(Task("待复核的银行账户变更", accounts, listed))
    return tasks


def _outreach_tasks(user: User, today: dt.date) -> list[Task]:
    """Leads waiting for the town's triage and warnings waiting for its handling."""
    tasks = []
    if user.can(Capability.TRIAGE_LEADS):
        leads = reverse("outreach:leads")
        tasks += [
            Task(
                "超过研判时限的困难线索", outreach.overdue_leads(user, today).count(), leads, True
            ),
            Task("待研判的困难线索", outreach.open_leads(user).count(), leads),
        ]
    if user.can(Capability.HANDLE_WARNINGS):
        warnings = reverse("outreach:warnings")
        tasks += [
            Task(
                "超过处置时限的监测预警",
                outreach.overdue_warnings(user, today).count(),
                warnings,
                True,
            ),
            Task("待处置的监测预警", outreach.open_warnings(user).count(), warnings),
        ]
    return tasks


def worklist(user: User, today: dt.date) -> list[Task]:
    """The tasks waiting in the user's area, the urgent first; empty ones left out."""
    tasks: list[Task] = []
    if user.can(Capability.VIEW_HOUSEHOLDS):
        tasks += _case_tasks(user, today)
    if user.can(Capability.VIEW_PAYROLL):
        tasks += _payroll_tasks(user)
    tasks += _outreach_tasks(user, today)
    return sorted((t for t in tasks if t.count), key=lambda t: not t.urgent)


def households_in_area(user: User) -> int:
    """How many household files the user's area holds (a village coordinator's village)."""
    return Household.objects.filter(in_area(user, "registered_code")).count()
