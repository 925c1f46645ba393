"""The formulas over the whole registry: set-based reads, column compute, bulk writes.

Reads are a handful of aggregate queries (never a query per household), composed around
the registry's own selects (`jiuzhu.registry.columnar`) and run through
`jiuzhu.core.columnar`. Results are written by `jiuzhu.policy.results`.
"""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import transaction

from jiuzhu.core.columnar import (
    ColumnsQuery,
    codes,
    read_together,
    ymd_of_days,
    yuan_to_fen,
)
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.tasks import task
from jiuzhu.policy import formulas as f
from jiuzhu.policy.columns import CareColumns, registry_persons
from jiuzhu.policy.household import FINANCIAL_KINDS
from jiuzhu.policy.models import CalculationRun
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.policy.results import result_table, write_results
from jiuzhu.registry.columnar import (
    assets_sql,
    care_facts_sql,
    current_memberships_sql,
    households_sql,
    incomes_sql,
    people_sql,
)
from jiuzhu.registry.models import AssetKind, IncomeCategory

I64 = npt.NDArray[np.int64]

# Unknown categories become -1 (an income) or 0 (no disability), as the formulas expect.
_CATEGORY_CODE = codes("category", f.INCOME_CATEGORIES, -1)
_DISABILITY_CODE = codes(
    "disability_category", {c: i for c, i in f.DISABILITY_CODES.items() if c}, 0
)
_FINANCIAL = ", ".join(f"'{kind}'" for kind in sorted(FINANCIAL_KINDS))
_LARGEST_BUSINESS = f"MAX(CASE WHEN kind = '{AssetKind.BUSINESS}' THEN value ELSE 0 END)"


def queries() -> dict[str, str]:
    """The batch's reads, by name, the largest (rows × columns) first: two connections share
    them out in this order (`read_registry`). Each returns integer columns only (see
    `WIDTHS`) and reads one base table but the care facts' and the assets': persons and
    incomes are joined and grouped in memory, cheaper than the server's join."""
    return {
        # (person id, birth days since 1970, disability grade and category code, serious
        #  illness, no labour capacity, urban registration)
        "people": (
            "SELECT person_id, birth_days, disability_grade, "
            f"{_DISABILITY_CODE}, serious_illness, no_labour_capacity, urban_registration "
            f"FROM ({people_sql()}) people"
        ),
        # (household id, person id, co-resident, head, membership id)
        "members": f"SELECT * FROM ({current_memberships_sql()}) members",
        # (household id, person id or 0, category code, fen): every declared income
        "income_rows": (
            f"SELECT household_id, COALESCE(person_id, 0), {_CATEGORY_CODE}, "
            f"{yuan_to_fen('monthly_amount')} FROM ({incomes_sql()}) incomes"
        ),
        # (household id, urban, registered poor, town code: first nine digits)
        "households": (
            f"SELECT id, urban, registered_poor, town_code FROM ({households_sql()}) households"
        ),
        # (household id, vehicles, houses, financial assets in fen, largest business in fen)
        "assets": (
            "SELECT household_id, "
            f"SUM(CASE WHEN kind = '{AssetKind.VEHICLE}' THEN quantity ELSE 0 END), "
            f"SUM(CASE WHEN kind = '{AssetKind.HOUSE}' THEN quantity ELSE 0 END), "
            f"{yuan_to_fen(f'SUM(CASE WHEN kind IN ({_FINANCIAL}) THEN value ELSE 0 END)')}, "
            f"{yuan_to_fen(_LARGEST_BUSINESS)} "
            f"FROM ({assets_sql()}) assets GROUP BY household_id"
        ),
        # (person id, activities not possible, able supporter, institutional, orphan,
        #  education until YYYYMMDD): the few persons with a care fact (registry/care)
        "care": (
            "SELECT person_id, adl_unable, has_supporter, institutional, orphan, "
            f"education_until FROM ({care_facts_sql()}) care"
        ),
    }


WIDTHS = {"households": 4, "members": 5, "people": 7, "care": 6, "income_rows": 4, "assets": 5}
# Households in id order, members in membership order within them (core.columnar.read_columns).
ORDERS = {"households": (0,), "members": (0, 4)}
_WAGES = f.INCOME_CATEGORIES.index(IncomeCategory.WAGES)


