"""A plain one-household implementation of the means test, dibao and tekun.

Written straight from the rules, in ordinary Python integers, without the column tricks;
the property tests check that the column formulas agree with it on random households.
"""

from dataclasses import dataclass

from jiuzhu.policy.formulas import CARE_KEYS, DISABILITY_CODES, Params
from jiuzhu.policy.household import FINANCIAL_KINDS, HouseholdIn, MemberIn, own_countable
from jiuzhu.registry.models import AssetKind, LabourCapacity


@dataclass
class Reference:
    countable: int
    income_ok: bool
    assets_ok: bool
    dibao_amount: int
    tekun_amounts: list[int]


def _incapable(m: MemberIn, k: Params) -> bool:
    if m.age >= k.incapacity_min_age or m.age < k.incapacity_under_age:
        return True
    if m.labour_capacity == LabourCapacity.NONE:
        return True
    code = DISABILITY_CODES.get(m.disability_category, 0)
    worst = k.incapacity_disability.get(code)
    return worst is not None and 1 <= m.disability_grade <= worst


def reference(h: HouseholdIn, k: Params) -> Reference:
    urban = h.area_type == "urban"
    std = k.dibao_std[1] if urban else k.dibao_std[0]
    members = sum(1 for m in h.members if m.counted)

    # Income: everything, less the categories not counted, less work costs.
    gross = sum(i.monthly_fen for i in h.incomes)
    excluded = 0
    for i in h.incomes:
        if i.category in k.not_counted or (h.registered_poor and i.category in k.not_counted_poor):
            excluded += i.monthly_fen
    attributed_wages = sum(
        i.monthly_fen
        for i in h.incomes
        if i.category == "wages" and i.member is not None and i.monthly_fen > 0
    )
    workers = len(
        {
            i.member
            for i in h.incomes
            if i.category == "wages" and i.member is not None and i.monthly_fen > 0
        }
    )
    share_num, share_den = k.work_cost_share.as_integer_ratio()
    cap_num, cap_den = k.work_cost_cap_share.as_integer_ratio()
    work_cost = min(attributed_wages * share_num // share_den, std * cap_num * workers // cap_den)
    countable = max(gross - excluded - work_cost, 0)
    income_ok = countable < std * members  # per-capita income strictly below the standard
    edge_num, edge_den = k.edge_ratio.as_integer_ratio()
    edge = not income_ok and countable * edge_den < std * members * edge_num

    vehicles = sum(a.quantity for a in h.assets if a.kind == AssetKind.VEHICLE)
    houses = sum(a.quantity for a in h.assets if a.kind == AssetKind.HOUSE)
    financial = sum(a.value_fen for a in h.assets if a.kind in FINANCIAL_KINDS)
    business = max([a.value_fen for a in h.assets if a.kind == AssetKind.BUSINESS], default=0)
    assets_ok = (
        vehicles <= k.vehicles_allowed
        and houses <= k.houses_allowed
        and financial <= std * k.financial_months * members
        and business <= k.business_limit
    )
    payroll = any(m.public_payroll and m.counted for m in h.members)

    # Tekun, person by person; an adult member able to work is a supporter.
    able_adult = any(
        m.counted and not _incapable(m, k) and m.age >= k.topup_under_age for m in h.members
    )
    tekun_amounts = []
    for m in h.members:
        ok = (
            m.counted
            and not (m.orphan and m.age < k.children_max_age)
            and _incapable(m, k)
            and income_ok
            and assets_ok
            and not m.has_supporter
            and not able_adult
        )
        if not ok:
            tekun_amounts.append(0)
            continue
        if m.adl_unable >= k.dependent_from:
            level = 2
        elif m.adl_unable >= k.semi_from:
            level = 1
        else:
            level = 0
        assert CARE_KEYS[level]
        basic = k.tekun_basic[1] if urban else k.tekun_basic[0]
        tekun_amounts.append(basic + k.care[level])

    # Dibao for the members not supported as tekun.
    minimum = k.minimum[1] if urban else k.minimum[0]
    topup = k.topup[1] if urban else k.topup[0]
    unit_members = [m for m in h.members if m.counted and not m.tekun_member]
    unit = len(unit_members)

    def special(m: MemberIn) -> bool:
        return (
            m.age >= k.topup_min_age
            or m.age < k.topup_under_age
            or 1 <= m.disability_grade <= k.severe_grade
            or m.serious_illness
        )

    amount = 0
    phase_months = k.phase_out_months_poor if h.registered_poor else k.phase_out_months_other
    in_phase = (
        not income_ok
        and assets_ok
        and h.dibao_recipient
        and 1 <= h.months_above_line <= phase_months
        and unit > 0
    )
    if unit > 0 and income_ok and assets_ok and not payroll:
        gap = std * members - countable  # = (standard − per-capita income) × members
        base = gap if unit == members else gap * unit // members
        base = max(base, minimum * unit)
        amount = base + topup * sum(1 for m in unit_members if special(m))
    elif in_phase:
        taper = list(k.taper) or [100]
        pct = taper[min(h.months_above_line, len(taper)) - 1]
        amount = h.previous_amount_fen * pct // 100
    elif not income_ok and assets_ok and not payroll and (h.registered_poor or edge):
        single = 0
        for idx, m in enumerate(h.members):
            if not m.counted or m.tekun_member:
                continue
            if not (1 <= m.disability_grade <= k.severe_grade or m.serious_illness):
                continue
            own = sum(
                inc.monthly_fen
                for inc in h.incomes
                if inc.member == idx and own_countable(k, inc.category, h.registered_poor)
            )
            if own < std:
                single += max(std - own, minimum) + topup
        if single:
            amount = single
    return Reference(countable, income_ok, assets_ok, amount, tekun_amounts)
