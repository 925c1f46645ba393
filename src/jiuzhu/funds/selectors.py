"""Execution: budget against what was paid, by month, programme and town, with warnings."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from jiuzhu.core.models import User
from jiuzhu.core.roles import Capability
from jiuzhu.funds.models import Allocation, Budget, TownFiscalIndex
from jiuzhu.payments.selectors import failed_in_year, paid_by_month
from jiuzhu.policy.accessors import Funds


@dataclass
class Line:
    budget: Budget
    months: list[int] = field(default_factory=lambda: [0] * 12)

    @property
    def paid(self) -> int:
        return sum(self.months)

    @property
    def remaining(self) -> int:
        return self.budget.amount_fen - self.paid

    run_rate: int = 0
    projected: int = 0
    runs_out_month: int | None = None
    warning: str = ""


def execution(user: User, year: int, today: dt.date) -> list[Line]:
    """Each visible budget line with monthly payments; run-rate projection and warnings."""
    if not user.can(Capability.VIEW_PAYROLL):
        return []
    prefix = user.scope_prefix
    budgets = [
        budget
        for budget in Budget.objects.filter(year=year)
        .select_related("region")
        .order_by("programme", "region_code")
        if budget.region_code.startswith(prefix)  # a town sees its own lines only
    ]
    paid = paid_by_month(year, prefix)
    # Without the parameter in force the page still projects, it only cannot say "soon".
    warn_months = Funds.warning_months_on(dt.date(year, 12, 31))
    lines = []
    for budget in budgets:
        line = Line(budget)
        for month, programme, town_code, fen in paid:
            if programme == budget.programme and town_code.startswith(budget.region.prefix):
                line.months[month - 1] += fen
        paid_months = [number for number, fen in enumerate(line.months, start=1) if fen]
        months_paid = paid_months[-1] if paid_months else 0
        if months_paid:
            # The run-rate counts from the first month paid (a programme may start mid-year).
            line.run_rate = line.paid // (months_paid - paid_months[0] + 1)
            line.projected = line.paid + line.run_rate * (12 - months_paid)
            if line.run_rate > 0 and line.projected > budget.amount_fen:
                left = max(line.remaining, 0) // line.run_rate
                line.runs_out_month = months_paid + left + 1 if months_paid + left < 12 else None
                soon = warn_months is not None and left <= warn_months
                line.warning = (
                    f"按目前每月支出，预计{line.runs_out_month}月预算不足"
                    if line.runs_out_month
                    else "全年预计超出预算"
                ) + ("（即将用完）" if soon else "")
        lines.append(line)
    return lines


def fiscal_indices(year: int) -> QuerySet[TownFiscalIndex]:
    """The towns' fiscal weakness indices of a year."""
    return TownFiscalIndex.objects.filter(year=year).select_related("town")


def allocations(year: int) -> QuerySet[Allocation]:
    """The county subsidies allocated in a year, with their town lines."""
    return Allocation.objects.filter(year=year).prefetch_related("lines__town")


def not_paid(user: User, year: int) -> int:
    """Fen approved in the user's area in the year but not paid out (awaiting re-issue)."""
    if not user.can(Capability.VIEW_PAYROLL):
        return 0
    return failed_in_year(year, user.scope_prefix)
