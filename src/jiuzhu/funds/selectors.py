"""Execution: budget against what was paid, by month, programme and town, with warnings."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area
from jiuzhu.funds.models import (
    Allocation,
    Budget,
    TownFiscalIndex,
    WorkingBudget,
    WorkingFundKind,
    WorkingSpending,
)
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


@dataclass
class TownFunds:
    """What a town received and spent in a year: the assistance itself and, by kind, its
    working funds."""

    town: Region
    assistance_budget: int = 0
    assistance_paid: int = 0
    # kind -> [budget, spent], in WorkingFundKind's order.
    working: dict[str, list[int]] = field(
        default_factory=lambda: {kind: [0, 0] for kind in WorkingFundKind.values}
    )

    @property
    def working_budget(self) -> int:
        return sum(budget for budget, _ in self.working.values())

    @property
    def working_spent(self) -> int:
        return sum(spent for _, spent in self.working.values())

    @property
    def received(self) -> int:
        return self.assistance_budget + self.working_budget

    @property
    def spent(self) -> int:
        return self.assistance_paid + self.working_spent

    @property
    def working_rows(self) -> list[tuple[str, int, int]]:
        """(kind label, budget, spent) for the page."""
        return [
            (WorkingFundKind(kind).label, budget, spent)
            for kind, (budget, spent) in self.working.items()
        ]


def town_funds(user: User, year: int) -> list[TownFunds]:
    """Each town in the user's area: assistance budgeted and paid, working funds budgeted
    and spent by kind, in the year."""
    if not user.can(Capability.VIEW_PAYROLL):
        return []
    towns = {
        town.code: TownFunds(town)
        for town in Region.objects.filter(level=RegionLevel.TOWN)
        .filter(in_area(user, "code"))
        .order_by("code")
    }
    for code, fen in (
        Budget.objects.filter(year=year, region_code__in=towns)
        .values_list("region_code")
        .annotate(fen=Sum("amount_fen"))
    ):
        towns[code].assistance_budget = int(fen)
    for _, _, town_code, fen in paid_by_month(year, user.scope_prefix):
        for row in towns.values():
            if town_code.startswith(row.town.prefix):
                row.assistance_paid += fen
    for code, kind, fen in WorkingBudget.objects.filter(year=year, town_code__in=towns).values_list(
        "town_code", "kind", "amount_fen"
    ):
        towns[code].working[kind][0] = int(fen)
    for code, kind, fen in (
        WorkingSpending.objects.filter(spent_on__year=year, town_code__in=towns)
        .values_list("town_code", "kind")
        .annotate(fen=Sum("amount_fen"))
    ):
        towns[code].working[kind][1] = int(fen)
    return list(towns.values())


def working_spending(user: User, year: int) -> QuerySet[WorkingSpending]:
    """The working-funds spending entries of the year in the user's area."""
    if not user.can(Capability.VIEW_PAYROLL):
        return WorkingSpending.objects.none()
    return (
        WorkingSpending.objects.filter(spent_on__year=year)
        .filter(in_area(user, "town_code"))
        .select_related("town")
    )


def spending_entry(user: User, pk: int) -> WorkingSpending | None:
    """One spending entry in the user's area (for its voucher), or None."""
    if not user.can(Capability.VIEW_PAYROLL):
        return None
    return WorkingSpending.objects.filter(in_area(user, "town_code"), pk=pk).first()
