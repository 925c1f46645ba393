"""The policy's formulas as pure functions over columns.

One household on a caseworker's screen and a million at payroll go through these same
functions: household columns have one row per household, person columns one row per
person (sorted by household, `hh` giving the household's row). Money is int64 fen
throughout; every parameter comes from a `ParameterSet` for the month, converted once to
fen or to exact integer ratios, so the arithmetic is integer and exact.

Each programme returns an amount in fen, an eligibility flag and a reason code per row;
`explain.py` turns the codes and the parameters into Chinese text for one household.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from jiuzhu.core.money import share_fen
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import DisabilityCategory, IncomeCategory

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
IntArr = npt.NDArray[np.integer]

INCOME_CATEGORIES: list[str] = list(IncomeCategory.values)
DISABILITY_CODES: dict[str, int] = {c: i for i, c in enumerate(DisabilityCategory.values)}

# Care levels (照料护理等级)
SELF_CARE, SEMI_DEPENDENT, DEPENDENT = 0, 1, 2
CARE_KEYS = ("self_care", "semi_dependent", "dependent")

# Asset test failures, a bit mask per household.
ASSET_VEHICLE, ASSET_HOUSING, ASSET_FINANCIAL, ASSET_BUSINESS = 1, 2, 4, 8


class Dibao:
    """Reason codes of the dibao result."""

    ELIGIBLE = 0
    INCOME_ABOVE = 1  # per-capita countable income at or above the standard
    ASSETS = 2  # property over the limits
    PHASE_OUT = 3  # income above the line, still within the phase-out months
    SINGLE_PERSON_UNIT = 4  # household not eligible; members admitted alone
    PUBLIC_PAYROLL = 5  # a member on the public payroll: county case decision
    NO_MEMBERS = 6  # no co-resident member left in the unit (all supported as tekun)


class Tekun:
    ELIGIBLE = 0
    HAS_CAPACITY = 1
    INCOME_OR_ASSETS = 2
    HAS_SUPPORTER = 3
    ORPHAN_SCHEME = 4  # a minor who is an orphan goes to the children's scheme
    NOT_COUNTED = 5


@dataclass
class Households:
    """Household columns (n rows). Income columns are monthly averages in fen by category."""

    urban: B
    registered_poor: B
    income: dict[str, I64]  # category → fen per household
    wages_attributed: I64  # wages of identified members (for the work-cost deduction)
    working_members: IntArr  # members with attributed wages
    vehicles: IntArr  # motor vehicles other than the exempt kinds
    houses: IntArr
    financial: I64  # deposits + securities + commercial insurance, fen
    business: I64  # largest registered business capital/turnover, fen
    dibao_recipient: B  # receives dibao now (phase-out needs it)
    months_above_line: IntArr  # 1 = first month with income above the line
    previous_amount: I64  # monthly dibao before income rose, fen

    @property
    def n(self) -> int:
        return len(self.urban)


@dataclass
class Persons:
    """Person columns (m rows, sorted by `hh`)."""

    hh: IntArr
    age: IntArr
    disability_grade: IntArr  # 0 none, 1 (most severe) … 4
    disability_category: IntArr  # DISABILITY_CODES
    serious_illness: B
    labour_none: B  # assessed as having no capacity to work
    counted: B  # co-resident member counted in the household
    public_payroll: B
    adl_unable: IntArr  # daily activities (of six) the person cannot do
    has_supporter: B  # someone with a legal duty of support able to support
    institutional: B  # tekun / children: living in a care home
    orphan: B  # orphan or de-facto orphan (事实无人抚养儿童)
    own_income: I64  # countable income attributed to the person, fen
    tekun_member: B  # already supported as tekun: not in the dibao unit (互斥)

    @property
    def m(self) -> int:
        return len(self.hh)


@dataclass
class Params:
    """The month's parameters as integers (fen, counts) and exact ratios."""

    dibao_std: tuple[int, int]  # (rural, urban) fen
    tekun_basic: tuple[int, int]
    care: tuple[int, int, int]
    children_std: tuple[int, int]  # (dispersed, institutional)
    not_counted: frozenset[str]
    not_counted_poor: frozenset[str]
    work_cost_share: Decimal
    work_cost_cap_share: Decimal
    vehicles_allowed: int
    houses_allowed: int
    financial_months: int
    business_limit: int
    minimum_share: Decimal
    topup_share: Decimal
    minimum: tuple[int, int]  # fen per person (rural, urban)
    topup: tuple[int, int]
    topup_min_age: int
    topup_under_age: int
    severe_grade: int
    phase_out_months_poor: int
    phase_out_months_other: int
    taper: tuple[int, ...]  # percent by phase-out month
    edge_ratio: Decimal
    incapacity_min_age: int
    incapacity_under_age: int
    incapacity_disability: dict[int, int]  # category code → worst grade that counts
    semi_from: int
    dependent_from: int
    children_max_age: int
    living_subsidy: int
    nursing_subsidy: int
    nursing_max_grade: int
    elderly_subsidy: int
    elderly_min_age: int

    @classmethod
    def from_set(cls, p: ParameterSet) -> "Params":
        std = (p.fen("dibao.standard.rural"), p.fen("dibao.standard.urban"))
        minimum_share = p["dibao.minimum_share"]
        topup_share = p["dibao.topup_share"]
        return cls(
            dibao_std=std,
            tekun_basic=(p.fen("tekun.basic.rural"), p.fen("tekun.basic.urban")),
            care=tuple(p.fen(f"tekun.care.{k}") for k in CARE_KEYS),  # type: ignore[arg-type]
            children_std=(
                p.fen("children.standard.dispersed"),
                p.fen("children.standard.institutional"),
            ),
            not_counted=frozenset(p["income.not_counted"]),
            not_counted_poor=frozenset(p["income.not_counted.registered_poor"]),
            work_cost_share=p["income.work_cost_share"],
            work_cost_cap_share=p["income.work_cost_cap_share"],
            vehicles_allowed=p["asset.vehicles_allowed"],
            houses_allowed=p["asset.houses_allowed"],
            financial_months=p["asset.financial_months"],
            business_limit=p.fen("asset.business_capital_limit"),
            minimum_share=minimum_share,
            topup_share=topup_share,
            minimum=(share_fen(std[0], minimum_share), share_fen(std[1], minimum_share)),
            topup=(share_fen(std[0], topup_share), share_fen(std[1], topup_share)),
            topup_min_age=p["dibao.topup_min_age"],
            topup_under_age=p["dibao.topup_under_age"],
            severe_grade=p["dibao.severe_disability_grade"],
            phase_out_months_poor=p["dibao.phase_out_months.registered_poor"],
            phase_out_months_other=p["dibao.phase_out_months.other"],
            taper=tuple(int(x) for x in p["dibao.phase_out_taper"]),
            edge_ratio=p["dibao.edge_ratio"],
            incapacity_min_age=p["tekun.incapacity_min_age"],
            incapacity_under_age=p["tekun.incapacity_under_age"],
            incapacity_disability={
                DISABILITY_CODES[c]: int(g) for c, g in p["tekun.incapacity_disability"]
            },
            semi_from=p["tekun.semi_dependent_from"],
            dependent_from=p["tekun.dependent_from"],
            children_max_age=p["children.max_age"],
            living_subsidy=p.fen("disability.living_subsidy"),
            nursing_subsidy=p.fen("disability.nursing_subsidy"),
            nursing_max_grade=p["disability.nursing_max_grade"],
            elderly_subsidy=p.fen("elderly.subsidy"),
            elderly_min_age=p["elderly.min_age"],
        )


