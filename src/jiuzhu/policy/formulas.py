"""The policy's formulas as pure functions over columns.

One household on a caseworker's screen and a million at payroll go through these same
functions: household columns have one row per household, person columns one row per
person (sorted by household, `hh` giving the household's row). Money is int64 fen
throughout; every parameter comes from a `ParameterSet` for the month, converted once to
fen or to exact integer ratios, so the arithmetic is integer and exact.

Each programme returns an amount in fen, an eligibility flag and a reason code per row;
`calculator` turns the codes, these amounts and the parameters into Chinese text for one
household: it explains, it never recomputes an amount.
"""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from jiuzhu.core.money import share_fen

# The columns in and the codes out live in `columns`; callers read them as formulas.X.
from jiuzhu.policy.columns import (
    ASSET_BUSINESS,
    ASSET_FINANCIAL,
    ASSET_HOUSING,
    ASSET_VEHICLE,
    CARE_KEYS,
    DEPENDENT,
    DISABILITY_CODES,
    I64,
    SELF_CARE,
    SEMI_DEPENDENT,
    B,
    Dibao,
    DibaoResult,
    DisabilityResult,
    Households,
    IntArr,
    MeansTest,
    PersonAmounts,
    Persons,
    Tekun,
    TekunResult,
    pick,
    sum_by,
)
from jiuzhu.policy.columns import INCOME_CATEGORIES as INCOME_CATEGORIES
from jiuzhu.policy.mixed import MIXED_RULE, applied_urban, rule_code
from jiuzhu.policy.parameters import ParameterSet


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
    mixed_rule: int  # policy.mixed: HEAD, RESIDENCE or MEMBER

    @classmethod
    def from_set(cls, parameters: ParameterSet) -> "Params":
        """The month's parameters converted once: money to fen, shares to amounts in fen."""
        std = (parameters.fen("dibao.standard.rural"), parameters.fen("dibao.standard.urban"))
        minimum_share = parameters["dibao.minimum_share"]
        topup_share = parameters["dibao.topup_share"]
        return cls(
            dibao_std=std,
            tekun_basic=(parameters.fen("tekun.basic.rural"), parameters.fen("tekun.basic.urban")),
            care=tuple(parameters.fen(f"tekun.care.{level}") for level in CARE_KEYS),  # type: ignore[arg-type]
            children_std=(
                parameters.fen("children.standard.dispersed"),
                parameters.fen("children.standard.institutional"),
            ),
            not_counted=frozenset(parameters["income.not_counted"]),
            not_counted_poor=frozenset(parameters["income.not_counted.registered_poor"]),
            work_cost_share=parameters["income.work_cost_share"],
            work_cost_cap_share=parameters["income.work_cost_cap_share"],
            vehicles_allowed=parameters["asset.vehicles_allowed"],
            houses_allowed=parameters["asset.houses_allowed"],
            financial_months=parameters["asset.financial_months"],
            business_limit=parameters.fen("asset.business_capital_limit"),
            minimum_share=minimum_share,
            topup_share=topup_share,
            minimum=(share_fen(std[0], minimum_share), share_fen(std[1], minimum_share)),
            topup=(share_fen(std[0], topup_share), share_fen(std[1], topup_share)),
            topup_min_age=parameters["dibao.topup_min_age"],
            topup_under_age=parameters["dibao.topup_under_age"],
            severe_grade=parameters["dibao.severe_disability_grade"],
            phase_out_months_poor=parameters["dibao.phase_out_months.registered_poor"],
            phase_out_months_other=parameters["dibao.phase_out_months.other"],
            taper=tuple(int(x) for x in parameters["dibao.phase_out_taper"]),
            edge_ratio=parameters["dibao.edge_ratio"],
            incapacity_min_age=parameters["tekun.incapacity_min_age"],
            incapacity_under_age=parameters["tekun.incapacity_under_age"],
            incapacity_disability={
                DISABILITY_CODES[category]: int(grade)
                for category, grade in parameters["tekun.incapacity_disability"]
            },
            semi_from=parameters["tekun.semi_dependent_from"],
            dependent_from=parameters["tekun.dependent_from"],
            children_max_age=parameters["children.max_age"],
            living_subsidy=parameters.fen("disability.living_subsidy"),
            nursing_subsidy=parameters.fen("disability.nursing_subsidy"),
            nursing_max_grade=parameters["disability.nursing_max_grade"],
            elderly_subsidy=parameters.fen("elderly.subsidy"),
            elderly_min_age=parameters["elderly.min_age"],
            mixed_rule=rule_code(parameters[MIXED_RULE]),
        )


def _ratio(value: Decimal) -> tuple[int, int]:
    """An exact ratio as integers (numerator, denominator)."""
    num, den = value.as_integer_ratio()
    return int(num), int(den)


