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
    seen = _latest_allocation(year, programme)
    towns = list(Region.objects.filter(level=RegionLevel.TOWN).order_by("code"))
    if not towns:
        raise DomainError("没有乡镇，无法分配。")
    weakness = _weakness_of(year, towns)
    recipients = _recipients_of(programme, towns)
    town_weights = formulas.weights(
        recipients, weakness, funds.weight_recipients, funds.weight_fiscal_weakness
    )
    amounts = formulas.split(total_fen, town_weights)
    with transaction.atomic():
        # The towns whose budget lines are rewritten are locked: two allocations at once go
        # one after the other, and the second, computed before the first was written, is
        # refused instead of silently replacing it.
        locked = Region.objects.select_for_update().filter(pk__in=[town.pk for town in towns])
        list(locked.values_list("pk", flat=True))
        if _latest_allocation(year, programme) != seen:
            raise DomainError("该年度该项目的补助刚被其他人分配，请刷新核对后再分配。")
        allocation = Allocation.objects.create(
            year=year,
            programme=programme,
            total_fen=total_fen,
            weights={
                "recipients": str(funds.weight_recipients),
                "fiscal_weakness": str(funds.weight_fiscal_weakness),
            },
            created_by=actor,
        )
        AllocationLine.objects.bulk_create(
            [
                AllocationLine(
                    allocation=allocation,
                    town=town,
                    recipients=count,
                    weakness=weak,
                    weight=weight.quantize(Decimal("0.0000000001")),
                    amount_fen=amount,
                )
                for town, count, weak, weight, amount in zip(
                    towns, recipients, weakness, town_weights, amounts, strict=True
                )
            ]
        )
        _write_town_budgets(actor, allocation, towns, amounts)
        record_audit(
            actor,
            "allocate",
            allocation,
            {"year": year, "programme": programme, "total_fen": total_fen},
        )
    return allocation


def _latest_allocation(year: int, programme: str) -> int | None:
    return (
        Allocation.objects.filter(year=year, programme=programme)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def _weakness_of(year: int, towns: list[Region]) -> list[Decimal]:
    """Each town's fiscal weakness index of the year; refused if a town has none."""
    indices = {index.town_id: index.weakness for index in TownFiscalIndex.objects.filter(year=year)}
    missing = [town.name for town in towns if town.pk not in indices]
    if missing:
        raise DomainError(f"{year}年以下乡镇未录入财力薄弱指数：" + "、".join(missing) + "。")
    return [indices[town.pk] for town in towns]


def _recipients_of(programme: str, towns: list[Region]) -> list[int]:
    """How many recipients of the programme each town has now."""
    counts = dict(
        Recipient.objects.filter(programme=programme, status__in=ACTIVE_RECIPIENT_STATUSES)
        .values_list("region_code")
        .annotate(n=Count("pk"))
        .values_list("region_code", "n")
    )
    return [
        sum(count for code, count in counts.items() if code.startswith(town.prefix))
        for town in towns
    ]


def _write_town_budgets(
    actor: User, allocation: Allocation, towns: list[Region], amounts: list[int]
) -> None:
    """Each town's budget line of the programme becomes its share of the allocation."""
    for town, amount in zip(towns, amounts, strict=True):
        Budget.objects.update_or_create(
            year=allocation.year,
            programme=allocation.programme,
            region=town,
            defaults={
                "level": Level.TOWN,
                "region_code": town.code,
                "amount_fen": amount,
                "allocation": allocation,
                "note": "县级补助分配",
                "updated_by": actor,
            },
        )
