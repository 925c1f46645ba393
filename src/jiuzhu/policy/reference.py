"""A plain one-household implementation of the means test, dibao and tekun.

Written straight from the rules, in ordinary Python integers, without the column tricks;
the property tests check that the column formulas agree with it on random households.
"""

from dataclasses import dataclass

from jiuzhu.policy.formulas import CARE_KEYS, DISABILITY_CODES, Params
from jiuzhu.policy.household import FINANCIAL_KINDS, HouseholdIn, MemberIn, own_countable
from jiuzhu.registry.models import AssetKind, HukouType, LabourCapacity


@dataclass
class Reference:
    countable: int
    income_ok: bool
    assets_ok: bool
    dibao_amount: int
    tekun_amounts: list[int]


def _incapable(member: MemberIn, params: Params) -> bool:
    if member.age >= params.incapacity_min_age or member.age < params.incapacity_under_age:
        return True
    if member.labour_capacity == LabourCapacity.NONE:
        return True
    code = DISABILITY_CODES.get(member.disability_category, 0)
    worst = params.incapacity_disability.get(code)
    return worst is not None and 1 <= member.disability_grade <= worst


@dataclass
class _Means:
    urban: bool
    standard: int
    members: int
    countable: int
    income_ok: bool
    edge: bool
    assets_ok: bool
    payroll: bool


def _means(household: HouseholdIn, params: Params) -> _Means:
    """Income: everything, less the categories not counted, less work costs; property."""
    urban = household.area_type == HukouType.URBAN
    standard = params.dibao_std[1] if urban else params.dibao_std[0]
    members = sum(1 for member in household.members if member.counted)
    incomes = household.incomes
    gross = sum(income.monthly_fen for income in incomes)
    excluded = sum(
        income.monthly_fen
        for income in incomes
        if income.category in params.not_counted
        or (household.registered_poor and income.category in params.not_counted_poor)
    )
    wages = [
        income
        for income in incomes
        if income.category == "wages" and income.member is not None and income.monthly_fen > 0
    ]
    workers = len({income.member for income in wages})
    share_num, share_den = params.work_cost_share.as_integer_ratio()
    cap_num, cap_den = params.work_cost_cap_share.as_integer_ratio()
    work_cost = min(
        sum(income.monthly_fen for income in wages) * share_num // share_den,
        standard * cap_num * workers // cap_den,
    )
    countable = max(gross - excluded - work_cost, 0)
    income_ok = countable < standard * members  # per-capita income strictly below
    edge_num, edge_den = params.edge_ratio.as_integer_ratio()
    edge = not income_ok and countable * edge_den < standard * members * edge_num
    assets = household.assets
    vehicles = sum(asset.quantity for asset in assets if asset.kind == AssetKind.VEHICLE)
    houses = sum(asset.quantity for asset in assets if asset.kind == AssetKind.HOUSE)
    financial = sum(asset.value_fen for asset in assets if asset.kind in FINANCIAL_KINDS)
    business = max(
        [asset.value_fen for asset in assets if asset.kind == AssetKind.BUSINESS], default=0
    )
    assets_ok = (
        vehicles <= params.vehicles_allowed
        and houses <= params.houses_allowed
        and financial <= standard * params.financial_months * members
        and business <= params.business_limit
    )
    payroll = any(member.public_payroll and member.counted for member in household.members)
    return _Means(urban, standard, members, countable, income_ok, edge, assets_ok, payroll)


def _tekun_amounts(household: HouseholdIn, params: Params, means: _Means) -> list[int]:
    """Tekun, person by person; an adult member able to work is a supporter."""
    able_adult = any(
        member.counted and not _incapable(member, params) and member.age >= params.topup_under_age
        for member in household.members
    )
    amounts = []
    for member in household.members:
        eligible = (
            member.counted
            and not (member.orphan and member.age < params.children_max_age)
            and _incapable(member, params)
            and means.income_ok
            and means.assets_ok
            and not member.has_supporter
            and not able_adult
        )
        if not eligible:
            amounts.append(0)
            continue
        if member.adl_unable >= params.dependent_from:
            level = 2
        elif member.adl_unable >= params.semi_from:
            level = 1
        else:
            level = 0
        assert CARE_KEYS[level]
        basic = params.tekun_basic[1] if means.urban else params.tekun_basic[0]
        amounts.append(basic + params.care[level])
    return amounts


def _special(member: MemberIn, params: Params) -> bool:
    return (
        member.age >= params.topup_min_age
        or member.age < params.topup_under_age
        or 1 <= member.disability_grade <= params.severe_grade
        or member.serious_illness
    )


def _single_units(household: HouseholdIn, params: Params, means: _Means) -> int:
    minimum = params.minimum[1] if means.urban else params.minimum[0]
    topup = params.topup[1] if means.urban else params.topup[0]
    total = 0
    for index, member in enumerate(household.members):
        if not member.counted or member.tekun_member:
            continue
        if not (1 <= member.disability_grade <= params.severe_grade or member.serious_illness):
            continue
        own = sum(
            income.monthly_fen
            for income in household.incomes
            if income.member == index
            and own_countable(params, income.category, household.registered_poor)
        )
        if own < means.standard:
            total += max(means.standard - own, minimum) + topup
    return total


def _dibao_amount(household: HouseholdIn, params: Params, means: _Means) -> int:
    """Dibao for the members not supported as tekun."""
    minimum = params.minimum[1] if means.urban else params.minimum[0]
    topup = params.topup[1] if means.urban else params.topup[0]
    unit_members = [
        member for member in household.members if member.counted and not member.tekun_member
    ]
    unit = len(unit_members)
    phase_months = (
        params.phase_out_months_poor if household.registered_poor else params.phase_out_months_other
    )
    in_phase = (
        not means.income_ok
        and means.assets_ok
        and household.dibao_recipient
        and 1 <= household.months_above_line <= phase_months
        and unit > 0
    )
    if unit > 0 and means.income_ok and means.assets_ok and not means.payroll:
        gap = means.standard * means.members - means.countable  # (standard − per capita) × n
        base = gap if unit == means.members else gap * unit // means.members
        base = max(base, minimum * unit)
        return base + topup * sum(1 for member in unit_members if _special(member, params))
    if in_phase:
        taper = list(params.taper) or [100]
        percent = taper[min(household.months_above_line, len(taper)) - 1]
        return household.previous_amount_fen * percent // 100
    single_open = household.registered_poor or means.edge
    if not means.income_ok and means.assets_ok and not means.payroll and single_open:
        return _single_units(household, params, means)
    return 0


def reference(household: HouseholdIn, params: Params) -> Reference:
    """The means test, dibao and tekun for one household, straight from the rules."""
    means = _means(household, params)
    return Reference(
        means.countable,
        means.income_ok,
        means.assets_ok,
        _dibao_amount(household, params, means),
        _tekun_amounts(household, params, means),
    )
