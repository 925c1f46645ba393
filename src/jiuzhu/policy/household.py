"""A household as the policy engine sees it, and its conversion to columns.

`HouseholdIn` is what the calculator page, the JSON API, `jiuzhu calc` and the cases app
give; `to_columns` turns one or many of them into the formulas' columns.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import models

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.months import first_of_month
from jiuzhu.policy.formulas import DISABILITY_CODES, INCOME_CATEGORIES, Households, Params, Persons
from jiuzhu.registry.care.selectors import care_facts
from jiuzhu.registry.models import (
    AssetKind,
    Household,
    HukouType,
    IncomeCategory,
    LabourCapacity,
    Relation,
)

FINANCIAL_KINDS = {AssetKind.DEPOSIT, AssetKind.SECURITIES, AssetKind.COMMERCIAL_INSURANCE}


class TemporaryKind(models.TextChoices):
    """The hardship temporary assistance answers (docs/policy/other-programmes.md#temporary)."""

    EMERGENCY = "emergency", "急难型"
    EXPENDITURE = "expenditure", "支出型"


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
    in_education: bool = False  # a child in full-time education past the age limit
    tekun_member: bool = False  # already supported as tekun (not in the dibao unit)
    hukou_type: str = ""  # the member's own registration; "" = the household's category
    head: bool = False  # the household's head (户主)


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
        for i, member in enumerate(self.members):
            if member.hukou_type not in ("", *HukouType.values):
                raise DomainError("户口性质应为 urban 或 rural。", field=f"members.{i}.hukou_type")
        if sum(1 for member in self.members if member.head) > 1:
            raise DomainError("一户只能有一名户主。", field="members")
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
        if self.temporary_kind not in ("", *TemporaryKind.values):
            raise DomainError("临时救助类型应为 emergency 或 expenditure。", field="temporary_kind")
        if self.temporary_expense_fen < 0 or self.previous_amount_fen < 0:
            raise DomainError("金额不能为负数。", field="temporary_expense")
        if self.months_above_line < 0:
            raise DomainError("收入超过标准的月数不能为负数。", field="months_above_line")


def own_countable(params: Params, category: str, registered_poor: bool) -> bool:
    """Whether income of this category counts (for the single-person unit's own income)."""
    if category in params.not_counted:
        return False
    return not (registered_poor and category in params.not_counted_poor)


@dataclass
class _Sums:
    """What the household columns sum from declared incomes and property."""

    income: dict[str, npt.NDArray[np.int64]]
    wages_attributed: npt.NDArray[np.int64]
    working: npt.NDArray[np.int64]
    vehicles: npt.NDArray[np.int64]
    houses: npt.NDArray[np.int64]
    financial: npt.NDArray[np.int64]
    business: npt.NDArray[np.int64]

    @classmethod
    def zeros(cls, n: int) -> "_Sums":
        def zero() -> npt.NDArray[np.int64]:
            return np.zeros(n, dtype=np.int64)

        income = {category: zero() for category in INCOME_CATEGORIES}
        return cls(income, zero(), zero(), zero(), zero(), zero(), zero())

    def add(self, row: int, household: HouseholdIn, params: Params) -> list[int]:
        """Add one household's incomes and property at `row`; each member's own countable
        income, in member order."""
        own = [0] * len(household.members)
        workers: set[int] = set()
        for income in household.incomes:
            self.income[income.category][row] += income.monthly_fen
            if income.member is None:
                continue
            if income.category == IncomeCategory.WAGES and income.monthly_fen > 0:
                self.wages_attributed[row] += income.monthly_fen
                workers.add(income.member)
            if own_countable(params, income.category, household.registered_poor):
                own[income.member] += income.monthly_fen
        self.working[row] = len(workers)
        for asset in household.assets:
            if asset.kind == AssetKind.VEHICLE:
                self.vehicles[row] += asset.quantity
            elif asset.kind == AssetKind.HOUSE:
                self.houses[row] += asset.quantity
            elif asset.kind in FINANCIAL_KINDS:
                self.financial[row] += asset.value_fen
            elif asset.kind == AssetKind.BUSINESS:
                self.business[row] = max(self.business[row], asset.value_fen)
        return own


def to_columns(households: Sequence[HouseholdIn], params: Params) -> tuple[Households, Persons]:
    """One or many households as the formulas' columns (one row each, members in order)."""
    sums = _Sums.zeros(len(households))
    rows: list[tuple[int, MemberIn, int]] = []
    for i, household in enumerate(households):
        own = sums.add(i, household, params)
        rows.extend((i, member, own[j]) for j, member in enumerate(household.members))

    def column(values: list[Any], dtype: type) -> np.ndarray:
        return np.asarray(values, dtype=dtype)

    def each(read: Callable[[HouseholdIn], Any], dtype: type) -> np.ndarray:
        return column([read(household) for household in households], dtype)

    def member(read: Callable[[MemberIn], Any], dtype: type) -> np.ndarray:
        return column([read(row[1]) for row in rows], dtype)

    columns = Households(
        urban=each(lambda household: household.area_type == HukouType.URBAN, np.bool_),
        registered_poor=each(lambda household: household.registered_poor, np.bool_),
        income=sums.income,
        wages_attributed=sums.wages_attributed,
        working_members=sums.working,
        vehicles=sums.vehicles,
        houses=sums.houses,
        financial=sums.financial,
        business=sums.business,
        dibao_recipient=each(lambda household: household.dibao_recipient, np.bool_),
        months_above_line=each(lambda household: household.months_above_line, np.int64),
        previous_amount=each(lambda household: household.previous_amount_fen, np.int64),
    )
    own_urban = [
        (row[1].hukou_type or households[row[0]].area_type) == HukouType.URBAN for row in rows
    ]
    persons = Persons(
        hh=column([row[0] for row in rows], np.int64),
        age=member(lambda m: m.age, np.int64),
        disability_grade=member(lambda m: m.disability_grade, np.int64),
        disability_category=member(
            lambda m: DISABILITY_CODES.get(m.disability_category, 0), np.int64
        ),
        serious_illness=member(lambda m: m.serious_illness, np.bool_),
        labour_none=member(lambda m: m.labour_capacity == LabourCapacity.NONE, np.bool_),
        counted=member(lambda m: m.counted, np.bool_),
        public_payroll=member(lambda m: m.public_payroll, np.bool_),
        adl_unable=member(lambda m: m.adl_unable, np.int64),
        has_supporter=member(lambda m: m.has_supporter, np.bool_),
        institutional=member(lambda m: m.institutional, np.bool_),
        orphan=member(lambda m: m.orphan, np.bool_),
        in_education=member(lambda m: m.in_education, np.bool_),
        own_income=column([row[2] for row in rows], np.int64),
        tekun_member=member(lambda m: m.tekun_member, np.bool_),
        urban=column(own_urban, np.bool_),
        head=member(lambda m: m.head, np.bool_),
    )
    return columns, persons


def from_registry(
    household: Household,
    month: dt.date,
    dibao_recipient: bool = False,
    months_above_line: int = 0,
    previous_amount_fen: int = 0,
    tekun_person_ids: frozenset[int] = frozenset(),
) -> HouseholdIn:
    """One registry household as calculator input (current co-resident members), with the
    members' recorded care facts: self-care assessment, supporters, care in an institution,
    a child's hardship (registry/care), as the batch reads them (policy/batch.py).

    `tekun_person_ids`: members already supported as tekun, outside the dibao unit
    (a person is never in both).
    """
    memberships = list(
        household.memberships.filter(end_date__isnull=True).select_related("person").order_by("pk")
    )
    index = {m.person_id: i for i, m in enumerate(memberships)}
    facts = care_facts(index)
    members = [
        MemberIn(
            age=idnumber.age_on(m.person.birth_date, month),
            name=m.person.name,
            disability_grade=m.person.disability_grade,
            disability_category=m.person.disability_category,
            serious_illness=m.person.serious_illness,
            labour_capacity=m.person.labour_capacity,
            counted=m.co_resident,
            adl_unable=facts[m.person_id].adl_unable,
            has_supporter=facts[m.person_id].has_supporter,
            institutional=facts[m.person_id].institutional,
            orphan=facts[m.person_id].orphan(),
            in_education=facts[m.person_id].in_education(first_of_month(month)),
            tekun_member=m.person_id in tekun_person_ids,
            hukou_type=m.person.hukou_type,
            head=m.relation == Relation.HEAD,
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
