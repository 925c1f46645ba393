"""Writes of the funds app: budget lines, town fiscal indices, allocations."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Recipient
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.permissions import require
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.funds import formulas
from jiuzhu.funds.models import Allocation, AllocationLine, Budget, Level, TownFiscalIndex
from jiuzhu.policy.accessors import Funds


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise DomainError("年度不正确。", field="year")


def set_budget(
    actor: User, year: int, programme: str, region: Region, amount_fen: int, note: str = ""
) -> Budget:
    """Set (or change) a county or town budget line for a programme and year."""
    require(actor, Capability.MANAGE_BUDGETS)
    _check_year(year)
    if programme not in Programme.values:
        raise DomainError("救助项目不正确。", field="programme")
    if amount_fen < 0:
        raise DomainError("预算金额不能为负数。", field="amount")
    if region.level not in (RegionLevel.COUNTY, RegionLevel.TOWN):
        raise DomainError("预算按县级或乡镇设置。", field="region")
    level = Level.COUNTY if region.level == RegionLevel.COUNTY else Level.TOWN
    with transaction.atomic():
        budget, created = Budget.objects.update_or_create(
            year=year,
            programme=programme,
            region=region,
            defaults={
                "level": level,
                "region_code": region.code,
                "amount_fen": amount_fen,
                "note": note.strip()[:200],
                "updated_by": actor,
            },
        )
        record_audit(
            actor,
            "set_budget" if created else "change_budget",
            budget,
            {"year": year, "programme": programme, "region": region.code, "amount_fen": amount_fen},
        )
    return budget


def set_fiscal_index(
    actor: User, year: int, town: Region, weakness: str | Decimal, note: str = ""
) -> TownFiscalIndex:
    """Set a town's fiscal weakness index (0 strong … 1 weakest) for a year."""
    require(actor, Capability.MANAGE_BUDGETS)
    _check_year(year)
    if town.level != RegionLevel.TOWN:
        raise DomainError("财力指数按乡镇设置。", field="town")
    try:
        value = Decimal(str(weakness).strip())
    except InvalidOperation:
        raise DomainError("财力薄弱指数应为0到1之间的小数。", field="weakness") from None
    if not Decimal(0) <= value <= Decimal(1):
        raise DomainError("财力薄弱指数应为0到1之间的小数。", field="weakness")
    with transaction.atomic():
        row, _ = TownFiscalIndex.objects.update_or_create(
            year=year,
            town=town,
            defaults={"weakness": value, "note": note.strip()[:200], "updated_by": actor},
        )
        record_audit(actor, "set_fiscal_index", row, {"town": town.code, "weakness": str(value)})
    return row


def allocate(actor: User, year: int, programme: str, total_fen: int) -> Allocation:
    """Distribute a county subsidy over the towns and write each town's budget line."""
    require(actor, Capability.MANAGE_BUDGETS)
    _check_year(year)
    if total_fen <= 0:
        raise DomainError("补助总额应大于0。", field="amount")
    funds = Funds.on(dt.date(year, 1, 1))
    w_r, w_f = funds.weight_recipients, funds.weight_fiscal_weakness
    towns = list(Region.objects.filter(level=RegionLevel.TOWN).order_by("code"))
    if not towns:
        raise DomainError("没有乡镇，无法分配。")
    indices = {i.town_id: i.weakness for i in TownFiscalIndex.objects.filter(year=year)}
    missing = [t.name for t in towns if t.pk not in indices]
    if missing:
        raise DomainError(f"{year}年以下乡镇未录入财力薄弱指数：" + "、".join(missing) + "。")
    counts = dict(
        Recipient.objects.filter(programme=programme, status__in=ACTIVE_RECIPIENT_STATUSES)
        .values_list("region_code")
        .annotate(n=Count("pk"))
        .values_list("region_code", "n")
    )
    recipients = [sum(n for code, n in counts.items() if code.startswith(t.prefix)) for t in towns]
    weakness = [indices[t.pk] for t in towns]
    town_weights = formulas.weights(recipients, weakness, w_r, w_f)
    amounts = formulas.split(total_fen, town_weights)
    with transaction.atomic():
        allocation = Allocation.objects.create(
            year=year,
            programme=programme,
            total_fen=total_fen,
            weights={"recipients": str(w_r), "fiscal_weakness": str(w_f)},
            created_by=actor,
        )
        AllocationLine.objects.bulk_create(
            [
                AllocationLine(
                    allocation=allocation,
                    town=t,
                    recipients=r,
                    weakness=w,
                    weight=weight.quantize(Decimal("0.0000000001")),
                    amount_fen=a,
                )
                for t, r, w, weight, a in zip(
                    towns, recipients, weakness, town_weights, amounts, strict=True
                )
            ]
        )
        for t, a in zip(towns, amounts, strict=True):
            Budget.objects.update_or_create(
                year=year,
                programme=programme,
                region=t,
                defaults={
                    "level": Level.TOWN,
                    "region_code": t.code,
                    "amount_fen": a,
                    "allocation": allocation,
                    "note": "县级补助分配",
                    "updated_by": actor,
                },
            )
        record_audit(
            actor,
            "allocate",
            allocation,
            {"year": year, "programme": programme, "total_fen": total_fen},
        )
    return allocation
