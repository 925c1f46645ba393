"""Monthly incomes of the generated households.

First each household gets a per-capita target (below LOW_INCOME_LINE for the low-income
ones, a right-skewed distribution above it for the rest); fixed items (pensions,
subsidies) are set from the members' situation, and the remainder is spread over wages,
business, property or support from children living elsewhere.
"""

from dataclasses import dataclass, field

import numpy as np

from jiuzhu.core.money import fen_column
from jiuzhu.demo.generator.arrays import Array, count_per_household, first_member, lognormal
from jiuzhu.demo.generator.persons import FULL_LABOUR, NO_LABOUR
from jiuzhu.registry.models import IncomeCategory

LOW_INCOME_LINE = 880  # yuan per person and month: the demo aims ~6.5 % of households
# below it, just under the rural standard in force (884 from 2024)
LOW_INCOME_SHARE = 0.065
INCOME_CATEGORIES = tuple(IncomeCategory.values)
CATEGORY_INDEX = {category: i for i, category in enumerate(INCOME_CATEGORIES)}
INCOME_NOTES: dict[str, str] = {
    IncomeCategory.WAGES: "务工收入",
    IncomeCategory.BUSINESS: "个体经营",
    IncomeCategory.PROPERTY: "房屋出租、存款利息",
    IncomeCategory.TRANSFER: "耕地地力保护补贴",
    IncomeCategory.PENSION: "企业职工基本养老金",
    IncomeCategory.SUPPORT_RECEIVED: "子女给付的赡养费",
    IncomeCategory.RESIDENT_BASIC_PENSION: "城乡居民基本养老保险",
    IncomeCategory.VETERANS_CARE: "优抚对象定期抚恤补助",
    IncomeCategory.FAMILY_PLANNING_REWARD: "农村部分计划生育家庭奖励扶助",
    IncomeCategory.OTHER: "零星收入",
}
FAMILY_PLANNING_REWARD = 80.0  # yuan a month
SMALLEST_ITEM = 30  # yuan: a few yuan of "wages" would be noise; such items are dropped
NOBODY = -1  # an income of the household as a whole


@dataclass
class HouseholdsAndMembers:
    """What incomes depend on: each member's household (members in household order, head
    first), age and capacity to work; each household's size, area and low-income flag."""

    household: Array
    age: Array
    labour: Array
    size: Array
    urban: Array
    low: Array

    @property
    def households(self) -> int:
        return len(self.size)


@dataclass
class Incomes:
    """Income rows: household, member (position, or NOBODY), category index, fen a month."""

    household: Array
    member: Array
    category: Array
    monthly_fen: Array

    def of_category(self, category: str) -> Array:
        """Households with at least one income of the category."""
        return self.household[self.category == CATEGORY_INDEX[category]]


@dataclass
class _Rows:
    """Income rows collected item by item, as lists of columns."""

    household: list[Array] = field(default_factory=list)
    member: list[Array] = field(default_factory=list)
    category: list[Array] = field(default_factory=list)
    yuan: list[Array] = field(default_factory=list)

    def add(self, household: Array, member: Array, category: str, yuan: Array) -> None:
        self.household.append(household)
        self.member.append(member)
        self.category.append(np.full(len(household), CATEGORY_INDEX[category]))
        self.yuan.append(np.asarray(yuan, dtype=np.float64))

    def in_household_order(self) -> Incomes:
        """All items' rows together, sorted by household (items in adding order within)."""
        household = np.concatenate(self.household) if self.household else np.zeros(0, np.int64)
        order = np.argsort(household, kind="stable")
        return Incomes(
            household=household[order],
            member=np.concatenate(self.member)[order],
            category=np.concatenate(self.category)[order],
            monthly_fen=fen_column(np.concatenate(self.yuan)[order]),
        )


def _targets(rng: np.random.Generator, people: HouseholdsAndMembers) -> Array:
    """Each household's total monthly income to aim at, in yuan."""
    count = people.households
    per_capita = np.where(
        people.low,
        rng.uniform(60, LOW_INCOME_LINE - 10, count),
        LOW_INCOME_LINE + lognormal(rng, np.where(people.urban, 2100.0, 1000.0), 0.7, count),
    )
    return per_capita * people.size


def _pensions(rng: np.random.Generator, people: HouseholdsAndMembers, rows: _Rows) -> Array:
    """Retirement pensions (urban, better off) or the residents' basic pension, from 60."""
    count = len(people.household)
    member = np.arange(count)
    household = people.household
    elderly = people.age >= 60
    urban, low = people.urban[household], people.low[household]
    retired = elderly & urban & ~low & (rng.random(count) < 0.7)
    pension = np.clip(rng.normal(3000, 700, count), 1500, None)
    rows.add(household[retired], member[retired], IncomeCategory.PENSION, pension[retired])
    basic = elderly & ~retired & (rng.random(count) < 0.95)
    basic_amount = 188.0 + 20 * (people.age >= 75) + 20 * (people.age >= 80)
    rows.add(
        household[basic], member[basic], IncomeCategory.RESIDENT_BASIC_PENSION, basic_amount[basic]
    )
    fixed = np.bincount(household[retired], weights=pension[retired], minlength=people.households)
    fixed += np.bincount(household[basic], weights=basic_amount[basic], minlength=people.households)
    return fixed