def _ratio(value: Decimal) -> tuple[int, int]:
    """An exact ratio as integers (numerator, denominator)."""
    num, den = value.as_integer_ratio()
    return int(num), int(den)


def pick(urban: B, pair: tuple[int, int]) -> I64:
    """Per-row value by area type: pair = (rural, urban)."""
    return np.where(urban, np.int64(pair[1]), np.int64(pair[0]))


def sum_by(hh: IntArr, values: npt.NDArray[np.integer] | B, n: int) -> I64:
    """Sum person values per household, in int64 (persons are sorted by household)."""
    counts = np.bincount(hh, minlength=n)
    if values.dtype == np.bool_:
        return np.bincount(hh[values], minlength=n).astype(np.int64)
    if len(hh) == 0:
        return np.zeros(n, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    starts = np.minimum(starts, len(hh) - 1)
    out = np.add.reduceat(values.astype(np.int64), starts)
    out[counts == 0] = 0
    return out


@dataclass
class MeansTest:
    members: I64  # co-resident members counted
    gross: I64  # all income, fen
    not_counted: I64  # excluded by category
    poverty_excluded: I64  # the three registered-poor items
    work_cost: I64
    countable: I64
    standard: I64  # dibao standard per person, fen
    income_ok: B  # countable < standard × members
    edge: B  # income above the standard but below edge_ratio × standard
    asset_fail: npt.NDArray[Any]  # ASSET_* bit mask
    financial_limit: I64
    public_payroll: B


def means_test(h: Households, p: Persons, k: Params) -> MeansTest:
    n = h.n
    zero = np.zeros(n, dtype=np.int64)
    members = sum_by(p.hh, p.counted, n)
    gross = zero.copy()
    not_counted = zero.copy()
    poverty = zero.copy()
    for category, column in h.income.items():
        gross += column
        if category in k.not_counted:
            not_counted += column
        elif category in k.not_counted_poor:
            poverty += np.where(h.registered_poor, column, 0)
    standard = pick(h.urban, k.dibao_std)
    share_num, share_den = _ratio(k.work_cost_share)
    cap_num, cap_den = _ratio(k.work_cost_cap_share)
    work_cost = np.minimum(
        h.wages_attributed * share_num // share_den,
        standard * cap_num * h.working_members.astype(np.int64) // cap_den,
    )
    countable = np.maximum(gross - not_counted - poverty - work_cost, 0)
    line = standard * members
    income_ok = countable < line
    edge_num, edge_den = _ratio(k.edge_ratio)
    edge = ~income_ok & (countable * edge_den < line * edge_num)
    financial_limit = standard * k.financial_months * members
    asset_fail = (
        np.where(h.vehicles > k.vehicles_allowed, ASSET_VEHICLE, 0)
        | np.where(h.houses > k.houses_allowed, ASSET_HOUSING, 0)
        | np.where(h.financial > financial_limit, ASSET_FINANCIAL, 0)
        | np.where(h.business > k.business_limit, ASSET_BUSINESS, 0)
    )
    public_payroll = sum_by(p.hh, p.public_payroll & p.counted, n) > 0
    return MeansTest(
        members=members,
        gross=gross,
        not_counted=not_counted,
        poverty_excluded=poverty,
        work_cost=work_cost,
        countable=countable,
        standard=standard,
        income_ok=income_ok,
        edge=edge,
        asset_fail=asset_fail,
        financial_limit=financial_limit,
        public_payroll=public_payroll,
    )


def no_capacity(p: Persons, k: Params) -> B:
    """No capacity to work: age, listed disabilities, or assessed so (特困人员认定办法)."""
    listed = np.zeros(p.m, dtype=np.bool_)
    for code, worst in k.incapacity_disability.items():
        listed |= (
            (p.disability_category == code)
            & (p.disability_grade >= 1)
            & (p.disability_grade <= worst)
        )
    return (
        (p.age >= k.incapacity_min_age) | (p.age < k.incapacity_under_age) | listed | p.labour_none
    )


def care_level(adl_unable: IntArr, k: Params) -> IntArr:
    """Care level from the number of the six daily activities a person cannot do."""
    return np.where(
        adl_unable >= k.dependent_from,
        DEPENDENT,
        np.where(adl_unable >= k.semi_from, SEMI_DEPENDENT, SELF_CARE),
    )


@dataclass
class TekunResult:
    eligible: B
    amount: I64
    reason: IntArr
    basic: I64
    care: I64
    level: IntArr


def tekun(h: Households, p: Persons, k: Params, mt: MeansTest) -> TekunResult:
    urban = h.urban[p.hh]
    capacity = ~no_capacity(p, k)
    # An adult member able to work is a supporter living with the person.
    able = sum_by(p.hh, capacity & p.counted & (p.age >= k.topup_under_age), h.n) > 0
    supporter = p.has_supporter | able[p.hh]
    means_ok = (mt.income_ok & (mt.asset_fail == 0))[p.hh]
    orphan_minor = p.orphan & (p.age < k.children_max_age)
    reason = np.select(
        [~p.counted, orphan_minor, capacity, ~means_ok, supporter],
        [
            Tekun.NOT_COUNTED,
            Tekun.ORPHAN_SCHEME,
            Tekun.HAS_CAPACITY,
            Tekun.INCOME_OR_ASSETS,
            Tekun.HAS_SUPPORTER,
        ],
        default=Tekun.ELIGIBLE,
    )
    eligible = reason == Tekun.ELIGIBLE
    level = care_level(p.adl_unable, k)
    basic = pick(urban, k.tekun_basic)
    care = np.asarray(k.care, dtype=np.int64)[level]
    amount = np.where(eligible, basic + care, 0)
    return TekunResult(eligible, amount, reason, basic, care, level)


@dataclass
class DibaoResult:
    eligible: B
    amount: I64
    reason: IntArr
    unit: I64  # members in the dibao unit (tekun members are supported separately)
    base: I64
    topups: I64  # number of members with a top-up
    single_units: I64  # members admitted as single-person units
    phase_month: IntArr
    in_unit: B = field(repr=False)  # per person


def dibao(h: Households, p: Persons, k: Params, mt: MeansTest, tk: TekunResult) -> DibaoResult:
    n = h.n
    in_unit = p.counted & ~p.tekun_member
    unit = sum_by(p.hh, in_unit, n)
    std = mt.standard
    minimum = pick(h.urban, k.minimum)
    topup = pick(h.urban, k.topup)
    assets_ok = mt.asset_fail == 0
    # Top-ups: elderly, minors, severely disabled, seriously ill members of the unit.
    special = (
        (p.age >= k.topup_min_age)
        | (p.age < k.topup_under_age)
        | ((p.disability_grade >= 1) & (p.disability_grade <= k.severe_grade))
        | p.serious_illness
    )
    topups = sum_by(p.hh, in_unit & special, n)
    # Difference method: (standard − per-capita income) × unit, exact in fen.
    members = np.maximum(mt.members, 1)
    gap = std * mt.members - mt.countable
    base = np.where(unit == mt.members, gap, gap * unit // members)
    base = np.maximum(base, minimum * unit)
    whole = mt.income_ok & assets_ok & ~mt.public_payroll & (unit > 0)
    amount = np.where(whole, base + topup * topups, 0)
    # Phase-out: a recipient whose income rose above the line keeps it for a while.
    months = np.where(h.registered_poor, k.phase_out_months_poor, k.phase_out_months_other)
    phase_month = h.months_above_line
    in_phase = (
        ~mt.income_ok
        & assets_ok
        & h.dibao_recipient
        & (phase_month >= 1)
        & (phase_month <= months)
        & (unit > 0)
    )
    taper = np.asarray((*k.taper, *([k.taper[-1] if k.taper else 100] * 24)), dtype=np.int64)
    taper_pct = taper[np.clip(phase_month - 1, 0, len(taper) - 1)]
    phase_amount = h.previous_amount * taper_pct // 100
    amount = np.where(in_phase, phase_amount, amount)
    # Single-person units (单人户): a severely disabled or seriously ill member of a
    # registered-poor or edge household that is not eligible as a whole.
    severe = (p.disability_grade >= 1) & (p.disability_grade <= k.severe_grade)
    hh_single_ok = (
        ~mt.income_ok & ~in_phase & assets_ok & ~mt.public_payroll & (h.registered_poor | mt.edge)
    )
    std_p = std[p.hh]
    candidate = in_unit & (severe | p.serious_illness) & hh_single_ok[p.hh]
    candidate &= p.own_income < std_p
    single_amount = np.where(
        candidate,
        np.maximum(std_p - p.own_income, minimum[p.hh]) + topup[p.hh],
        0,
    )
    single_units = sum_by(p.hh, candidate, n)
    amount = np.where(single_units > 0, sum_by(p.hh, single_amount, n), amount)
    reason = np.select(
        [
            unit == 0,
            mt.public_payroll,
            in_phase,
            single_units > 0,
            ~assets_ok,
            ~mt.income_ok,
        ],
        [
            Dibao.NO_MEMBERS,
            Dibao.PUBLIC_PAYROLL,
            Dibao.PHASE_OUT,
            Dibao.SINGLE_PERSON_UNIT,
            Dibao.ASSETS,
            Dibao.INCOME_ABOVE,
        ],
        default=Dibao.ELIGIBLE,
    )
    eligible = whole | (single_units > 0)
    return DibaoResult(
        eligible=eligible,
        amount=amount,
        reason=reason,
        unit=unit,
        base=np.where(whole, base, 0),
        topups=np.where(whole, topups, 0),
        single_units=single_units,
        phase_month=phase_month,
        in_unit=in_unit,
    )


@dataclass
class PersonAmounts:
    eligible: B
    amount: I64


def children(p: Persons, k: Params) -> PersonAmounts:
    """Orphans and de-facto orphans: basic living allowance, dispersed or institutional."""
    eligible = p.orphan & (p.age < k.children_max_age)
    amount = np.where(eligible, pick(p.institutional, k.children_std), 0)
    return PersonAmounts(eligible, amount)


@dataclass
class DisabilityResult:
    living: B
    nursing: B
    amount: I64


def disability(p: Persons, k: Params, db: DibaoResult) -> DisabilityResult:
    """Living subsidy for disabled members of dibao households; nursing for grade 1-2."""
    disabled = p.disability_grade >= 1
    living = disabled & (db.amount > 0)[p.hh] & p.counted
    nursing = disabled & (p.disability_grade <= k.nursing_max_grade)
    amount = np.where(living, k.living_subsidy, 0) + np.where(nursing, k.nursing_subsidy, 0)
    return DisabilityResult(living, nursing, amount.astype(np.int64))


def elderly(p: Persons, k: Params, db: DibaoResult) -> PersonAmounts:
    """Subsidy for elderly members (aged 80+ by default) of dibao households."""
    eligible = (p.age >= k.elderly_min_age) & db.in_unit & (db.amount > 0)[p.hh]
    return PersonAmounts(eligible, np.where(eligible, k.elderly_subsidy, 0).astype(np.int64))


@dataclass
class Outcome:
    means: MeansTest
    dibao: DibaoResult
    tekun: TekunResult
    children: PersonAmounts
    disability: DisabilityResult
    elderly: PersonAmounts

    def household_totals(self, n: int, hh: IntArr) -> dict[str, I64]:
        """Monthly amount per household and programme, fen."""
        return {
            "dibao": self.dibao.amount,
            "tekun": sum_by(hh, self.tekun.amount, n),
            "children": sum_by(hh, self.children.amount, n),
            "disability": sum_by(hh, self.disability.amount, n),
            "elderly": sum_by(hh, self.elderly.amount, n),
        }


def compute(h: Households, p: Persons, k: Params) -> Outcome:
    """Every monthly programme for every household, in one pass over the columns."""
    mt = means_test(h, p, k)
    tk = tekun(h, p, k, mt)
    db = dibao(h, p, k, mt, tk)
    return Outcome(
        means=mt,
        dibao=db,
        tekun=tk,
        children=children(p, k),
        disability=disability(p, k, db),
        elderly=elderly(p, k, db),
    )


def dibao_only(h: Households, p: Persons, k: Params) -> tuple[I64, B, IntArr]:
    """Just the dibao amounts (the budget simulation and the benchmark)."""
    mt = means_test(h, p, k)
    tk = tekun(h, p, k, mt)
    db = dibao(h, p, k, mt, tk)
    return db.amount, db.eligible, db.reason
