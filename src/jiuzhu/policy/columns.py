"""What the formulas read and the codes they answer with.

The columns: one row per household, one per person, built from one household
(`household.to_columns`: the calculator, the API, the cases app) or from the whole registry
(`batch.columns`). Money is int64 fen; categories are small integer codes. The answers:
reason codes per programme, care levels and the asset test's bit mask.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

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

    hh: IntArr  # the household's row
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
    in_education: B  # a child in full-time education (the children's scheme continues)
    own_income: I64  # countable income attributed to the person, fen
    tekun_member: B  # already supported as tekun: not in the dibao unit (互斥)
    urban: B  # the member's own registration is urban (城镇户口)
    head: B  # the household's current head (户主)

    @property
    def m(self) -> int:
        return len(self.hh)


@dataclass
class MeansTest:
    members: I64  # co-resident members counted
    gross: I64  # all income, fen
    not_counted: I64  # excluded by category
    poverty_excluded: I64  # the three registered-poor items
    work_cost: I64
    countable: I64
    standard: I64  # dibao standard per person, fen (a mixed household's: line ÷ members)
    line: I64  # the household's dibao line: the standards of its counted members, fen
    person_urban: B  # per person: the urban standard applies (policy.mixed)
    income_ok: B  # countable < standard × members
    edge: B  # income above the standard but below edge_ratio × standard
    asset_fail: npt.NDArray[Any]  # ASSET_* bit mask
    financial_limit: I64
    public_payroll: B


@dataclass
class TekunResult:
    eligible: B
    amount: I64
    reason: IntArr
    basic: I64
    care: I64
    level: IntArr


@dataclass
class DibaoResult:
    eligible: B
    amount: I64
    reason: IntArr
    unit: I64  # members in the dibao unit (tekun members are supported separately)
    base: I64
    topups: I64  # number of members with a top-up
    topup_fen: I64  # what the top-ups add, fen
    single_units: I64  # members admitted as single-person units
    phase_month: IntArr
    phase_months: IntArr  # length of the household's phase-out
    taper_percent: IntArr  # share of the previous amount paid this month of the phase-out
    in_unit: B = field(repr=False)  # per person
    single_amount: I64 = field(repr=False)  # per person: as a single-person unit, fen


@dataclass
class PersonAmounts:
    eligible: B
    amount: I64


@dataclass
class DisabilityResult:
    living: B
    nursing: B
    amount: I64


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


def registry_persons(
    hh: IntArr,
    age: IntArr,
    disability_grade: IntArr,
    disability_category: IntArr,
    serious_illness: B,
    labour_none: B,
    counted: B,
    own_income: I64,
    urban: B,
    head: B,
    care: "CareColumns",
) -> Persons:
    """Person columns from what the registry records, its care facts included; what only a
    case knows (public payroll, tekun already in force) is left false."""
    none = np.zeros(len(hh), dtype=np.bool_)
    return Persons(
        hh=hh,
        age=age,
        disability_grade=disability_grade,
        disability_category=disability_category,
        serious_illness=serious_illness,
        labour_none=labour_none,
        counted=counted,
        public_payroll=none,
        adl_unable=care.adl_unable,
        has_supporter=care.has_supporter,
        institutional=care.institutional,
        orphan=care.orphan,
        in_education=care.in_education,
        own_income=own_income,
        tekun_member=none,
        urban=urban,
        head=head,
    )


@dataclass
class CareColumns:
    """The registry's care facts per person row (registry/care): activities of the six the
    person cannot do, an able legal supporter, care in an institution, an orphan or de facto
    unsupported child, in full-time education this month."""

    adl_unable: IntArr
    has_supporter: B
    institutional: B
    orphan: B
    in_education: B

    @classmethod
    def none(cls, m: int) -> "CareColumns":
        false = np.zeros(m, dtype=np.bool_)
        return cls(np.zeros(m, dtype=np.int64), false, false.copy(), false.copy(), false.copy())