def _household_subsidies(
    rng: np.random.Generator, people: HouseholdsAndMembers, rows: _Rows, fixed: Array
) -> None:
    """Farmland subsidy, family-planning reward and veterans' care, to the head or nobody;
    added to each household's `fixed` income."""
    count = people.households
    households = np.arange(count)
    head = first_member(people.size)
    nobody = np.full(count, NOBODY)
    rural = ~people.urban
    has_elderly = count_per_household(people.household, people.age >= 60, count) > 0
    land = rural & (rng.random(count) < 0.6)
    land_amount = rng.uniform(8, 40, count)
    rows.add(households[land], nobody[land], IncomeCategory.TRANSFER, land_amount[land])
    reward = rural & has_elderly & (rng.random(count) < 0.04)
    # Paid to the parents of an only child (or two daughters) once they turn 60.
    by_age = np.lexsort((-people.age, people.household))
    eldest = (
        by_age[np.r_[True, people.household[by_age][1:] != people.household[by_age][:-1]]]
        if count
        else head
    )
    rows.add(
        households[reward],
        eldest[reward],
        IncomeCategory.FAMILY_PLANNING_REWARD,
        np.full(int(reward.sum()), FAMILY_PLANNING_REWARD),
    )
    veteran = ~people.low & (rng.random(count) < 0.005)
    veteran_amount = rng.uniform(500, 1500, count)
    rows.add(
        households[veteran], head[veteran], IncomeCategory.VETERANS_CARE, veteran_amount[veteran]
    )
    fixed += np.where(land, land_amount, 0) + np.where(reward, FAMILY_PLANNING_REWARD, 0)
    fixed += np.where(veteran, veteran_amount, 0)


def _earnings(
    rng: np.random.Generator, people: HouseholdsAndMembers, rows: _Rows, remainder: Array
) -> None:
    """The rest of the target, spread by weight over whoever brings it in."""
    count, persons = people.households, len(people.household)
    household, age, labour, low = people.household, people.age, people.labour, people.low
    student = (age < 22) & (rng.random(persons) < 0.7)
    can_work = (age >= 16) & (age < 65) & ~student & (labour != NO_LABOUR)
    # Partly able to work: lighter or seasonal work, less pay.
    wage_weight = (
        can_work * np.where(labour == FULL_LABOUR, 1.0, 0.4) * np.exp(rng.normal(0, 0.3, persons))
    )
    works = (wage_weight > 0) & (rng.random(persons) < np.where(low[household], 0.6, 0.92))
    wage_weight = np.where(works, wage_weight, 0.0)
    business = rng.random(count) < np.where(low, 0.02, 0.12)
    rent = rng.random(count) < np.where(low, 0.0, 0.08)
    wages_by_household = np.bincount(household, weights=wage_weight, minlength=count)
    supported = wages_by_household + business + rent == 0
    has_elderly = count_per_household(household, age >= 60, count) > 0
    other_weights = {
        IncomeCategory.BUSINESS: np.where(business, 1.5 * np.exp(rng.normal(0, 0.4, count)), 0),
        IncomeCategory.PROPERTY: np.where(rent, 0.25 * np.exp(rng.normal(0, 0.4, count)), 0),
        IncomeCategory.SUPPORT_RECEIVED: np.where(supported & has_elderly, 1.0, 0),
        IncomeCategory.OTHER: np.where(supported & ~has_elderly, 1.0, 0),
    }
    total_weight = wages_by_household
    for weight in other_weights.values():
        total_weight = total_weight + weight
    # Earners in better-off households earn at least a modest wage even where pensions
    # already cover the target.
    remainder = np.where(low, remainder, np.maximum(remainder, 600 * (total_weight > 0)))
    share = np.divide(remainder, total_weight, out=np.zeros(count), where=total_weight > 0)
    wage = wage_weight * share[household]
    paid = wage >= SMALLEST_ITEM
    rows.add(household[paid], np.arange(persons)[paid], IncomeCategory.WAGES, wage[paid])
    head, nobody = first_member(people.size), np.full(count, NOBODY)
    for category, weight in other_weights.items():
        amount = weight * share
        kept = amount >= SMALLEST_ITEM
        by_head = category in (IncomeCategory.BUSINESS, IncomeCategory.SUPPORT_RECEIVED)
        member = head if by_head else nobody
        rows.add(np.arange(count)[kept], member[kept], category, amount[kept])


def incomes(rng: np.random.Generator, people: HouseholdsAndMembers) -> Incomes:
    """Every household's incomes, in household order (see the module docstring)."""
    rows = _Rows()
    target = _targets(rng, people)
    fixed = _pensions(rng, people, rows)
    _household_subsidies(rng, people, rows, fixed)
    _earnings(rng, people, rows, np.maximum(target - fixed, 0))
    return rows.in_household_order()
