"""Assets of the generated households: vehicles, housing, savings, a business.

Each kind is owned with a probability that depends on the household (urban or rural,
low-income or not); values are log-normal around a typical price. Low-income households
mostly have none.
"""

from dataclasses import dataclass, field

import numpy as np

from jiuzhu.core.money import fen_column
from jiuzhu.demo.generator.arrays import Array, count_per_household, lognormal
from jiuzhu.demo.generator.incomes import Incomes
from jiuzhu.demo.generator.persons import DISABILITY_CATEGORIES
from jiuzhu.registry.models import AssetKind, DisabilityCategory, IncomeCategory

ASSET_KINDS = tuple(AssetKind.values)
KIND_INDEX = {kind: i for i, kind in enumerate(ASSET_KINDS)}
ASSET_NOTES: dict[str, str] = {
    AssetKind.VEHICLE: "小型普通客车",
    AssetKind.MOTORBIKE_OR_FARM: "电动三轮车",
    AssetKind.ASSISTIVE_VEHICLE: "残疾人机动轮椅车",
    AssetKind.HOUSE: "商品住房",
    AssetKind.DEPOSIT: "银行存款",
    AssetKind.SECURITIES: "股票、基金",
    AssetKind.COMMERCIAL_INSURANCE: "商业人寿保险",
    AssetKind.BUSINESS: "个体工商户",
}
SMALLEST_VALUE = 100.0  # yuan
LOW_INCOME_SAVINGS_DIVISOR = 12  # a low-income household's savings are that much smaller


@dataclass
class Assets:
    """Asset rows: household, kind index, quantity, value in fen."""

    household: Array
    kind: Array
    quantity: Array
    value_fen: Array


@dataclass
class _Draws:
    """Ownership draws kind by kind: households owning, kind, quantity, value in yuan."""

    rng: np.random.Generator
    households: int
    rows: list[tuple[Array, str, Array, Array]] = field(default_factory=list)

    def draw(self, kind: str, p: Array, median: float, sigma: float, two: float = 0.0) -> None:
        """Households own the kind with probability p; a share `two` of them own two."""
        rng = self.rng
        owners = np.flatnonzero(rng.random(self.households) < p)
        value = np.round(lognormal(rng, median, sigma, owners.size), -2)
        quantity = 1 + (rng.random(owners.size) < two)
        self.rows.append((owners, kind, quantity, value * quantity))

    def shrink_last(self, chosen: Array, divisor: float) -> None:
        """Divide the last kind's values of the chosen households, rounded to ten yuan."""
        owners, kind, quantity, value = self.rows[-1]
        shrunk = np.where(chosen[owners], np.round(value / divisor, -1), value)
        self.rows[-1] = (owners, kind, quantity, shrunk)

    def in_household_order(self) -> Assets:
        """All kinds' rows together, sorted by household (kinds in drawing order within)."""
        household = np.concatenate([row[0] for row in self.rows])
        order = np.argsort(household, kind="stable")
        kinds = [np.full(len(row[0]), KIND_INDEX[row[1]]) for row in self.rows]
        values = [np.maximum(row[3], SMALLEST_VALUE) for row in self.rows]
        return Assets(
            household=household[order],
            kind=np.concatenate(kinds)[order],
            quantity=np.concatenate([row[2] for row in self.rows])[order].astype(np.int64),
            value_fen=fen_column(np.concatenate(values)[order]),
        )


def assets(
    rng: np.random.Generator,
    member_household: Array,
    grade: Array,
    category: Array,
    low: Array,
    urban: Array,
    incomes: Incomes,
) -> Assets:
    """Every household's assets, in household order (see the module docstring)."""
    count = len(low)
    physical = category == DISABILITY_CATEGORIES.index(DisabilityCategory.PHYSICAL)
    severe_physical = (grade >= 1) & (grade <= 2) & physical
    has_severe_physical = count_per_household(member_household, severe_physical, count) > 0
    has_business = np.zeros(count, dtype=bool)
    has_business[incomes.of_category(IncomeCategory.BUSINESS)] = True
    draws = _Draws(rng, count)
    draws.draw(
        AssetKind.VEHICLE, np.where(low, 0.01, np.where(urban, 0.38, 0.22)), 70_000, 0.5, 0.05
    )
    draws.draw(
        AssetKind.MOTORBIKE_OR_FARM,
        np.where(urban, 0.08, np.where(low, 0.25, 0.45)),
        5_000,
        0.5,
        0.1,
    )
    draws.draw(AssetKind.ASSISTIVE_VEHICLE, np.where(has_severe_physical, 0.25, 0.0), 5_000, 0.3)
    draws.draw(
        AssetKind.HOUSE,
        np.where(urban, np.where(low, 0.5, 0.9), np.where(low, 0.01, 0.18)),
        450_000,
        0.4,
        0.08,
    )
    draws.draw(AssetKind.DEPOSIT, np.where(low, 0.35, 0.7), 40_000, 1.0)
    draws.shrink_last(low, LOW_INCOME_SAVINGS_DIVISOR)
    draws.draw(AssetKind.SECURITIES, np.where(low, 0.0, np.where(urban, 0.06, 0.01)), 30_000, 0.8)
    draws.draw(AssetKind.COMMERCIAL_INSURANCE, np.where(low, 0.0, 0.1), 15_000, 0.7)
    draws.draw(AssetKind.BUSINESS, np.where(has_business, 0.6, 0.0), 80_000, 0.9)
    return draws.in_household_order()
