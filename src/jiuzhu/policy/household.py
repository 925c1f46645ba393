"""A household as the policy engine sees it, and its conversion to columns.

`HouseholdIn` is what the calculator page, the JSON API, `jiuzhu calc` and the cases app
give; `to_columns` turns one or many of them into the formulas' columns.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.months import first_of_month
from jiuzhu.policy.formulas import DISABILITY_CODES, INCOME_CATEGORIES, Households, Params, Persons
from jiuzhu.registry.models import AssetKind, Household, HukouType, LabourCapacity

FINANCIAL_KINDS = {AssetKind.DEPOSIT, AssetKind.SECURITIES, AssetKind.COMMERCIAL_INSURANCE}


@dataclass
class MemberIn:
    age: int
    name: str = ""
    disability_grade: int = 0
    disability_category: str = ""
    serious_illness: bool = False
    labour_capacity: str = LabourCapacity.FULL
    counted: bool = True  # co-resident member (共同生活家庭成员)
    public_payroll: bool = False
    adl_unable: int = 0  # of the six daily activities
    has_supporter: bool = False
    institutional: bool = False
    orphan: bool = False
    tekun_member: bool = False  # already supported as tekun (not in the dibao unit)


@dataclass
class IncomeIn:
    category: str
    monthly_fen: int
    member: int | None = None  # index into members


@dataclass
class AssetIn:
    kind: str
    quantity: int = 1
    value_fen: int = 0
    member: int | None = None


@dataclass
class HouseholdIn:
    month: dt.date  # first day of the month
    area_type: str
    members: list[MemberIn]
    incomes: list[IncomeIn] = field(default_factory=list)
    assets: list[AssetIn] = field(default_factory=list)
    registered_poor: bool = False
    dibao_recipient: bool = False
    months_above_line: int = 0
    previous_amount_fen: int = 0
    temporary_kind: str = ""  # emergency / expenditure, when temporary assistance is asked
    temporary_expense_fen: int = 0  # necessary spending the household cannot bear
    household_id: int | None = None

    def check(self) -> None:
        """Bad input is refused with a Chinese message (the serializer checks the same)."""
        if not self.members:
            raise DomainError("家庭成员人数不能为零。", field="members")
        if not any(m.counted for m in self.members):
            raise DomainError("至少应有一名共同生活的家庭成员。", field="members")
        if self.area_type not in HukouType.values:
            raise DomainError("城乡类别应为 urban 或 rural。", field="area_type")
        for i, income in enumerate(self.incomes):
            if income.monthly_fen < 0:
                raise DomainError("收入不能为负数。", field=f"incomes.{i}.monthly_amount")
            if income.category not in INCOME_CATEGORIES:
                raise DomainError("收入类别无效。", field=f"incomes.{i}.category")
            if income.member is not None and not 0 <= income.member < len(self.members):
                raise DomainError("收入所属成员不存在。", field=f"incomes.{i}.member")
        for i, asset in enumerate(self.assets):
            if asset.value_fen < 0 or asset.quantity < 0:
                raise DomainError("财产价值和数量不能为负数。", field=f"assets.{i}.value")
            if asset.kind not in AssetKind.values:
                raise DomainError("财产类别无效。", field=f"assets.{i}.kind")
        if self.temporary_kind not in ("", "emergency", "expenditure"):
            raise DomainError("临时救助类型应为 emergency 或 expenditure。", field="temporary_kind")
        if self.temporary_expense_fen < 0 or self.previous_amount_fen < 0:
            raise DomainError("金额不能为负数。", field="temporary_expense")
        if self.months_above_line < 0:
            raise DomainError("收入超过标准的月数不能为负数。", field="months_above_line")


def own_countable(k: Params, category: str, registered_poor: bool) -> bool:
    """Whether income of this category counts (for the single-person unit's own income)."""
    if category in k.not_counted:
        return False
    return not (registered_poor and category in k.not_counted_poor)


def to_columns(households: Sequence[HouseholdIn], k: Params) -> tuple[Households, Persons]:
    n = len(households)
    income = {c: np.zeros(n, dtype=np.int64) for c in INCOME_CATEGORIES}
    wages_attr = np.zeros(n, dtype=np.int64)
    working = np.zeros(n, dtype=np.int64)
    vehicles = np.zeros(n, dtype=np.int64)
    houses = np.zeros(n, dtype=np.int64)
    financial = np.zeros(n, dtype=np.int64)
    business = np.zeros(n, dtype=np.int64)
    rows: list[tuple[int, MemberIn, int]] = []
    for i, h in enumerate(households):
        own = [0] * len(h.members)
        workers: set[int] = set()
        for inc in h.incomes:
            income[inc.category][i] += inc.monthly_fen
            if inc.member is not None:
                if inc.category == "wages" and inc.monthly_fen > 0:
                    wages_attr[i] += inc.monthly_fen
                    workers.add(inc.member)
                if own_countable(k, inc.category, h.registered_poor):
                    own[inc.member] += inc.monthly_fen
        working[i] = len(workers)
        for a in h.assets:
            if a.kind == AssetKind.VEHICLE:
                vehicles[i] += a.quantity
            elif a.kind == AssetKind.HOUSE:
                houses[i] += a.quantity
            elif a.kind in FINANCIAL_KINDS:
                financial[i] += a.value_fen
            elif a.kind == AssetKind.BUSINESS:
                business[i] = max(business[i], a.value_fen)
        rows.extend((i, m, own[j]) for j, m in enumerate(h.members))

    def col(values: list, dtype: type) -> np.ndarray:
        return np.asarray(values, dtype=dtype)

    hh = Households(
        urban=col([h.area_type == HukouType.URBAN for h in households], np.bool_),
        registered_poor=col([h.registered_poor for h in households], np.bool_),
        income=income,
        wages_attributed=wages_attr,
        working_members=working,
        vehicles=vehicles,
        houses=houses,
        financial=financial,
        business=business,
        dibao_recipient=col([h.dibao_recipient for h in households], np.bool_),
        months_above_line=col([h.months_above_line for h in households], np.int64),
        previous_amount=col([h.previous_amount_fen for h in households], np.int64),
    )
    persons = Persons(
        hh=col([r[0] for r in rows], np.int64),
        age=col([r[1].age for r in rows], np.int64),
        disability_grade=col([r[1].disability_grade for r in rows], np.int64),
        disability_category=col(
            [DISABILITY_CODES.get(r[1].disability_category, 0) for r in rows], np.int64
        ),
        serious_illness=col([r[1].serious_illness for r in rows], np.bool_),
        labour_none=col([r[1].labour_capacity == LabourCapacity.NONE for r in rows], np.bool_),
        counted=col([r[1].counted for r in rows], np.bool_),
        public_payroll=col([r[1].public_payroll for r in rows], np.bool_),
        adl_unable=col([r[1].adl_unable for r in rows], np.int64),
        has_supporter=col([r[1].has_supporter for r in rows], np.bool_),
        institutional=col([r[1].institutional for r in rows], np.bool_),
        orphan=col([r[1].orphan for r in rows], np.bool_),
        own_income=col([r[2] for r in rows], np.int64),
        tekun_member=col([r[1].tekun_member for r in rows], np.bool_),
    )
    return hh, persons


def from_registry(
    household: Household,
    month: dt.date,
    dibao_recipient: bool = False,
    months_above_line: int = 0,
    previous_amount_fen: int = 0,
    tekun_person_ids: frozenset[int] = frozenset(),
) -> HouseholdIn:
    """One registry household as calculator input (current co-resident members).

    `tekun_person_ids`: members already supported as tekun, outside the dibao unit
    (a person is never in both).
    """
    memberships = list(
        household.memberships.filter(end_date__isnull=True).select_related("person").order_by("pk")
    )
    index = {m.person_id: i for i, m in enumerate(memberships)}
    members = [
        MemberIn(
            age=idnumber.age_on(m.person.birth_date, month),
            name=m.person.name,
            disability_grade=m.person.disability_grade,
            disability_category=m.person.disability_category,
            serious_illness=m.person.serious_illness,
            labour_capacity=m.person.labour_capacity,
            counted=m.co_resident,
            tekun_member=m.person_id in tekun_person_ids,
        )
        for m in memberships
    ]
    incomes = [
        IncomeIn(inc.category, int(inc.monthly_amount * 100), index.get(inc.person_id or -1))
        for inc in household.incomes.all()
    ]
    assets = [
        AssetIn(a.kind, a.quantity, int(a.value * 100), index.get(a.person_id or -1))
        for a in household.assets.all()
    ]
    return HouseholdIn(
        month=first_of_month(month),
        area_type=household.area_type,
        members=members,
        incomes=incomes,
        assets=assets,
        registered_poor=household.registered_poor,
        dibao_recipient=dibao_recipient,
        months_above_line=months_above_line,
        previous_amount_fen=previous_amount_fen,
        household_id=household.pk,
    )
