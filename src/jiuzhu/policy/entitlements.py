"""A programme's entitlement for one registry household: what decisions and reviews ask.

The cases app gives plain values (the programme, who benefits, the current recipient's
amount and phase-out), never a case: the policy engine knows households and people, not
the workflow around them.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jiuzhu.core.money import to_yuan
from jiuzhu.core.months import add_months, months_between
from jiuzhu.core.programmes import Programme
from jiuzhu.policy.accessors import PhaseOut, temporary_limits
from jiuzhu.policy.calculator import calculate
from jiuzhu.policy.household import TemporaryKind, from_registry
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import Household


@dataclass(frozen=True)
class CurrentRecipient:
    """What is paid now, where the programme is already in force for the household."""

    monthly_fen: int
    in_phase_out: bool = False
    phase_out_until: dt.date | None = None


@dataclass(frozen=True)
class Claim:
    """What is asked: a programme for a household, or for one of its members."""

    programme: str
    beneficiary_id: int | None = None
    single_person_unit: bool = False
    temporary_kind: str = ""
    temporary_expense_fen: int = 0  # the hardship declared, with its evidence
    current: CurrentRecipient | None = None
    # Members already supported as tekun: outside the dibao unit (a person is never in both).
    tekun_person_ids: frozenset[int] = frozenset()


@dataclass
class Entitlement:
    eligible: bool
    monthly_amount: Decimal
    one_off_amount: Decimal | None
    summary: str
    explanation: dict[str, Any] = field(default_factory=dict)
    phase_out_until: dt.date | None = None


def entitlement(household: Household, claim: Claim, month: dt.date) -> Entitlement:
    """Eligibility and amount of a claim for `month`, with the calculator's explanation."""
    current = claim.current
    months_above = 1
    if current is not None and current.in_phase_out and current.phase_out_until:
        # A recipient already in phase-out counts months from its first month above the line.
        total = phase_out_months(household, month)
        start = add_months(current.phase_out_until, -(total - 1))
        months_above = months_between(start, month) + 1
    household_in = from_registry(
        household,
        month,
        dibao_recipient=current is not None and claim.programme == Programme.DIBAO,
        months_above_line=months_above,
        previous_amount_fen=current.monthly_fen if current is not None else 0,
        tekun_person_ids=claim.tekun_person_ids,
    )
    if claim.programme == Programme.TEMPORARY:
        household_in.temporary_kind = claim.temporary_kind or TemporaryKind.EMERGENCY
        household_in.temporary_expense_fen = claim.temporary_expense_fen
    calculation = calculate(household_in, [claim.programme])
    result = calculation.result(claim.programme)
    monthly = result.monthly_amount
    if claim.beneficiary_id is not None and result.beneficiaries:
        person_ids = [
            m.person_id for m in household.memberships.filter(end_date__isnull=True).order_by("pk")
        ]
        own = [b for b in result.beneficiaries if person_ids[b.member] == claim.beneficiary_id]
        if claim.programme != Programme.DIBAO or claim.single_person_unit:
            monthly = to_yuan(sum(b.monthly_fen for b in own))
    until = None
    if result.phase_out:
        until = (current.phase_out_until if current is not None else None) or add_months(
            month, phase_out_months(household, calculation.household.month) - 1
        )
    return Entitlement(
        eligible=result.eligible,
        monthly_amount=monthly,
        one_off_amount=result.one_off_amount,
        summary=result.summary,
        explanation=calculation.as_dict(),
        phase_out_until=until,
    )


def phase_out_months(household: Household, month: dt.date) -> int:
    """How many months a household keeps dibao after its income rose above the line."""
    return PhaseOut.on(month).months(household.registered_poor)


def temporary_limit(household: Household, on: dt.date) -> Decimal:
    """The town's limit for temporary assistance to this household (3 months' standard each)."""
    members = household.memberships.filter(end_date__isnull=True, co_resident=True).count()
    limits = temporary_limits(ParameterSet.load(on), household.area_type, max(members, 1))
    return to_yuan(limits.town_fen)