def means_test(households: Households, persons: Persons, params: Params) -> MeansTest:
    """Countable income against the standard and property against the limits
    (docs/policy/dibao.md#income, #property)."""
    n = households.n
    zero = np.zeros(n, dtype=np.int64)
    members = sum_by(persons.hh, persons.counted, n)
    gross = zero.copy()
    not_counted = zero.copy()
    poverty = zero.copy()
    for category, column in households.income.items():
        gross += column
        if category in params.not_counted:
            not_counted += column
        elif category in params.not_counted_poor:
            poverty += np.where(households.registered_poor, column, 0)
    # Each counted member's standard, by the county's rule for mixed households.
    person_urban = applied_urban(households, persons, params.mixed_rule)
    counted_std = np.where(persons.counted, pick(person_urban, params.dibao_std), 0)
    line = sum_by(persons.hh, counted_std, n)
    standard = np.where(
        members > 0, line // np.maximum(members, 1), pick(households.urban, params.dibao_std)
    )
    share_num, share_den = _ratio(params.work_cost_share)
    cap_num, cap_den = _ratio(params.work_cost_cap_share)
    work_cost = np.minimum(
        households.wages_attributed * share_num // share_den,
        standard * cap_num * households.working_members.astype(np.int64) // cap_den,
    )
    countable = np.maximum(gross - not_counted - poverty - work_cost, 0)
    income_ok = countable < line
    edge_num, edge_den = _ratio(params.edge_ratio)
    edge = ~income_ok & (countable * edge_den < line * edge_num)
    financial_limit = line * params.financial_months
    asset_fail = (
        np.where(households.vehicles > params.vehicles_allowed, ASSET_VEHICLE, 0)
        | np.where(households.houses > params.houses_allowed, ASSET_HOUSING, 0)
        | np.where(households.financial > financial_limit, ASSET_FINANCIAL, 0)
        | np.where(households.business > params.business_limit, ASSET_BUSINESS, 0)
    )
    public_payroll = sum_by(persons.hh, persons.public_payroll & persons.counted, n) > 0
    return MeansTest(
        members=members,
        gross=gross,
        not_counted=not_counted,
        poverty_excluded=poverty,
        work_cost=work_cost,
        countable=countable,
        standard=standard,
        line=line,
        person_urban=person_urban,
        income_ok=income_ok,
        edge=edge,
        asset_fail=asset_fail,
        financial_limit=financial_limit,
        public_payroll=public_payroll,
    )


def edge(means: MeansTest) -> B:
    """Edge households (低保边缘家庭): countable income from the dibao line up to its multiple
    (dibao.edge_ratio), property within the limits, nobody on the public payroll."""
    return means.edge & (means.asset_fail == 0) & ~means.public_payroll


def education_covered(
    means: MeansTest, dibao_result: DibaoResult, tekun_result: TekunResult, persons: Persons
) -> B:
    """Per household: its children may have education aid — a dibao, tekun or edge household
    (docs/policy/other-programmes.md#medical-education)."""
    tekun_any = sum_by(persons.hh, tekun_result.eligible, means.members.shape[0]) > 0
    return (dibao_result.amount > 0) | tekun_any | edge(means)


def per_capita_yuan(countable_fen: int, members: int) -> Decimal:
    """Countable income per member in yuan, exact (a household of none counts as one)."""
    return Decimal(countable_fen) / max(members, 1) / 100


def no_capacity(persons: Persons, params: Params) -> B:
    """No capacity to work: age, listed disabilities, or assessed so (特困人员认定办法)."""
    listed = np.zeros(persons.m, dtype=np.bool_)
    for code, worst in params.incapacity_disability.items():
        listed |= (
            (persons.disability_category == code)
            & (persons.disability_grade >= 1)
            & (persons.disability_grade <= worst)
        )
    too_old = persons.age >= params.incapacity_min_age
    too_young = persons.age < params.incapacity_under_age
    return too_old | too_young | listed | persons.labour_none


def care_level(adl_unable: IntArr, semi_from: int, dependent_from: int) -> IntArr:
    """Care level from the number of the six daily activities a person cannot do
    (docs/policy/tekun.md#self-care)."""
    return np.where(
        adl_unable >= dependent_from,
        DEPENDENT,
        np.where(adl_unable >= semi_from, SEMI_DEPENDENT, SELF_CARE),
    )