@dataclass
class Raw:
    """The registry's columns as read, before any parameter is applied: households,
    persons (one row per current membership), care, incomes (household, category code,
    fen), wages (household, members earning wages, fen), own_incomes (person, category
    code, fen) and assets."""

    cols: dict[str, list[I64]]

    @property
    def n(self) -> int:
        return len(self.cols["households"][0])


def _persons(members: list[I64], people: list[I64]) -> list[I64]:
    """Each current membership with its person's columns: (household id, person id, birth
    YYYYMMDD, disability grade, disability code, serious illness, no labour capacity,
    co-resident, urban registration, head, membership id)."""
    household, person, co_resident, head, membership = members
    person_ids, birth_days, *flags = people
    size = max(person.max(initial=0), person_ids.max(initial=0)) + 1
    row_of = np.full(int(size), -1, dtype=np.int64)
    row_of[person_ids] = np.arange(len(person_ids), dtype=np.int64)
    rows = row_of[person]
    grade, category, ill, no_labour, urban = (column[rows] for column in flags)
    birth = ymd_of_days(birth_days[rows])
    return [
        household,
        person,
        birth,
        grade,
        category,
        ill,
        no_labour,
        co_resident,
        urban,
        head,
        membership,
    ]


def _sums(major: I64, minor: I64, fen: I64) -> list[I64]:
    """The distinct (major, minor) pairs with the sum of `fen` over each: a GROUP BY in
    memory, through one int64 key per row."""
    if not len(fen):
        return [major, minor, fen]
    low = int(minor.min())
    span = int(minor.max()) - low + 1
    groups, inverse = np.unique(major * span + (minor - low), return_inverse=True)
    sums = np.bincount(inverse, weights=fen, minlength=len(groups))  # exact below 2**53 fen
    return [groups // span, groups % span + low, np.rint(sums).astype(np.int64)]


def _incomes(rows: list[I64]) -> dict[str, list[I64]]:
    """The income rows grouped as the formulas read them: by household and category, the
    wages of members by household (earners with a positive wage, their sum), and by person
    and category."""
    household, person, category, fen = rows
    wage = (category == _WAGES) & (person > 0) & (fen > 0)
    earner_household, _person, earner_fen = _sums(household[wage], person[wage], fen[wage])
    wage_household, inverse, earners = np.unique(
        earner_household, return_inverse=True, return_counts=True
    )
    wage_fen = np.bincount(inverse, weights=earner_fen, minlength=len(wage_household))
    own = person > 0
    return {
        "incomes": _sums(household, category, fen),
        "wages": [wage_household, earners.astype(np.int64), np.rint(wage_fen).astype(np.int64)],
        "own_incomes": _sums(person[own], category[own], fen[own]),
    }


def read_registry() -> Raw:
    """Every read of `queries()`, as int64 columns, persons joined and incomes grouped."""
    read = read_together(
        {
            name: ColumnsQuery(sql, WIDTHS[name], order=ORDERS.get(name, ()))
            for name, sql in queries().items()
        }
    )
    cols = {name: numbers for name, (numbers, _) in read.items()}
    cols["persons"] = _persons(cols.pop("members"), cols.pop("people"))
    cols.update(_incomes(cols.pop("income_rows")))
    return Raw(cols)


def _row_index(household_ids: I64) -> Callable[[I64], I64]:
    """Household id → row of the household columns (ids are sorted)."""
    n = len(household_ids)
    dense = n > 0 and int(household_ids[-1]) - int(household_ids[0]) + 1 == n
    if dense:  # ids 1..N without gaps: the row is the id's offset
        return lambda ids: ids - household_ids[0]
    return lambda ids: np.searchsorted(household_ids, ids).astype(np.int64)


def _households(raw: Raw, index: Callable[[I64], I64]) -> f.Households:
    """The household columns: income by category, wages of members, property."""
    _ids, urban, poor, _town = raw.cols["households"]
    n = len(urban)

    def zeros() -> I64:
        return np.zeros(n, dtype=np.int64)

    income = {category: zeros() for category in f.INCOME_CATEGORIES}
    income_household, income_category, income_fen = raw.cols["incomes"]
    if len(income_household):
        rows = index(income_household)
        for code, name in enumerate(f.INCOME_CATEGORIES):
            chosen = income_category == code
            income[name][rows[chosen]] = income_fen[chosen]
    working, wages = zeros(), zeros()
    wage_household, wage_earners, wage_fen = raw.cols["wages"]
    working[index(wage_household)] = wage_earners
    wages[index(wage_household)] = wage_fen
    vehicles, houses, financial, business = zeros(), zeros(), zeros(), zeros()
    asset_household, *asset_columns = raw.cols["assets"]
    rows = index(asset_household)
    vehicles[rows], houses[rows], financial[rows], business[rows] = asset_columns
    return f.Households(
        urban=urban.astype(bool),
        registered_poor=poor.astype(bool),
        income=income,
        wages_attributed=wages,
        working_members=working,
        vehicles=vehicles,
        houses=houses,
        financial=financial,
        business=business,
        dibao_recipient=np.zeros(n, dtype=np.bool_),
        months_above_line=zeros(),
        previous_amount=zeros(),
    )


def _own_income(raw: Raw, params: f.Params, person_rows: I64, poor: I64) -> I64:
    """Each member's countable own income (single-person units): the categories counted,
    less the registered-poor exclusions where the household is registered poor."""
    _household, person_ids, *_rest = raw.cols["persons"]
    m = len(person_ids)
    own = np.zeros(m, dtype=np.int64)
    earner, category, fen = raw.cols["own_incomes"]
    if not len(earner) or not m:
        return own
    # Person id → row, through a lookup array (no sort).
    row_of = np.full(int(max(person_ids.max(), earner.max())) + 1, -1, dtype=np.int64)
    row_of[person_ids] = np.arange(m, dtype=np.int64)
    target = row_of[earner]
    found = target >= 0
    counted = np.array([c not in params.not_counted for c in f.INCOME_CATEGORIES])
    poor_only = np.array([c in params.not_counted_poor for c in f.INCOME_CATEGORIES])
    target, category, fen = target[found], category[found], fen[found]
    in_poor_household = poor[person_rows[target]].astype(bool)
    keep = counted[category] & ~(poor_only[category] & in_poor_household)
    np.add.at(own, target[keep], fen[keep])
    return own


def _care(raw: Raw, month_ymd: int) -> CareColumns:
    """The care facts on the person rows (a lookup by person id, no join on the big read)."""
    person_ids = raw.cols["persons"][1]
    care = CareColumns.none(len(person_ids))
    person, adl_unable, supporter, institutional, orphan, education_until = raw.cols["care"]
    if not len(person) or not len(person_ids):
        return care
    row_of = np.full(int(max(person_ids.max(), person.max())) + 1, -1, dtype=np.int64)
    row_of[person_ids] = np.arange(len(person_ids), dtype=np.int64)
    rows = row_of[person]
    found = rows >= 0
    rows = rows[found]
    care.adl_unable[rows] = adl_unable[found]
    care.has_supporter[rows] = supporter[found].astype(bool)
    care.institutional[rows] = institutional[found].astype(bool)
    care.orphan[rows] = orphan[found].astype(bool)
    care.in_education[rows] = education_until[found] >= month_ymd
    return care


def columns(raw: Raw, month: dt.date, params: f.Params) -> tuple[f.Households, f.Persons, I64, I64]:
    """Registry columns → formula columns (household ids and town codes alongside)."""
    household_ids, _urban, poor, town = raw.cols["households"]
    index = _row_index(household_ids)
    person_household, _ids, born, grade, category, ill, no_labour, counted, urban, head, _ = (
        raw.cols["persons"]
    )
    person_rows = index(person_household)
    month_ymd = month.year * 10000 + month.month * 100 + month.day
    persons = registry_persons(
        hh=person_rows,
        age=(month_ymd - born) // 10000,
        disability_grade=grade,
        disability_category=category,
        serious_illness=ill.astype(bool),
        labour_none=no_labour.astype(bool),
        counted=counted.astype(bool),
        own_income=_own_income(raw, params, person_rows, poor),
        urban=urban.astype(bool),
        head=head.astype(bool),
        care=_care(raw, month_ymd),
    )
    return _households(raw, index), persons, household_ids, town


def run_entitlements(month: dt.date, actor: User | None = None) -> CalculationRun:
    """Every household's entitlements for a month, written as one run."""
    started = time.perf_counter()
    month = month.replace(day=1)
    params = f.Params.from_set(ParameterSet.load(month))
    households, persons, household_ids, _town = columns(read_registry(), month, params)
    outcome = f.compute(households, persons, params)
    with transaction.atomic():
        run = CalculationRun.objects.create(
            kind=CalculationRun.Kind.ENTITLEMENTS,
            month=month,
            households=households.n,
            created_by=actor,
        )
        rows = write_results(run.pk, result_table(household_ids, outcome, persons.hh, households.n))
        run.seconds = time.perf_counter() - started
        run.summary = {
            "rows": rows,
            "dibao_households": int(outcome.dibao.eligible.sum()),
            "dibao_fen": int(outcome.dibao.amount.sum()),
        }
        run.save(update_fields=["seconds", "summary"])
    return run


def edge_households(month: dt.date) -> I64:
    """The ids of the registry's edge households (低保边缘家庭) in a month: countable income
    above the dibao line but under its multiple (dibao.edge_ratio), property within the
    limits, nobody on the public payroll. Read and computed set-based, as the entitlements."""
    params = f.Params.from_set(ParameterSet.load(month.replace(day=1)))
    households, persons, household_ids, _town = columns(read_registry(), month, params)
    return household_ids[f.edge(f.means_test(households, persons, params))]


@dataclass
class TownImpact:
    code: str
    name: str
    gain: int
    lose: int
    change: int
    before_fen: int
    after_fen: int

    @property
    def diff_fen(self) -> int:
        return self.after_fen - self.before_fen


@dataclass
class Simulation:
    month: dt.date
    overrides: dict[str, Any]
    households: int
    towns: list[TownImpact]
    seconds: float

    @property
    def total(self) -> TownImpact:
        return TownImpact(
            "",
            "合计",
            sum(t.gain for t in self.towns),
            sum(t.lose for t in self.towns),
            sum(t.change for t in self.towns),
            sum(t.before_fen for t in self.towns),
            sum(t.after_fen for t in self.towns),
        )


def simulate(
    month: dt.date,
    overrides: dict[str, Any],
    raw: Raw | None = None,
    progress: Callable[[int], None] = lambda percent: None,
) -> Simulation:
    """Dibao with the parameters in force in `month` versus with `overrides`, by town."""
    started = time.perf_counter()
    month = month.replace(day=1)
    in_force = f.Params.from_set(ParameterSet.load(month))
    changed = f.Params.from_set(ParameterSet.load(month, overrides))
    progress(5)
    raw = raw or read_registry()
    progress(60)
    households, persons, _ids, town = columns(raw, month, in_force)
    before, _, _ = f.dibao_only(households, persons, in_force)
    progress(80)
    if changed.not_counted != in_force.not_counted:  # own incomes count other categories
        households, persons, _ids, _town = columns(raw, month, changed)
    after, _, _ = f.dibao_only(households, persons, changed)
    town_codes, inverse = np.unique(town, return_inverse=True)

    def by_town(values: npt.NDArray[Any]) -> I64:
        out = np.zeros(len(town_codes), dtype=np.int64)
        np.add.at(out, inverse, values.astype(np.int64))
        return out

    gain = by_town((before == 0) & (after > 0))
    lose = by_town((before > 0) & (after == 0))
    change = by_town((before > 0) & (after > 0) & (before != after))
    before_fen, after_fen = by_town(before), by_town(after)
    town_regions = Region.objects.filter(level=RegionLevel.TOWN).only("code", "name")
    names = {region.code[:9]: region.name for region in town_regions}
    towns = [
        TownImpact(
            str(code),
            names.get(str(code), str(code)),
            int(gain[i]),
            int(lose[i]),
            int(change[i]),
            int(before_fen[i]),
            int(after_fen[i]),
        )
        for i, code in enumerate(town_codes)
    ]
    return Simulation(month, overrides, households.n, towns, time.perf_counter() - started)


@task("policy.simulate")
def simulate_task(params: dict[str, Any], report: Callable[[int], None]) -> dict[str, Any]:
    """The simulation as a background task; the result is what the page shows."""
    month = dt.date.fromisoformat(params["month"])
    result = simulate(month, params["overrides"], progress=report)
    total = result.total
    return {
        "month": f"{result.month:%Y-%m}",
        "households": result.households,
        "seconds": round(result.seconds, 2),
        "towns": [{**asdict(t), "diff_fen": t.diff_fen} for t in [*result.towns]],
        "total": {**asdict(total), "diff_fen": total.diff_fen},
    }
