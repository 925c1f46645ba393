"""What the cases app asks of the policy engine, answered from the registry household."""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from jiuzhu.core.programmes import Programme
from jiuzhu.policy.calculator import calculate, to_decimal
from jiuzhu.policy.household import from_registry
from jiuzhu.policy.parameters import ParameterSet, to_fen
from jiuzhu.registry.models import Household

if TYPE_CHECKING:
    from jiuzhu.cases.models import Case
    from jiuzhu.cases.rules import Entitlement


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def entitlement_for_case(
    case: "Case", month: dt.date, tekun_person_ids: frozenset[int] = frozenset()
) -> "Entitlement":
    from jiuzhu.cases.rules import Entitlement

    recipient = getattr(case, "recipient", None)
    previous = recipient.monthly_amount if recipient is not None else Decimal("0")
    phase_out_until = recipient.phase_out_until if recipient is not None else None
    # A recipient already in phase-out counts months from its first month above the line.
    months_above = 1
    if recipient is not None and recipient.status == "phase_out" and phase_out_until:
        total = _phase_months(case.household, month)
        start = _add_months(phase_out_until.replace(day=1), -(total - 1))
        months_above = (month.year - start.year) * 12 + month.month - start.month + 1
    household = from_registry(
        case.household,
        month,
        dibao_recipient=recipient is not None and case.programme == Programme.DIBAO,
        months_above_line=months_above,
        previous_amount_fen=to_fen(previous),
        tekun_person_ids=tekun_person_ids,
    )
    if case.programme == Programme.TEMPORARY:
        household.temporary_kind = case.temporary_kind or "emergency"
    calc = calculate(household, [case.programme])
    result = calc.result(case.programme)
    monthly = result.monthly_amount
    if case.beneficiary_id is not None and result.beneficiaries:
        ids = [
            m.person_id
            for m in case.household.memberships.filter(end_date__isnull=True).order_by("pk")
        ]
        mine = [b for b in result.beneficiaries if ids[b.member] == case.beneficiary_id]
        if case.programme != Programme.DIBAO or case.single_person_unit:
            monthly = to_decimal(sum(b.monthly_fen for b in mine))
    until = None
    if result.phase_out:
        months = _phase_months(case.household, calc.household.month)
        until = _add_months(month, months - 1)
        if phase_out_until is not None:
            until = phase_out_until
    return Entitlement(
        eligible=result.eligible,
        monthly_amount=monthly,
        one_off_amount=result.one_off_amount,
        summary=result.summary,
        explanation=calc.as_dict(),
        phase_out_until=until,
    )


def _phase_months(household: Household, month: dt.date) -> int:
    key = (
        "dibao.phase_out_months.registered_poor"
        if household.registered_poor
        else "dibao.phase_out_months.other"
    )
    return int(ParameterSet.load(month)[key])


def temporary_limit_for_household(household: Household, on: dt.date) -> Decimal:
    """The town's limit for temporary assistance to this household (3 months' standard each)."""
    ps = ParameterSet.load(on)
    members = household.memberships.filter(end_date__isnull=True, co_resident=True).count()
    std = ps.fen(f"dibao.standard.{household.area_type}")
    return to_decimal(ps["temporary.town_limit_months"] * std * max(members, 1))