def tekun(
    households: Households, persons: Persons, params: Params, means: MeansTest
) -> TekunResult:
    """Per person: no capacity to work, no means, no supporter → basic + care standard
    (docs/policy/tekun.md#conditions, #support)."""
    capacity = ~no_capacity(persons, params)
    # An adult member able to work is a supporter living with the person.
    adult_able = capacity & persons.counted & (persons.age >= params.topup_under_age)
    able = sum_by(persons.hh, adult_able, households.n) > 0
    supporter = persons.has_supporter | able[persons.hh]
    means_ok = (means.income_ok & (means.asset_fail == 0))[persons.hh]
    orphan_minor = persons.orphan & (persons.age < params.children_max_age)
    reason = np.select(
        [~persons.counted, orphan_minor, capacity, ~means_ok, supporter],
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
    level = care_level(persons.adl_unable, params.semi_from, params.dependent_from)
    basic = pick(means.person_urban, params.tekun_basic)
    care = np.asarray(params.care, dtype=np.int64)[level]
    amount = np.where(eligible, basic + care, 0)
    return TekunResult(eligible, amount, reason, basic, care, level)


def _topup_members(persons: Persons, params: Params) -> B:
    """Elderly, minors, severely disabled and seriously ill people get a top-up."""
    return (
        (persons.age >= params.topup_min_age)
        | (persons.age < params.topup_under_age)
        | _severe(persons, params)
        | persons.serious_illness
    )


def _severe(persons: Persons, params: Params) -> B:
    return (persons.disability_grade >= 1) & (persons.disability_grade <= params.severe_grade)


def _phase_out(households: Households, params: Params) -> tuple[IntArr, I64]:
    """(months of phase-out, percent of the previous amount paid this month) per household
    (docs/policy/dibao.md#phase-out); the last percent holds for any later month."""
    months = np.where(
        households.registered_poor, params.phase_out_months_poor, params.phase_out_months_other
    )
    last = params.taper[-1] if params.taper else 100
    taper = np.asarray((*params.taper, *([last] * 24)), dtype=np.int64)
    month = households.months_above_line
    return months, taper[np.clip(month - 1, 0, len(taper) - 1)]


def _single_units(
    households: Households, persons: Persons, params: Params, means: MeansTest, open_to: B
) -> I64:
    """Per person, the amount as a single-person unit (0 when not one): a severely disabled
    or seriously ill member of the unit, in a registered-poor or edge household `open_to`
    them, whose own income is below the standard (docs/policy/dibao.md#single-person-unit)."""
    rows = persons.hh
    open_to = open_to & (households.registered_poor | means.edge)
    own_standard = pick(means.person_urban, params.dibao_std)
    in_unit = persons.counted & ~persons.tekun_member
    candidate = in_unit & (_severe(persons, params) | persons.serious_illness)
    candidate &= open_to[rows] & (persons.own_income < own_standard)
    minimum = pick(means.person_urban, params.minimum)
    topup = pick(means.person_urban, params.topup)
    return np.where(candidate, np.maximum(own_standard - persons.own_income, minimum) + topup, 0)


def dibao(
    households: Households, persons: Persons, params: Params, means: MeansTest
) -> DibaoResult:
    """The household's dibao: the difference to the standard plus top-ups, the phase-out of a
    recipient whose income rose, or single-person units (docs/policy/dibao.md#amount,
    #phase-out, #single-person-unit)."""
    n = households.n
    in_unit = persons.counted & ~persons.tekun_member
    unit = sum_by(persons.hh, in_unit, n)
    # Minimum and top-ups per member of the unit, at the standard that applies to each.
    minimum = sum_by(persons.hh, np.where(in_unit, pick(means.person_urban, params.minimum), 0), n)
    topped = in_unit & _topup_members(persons, params)
    topups = sum_by(persons.hh, topped, n)
    topup_fen = sum_by(persons.hh, np.where(topped, pick(means.person_urban, params.topup), 0), n)
    assets_ok = means.asset_fail == 0
    # Difference method: (standard − per-capita income) × unit, exact in fen.
    members = np.maximum(means.members, 1)
    gap = means.line - means.countable
    base = np.where(unit == means.members, gap, gap * unit // members)
    base = np.maximum(base, minimum)
    whole = means.income_ok & assets_ok & ~means.public_payroll & (unit > 0)
    amount = np.where(whole, base + topup_fen, 0)
    # Phase-out: a recipient whose income rose above the line keeps it for a while.
    phase_months, taper_percent = _phase_out(households, params)
    phase_month = households.months_above_line
    in_phase = ~means.income_ok & assets_ok & households.dibao_recipient & (unit > 0)
    in_phase &= (phase_month >= 1) & (phase_month <= phase_months)
    amount = np.where(in_phase, households.previous_amount * taper_percent // 100, amount)
    # Single-person units (单人户) when the household is not eligible as a whole.
    single_ok = ~means.income_ok & ~in_phase & assets_ok & ~means.public_payroll
    single_amount = _single_units(households, persons, params, means, single_ok)
    single_units = sum_by(persons.hh, single_amount > 0, n)
    amount = np.where(single_units > 0, sum_by(persons.hh, single_amount, n), amount)
    reason = np.select(
        [unit == 0, means.public_payroll, in_phase, single_units > 0, ~assets_ok, ~means.income_ok],
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
    return DibaoResult(
        eligible=whole | (single_units > 0),
        amount=amount,
        reason=reason,
        unit=unit,
        base=np.where(whole, base, 0),
        topups=np.where(whole, topups, 0),
        topup_fen=np.where(whole, topup_fen, 0),
        single_units=single_units,
        phase_month=phase_month,
        phase_months=phase_months,
        taper_percent=taper_percent,
        in_unit=in_unit,
        single_amount=single_amount,
    )


def children(persons: Persons, params: Params) -> PersonAmounts:
    """Orphans and de-facto orphans under the age limit, or past it while in full-time
    education: basic living allowance, dispersed or institutional
    (docs/policy/other-programmes.md#children)."""
    eligible = persons.orphan & ((persons.age < params.children_max_age) | persons.in_education)
    amount = np.where(eligible, pick(persons.institutional, params.children_std), 0)
    return PersonAmounts(eligible, amount)


def disability(persons: Persons, params: Params, dibao_result: DibaoResult) -> DisabilityResult:
    """Living subsidy for disabled members of dibao households; nursing for grade 1-2."""
    disabled = persons.disability_grade >= 1
    living = disabled & (dibao_result.amount > 0)[persons.hh] & persons.counted
    nursing = disabled & (persons.disability_grade <= params.nursing_max_grade)
    amount = np.where(living, params.living_subsidy, 0)
    amount = amount + np.where(nursing, params.nursing_subsidy, 0)
    return DisabilityResult(living, nursing, amount.astype(np.int64))


def elderly(persons: Persons, params: Params, dibao_result: DibaoResult) -> PersonAmounts:
    """Subsidy for elderly members (aged 80+ by default) of dibao households."""
    paid = (dibao_result.amount > 0)[persons.hh]
    eligible = (persons.age >= params.elderly_min_age) & dibao_result.in_unit & paid
    amount = np.where(eligible, params.elderly_subsidy, 0).astype(np.int64)
    return PersonAmounts(eligible, amount)


@dataclass(frozen=True)
class TemporaryLimits:
    """Approval limits of temporary assistance for one household, in fen
    (docs/policy/other-programmes.md#temporary)."""

    standard_fen: int  # one month of the dibao standard, the unit of the aid
    town_fen: int  # the town approves up to this (months of the standard per member)
    county_fen: int  # above the town's limit the county approves up to this per household
    small_quick_fen: int  # small, quick aid (小额快救) without the full procedure

    def proposal(self, hardship_fen: int) -> tuple[int, bool]:
        """(the aid proposed for a hardship of `hardship_fen`, whether the county must
        approve it). The aid is the whole months of the standard the hardship amounts to,
        at most the county's limit; a hardship under one month's standard gets its own
        amount; none declared gets one month (small, quick aid)."""
        if hardship_fen <= 0:
            aid = self.small_quick_fen
        elif hardship_fen < self.standard_fen:
            aid = hardship_fen
        else:
            months = hardship_fen // self.standard_fen
            aid = min(months * self.standard_fen, self.county_fen)
        return aid, aid > self.town_fen


def temporary_limits(
    standard_fen: int, members: int, town_months: int, county_months: int, quick_months: int
) -> TemporaryLimits:
    """The limits for a household of `members` co-resident members: months of the dibao
    standard, per member for the town, per household for the county and quick aid."""
    return TemporaryLimits(
        standard_fen=standard_fen,
        town_fen=town_months * standard_fen * members,
        county_fen=county_months * standard_fen,
        small_quick_fen=quick_months * standard_fen,
    )


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


def compute(households: Households, persons: Persons, params: Params) -> Outcome:
    """Every monthly programme for every household, in one pass over the columns."""
    means = means_test(households, persons, params)
    dibao_result = dibao(households, persons, params, means)
    return Outcome(
        means=means,
        dibao=dibao_result,
        tekun=tekun(households, persons, params, means),
        children=children(persons, params),
        disability=disability(persons, params, dibao_result),
        elderly=elderly(persons, params, dibao_result),
    )


def dibao_only(households: Households, persons: Persons, params: Params) -> tuple[I64, B, IntArr]:
    """Just the dibao amounts (the budget simulation and the benchmark)."""
    result = dibao(households, persons, params, means_test(households, persons, params))
    return result.amount, result.eligible, result.reason
