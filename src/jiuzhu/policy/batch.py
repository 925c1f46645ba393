"""The formulas over the whole registry: set-based reads, column compute, bulk writes.

Reads are a handful of aggregate queries (never a query per household), composed around
the registry's own selects (`jiuzhu.registry.columnar`) and run through
`jiuzhu.core.columnar`. Results are written with COPY on PostgreSQL and executemany on
SQLite.
"""

import datetime as dt
import io
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection, transaction

from jiuzhu.core.columnar import codes, read_numbers, yuan_to_fen
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.tasks import task
from jiuzhu.policy import formulas as f
from jiuzhu.policy.household import FINANCIAL_KINDS
from jiuzhu.policy.models import CalculationRun, EntitlementResult
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.columnar import (
    assets_sql,
    current_members_sql,
    households_sql,
    incomes_sql,
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
    """The batch's reads, by name; each returns integer columns only (see `WIDTHS`)."""
    return {
        # (household id, urban, registered poor, town code: first nine digits)
        "households": (
            "SELECT id, urban, registered_poor, county_code "
            f"FROM ({households_sql()}) households ORDER BY id"
        ),
        # (household id, person id, birth YYYYMMDD, disability grade and category code,
        #  serious illness, no labour capacity, co-resident), in membership order
        "persons": (
            "SELECT household_id, person_id, birth_ymd, disability_grade, "
            f"{_DISABILITY_CODE}, serious_illness, no_labour_capacity, co_resident "
            f"FROM ({current_members_sql()}) members ORDER BY household_id, membership_id"
        ),
        # (household id, category code, fen): the household's income by category
        "incomes": (
            f"SELECT household_id, {_CATEGORY_CODE}, {yuan_to_fen('SUM(monthly_amount)')} "
            f"FROM ({incomes_sql()}) incomes GROUP BY household_id, category"
        ),
        # (household id, members earning wages, their wages in fen)
        "wages": (
            "SELECT household_id, COUNT(DISTINCT person_id), "
            f"{yuan_to_fen('SUM(monthly_amount)')} FROM ({incomes_sql()}) incomes "
            f"WHERE category = '{IncomeCategory.WAGES}' AND person_id IS NOT NULL "
            "AND monthly_amount > 0 GROUP BY household_id"
        ),
        # (person id, category code, fen): each member's own income by category
        "own_incomes": (
            f"SELECT person_id, {_CATEGORY_CODE}, {yuan_to_fen('SUM(monthly_amount)')} "
            f"FROM ({incomes_sql()}) incomes WHERE person_id IS NOT NULL "
            "GROUP BY person_id, category"
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
    }


WIDTHS = {"households": 4, "persons": 8, "incomes": 3, "wages": 3, "own_incomes": 3, "assets": 5}


@dataclass
class Raw:
    """The registry's columns as read, before any parameter is applied."""

    cols: dict[str, list[I64]]

    @property
    def n(self) -> int:
        return len(self.cols["households"][0])


def read_registry() -> Raw:
    """Every read of `queries()`, as int64 columns."""
    return Raw({name: read_numbers(sql, WIDTHS[name]) for name, sql in queries().items()})


def columns(raw: Raw, month: dt.date, k: f.Params) -> tuple[f.Households, f.Persons, I64, I64]:
    """Registry columns → formula columns (household ids and town codes alongside)."""
    hid, urban, poor, town = raw.cols["households"]
    n = len(hid)

    dense = n > 0 and int(hid[-1]) - int(hid[0]) + 1 == n

    def index(ids: I64) -> I64:
        if dense:  # ids 1..N without gaps: the row is the id's offset
            return ids - hid[0]
        return np.searchsorted(hid, ids).astype(np.int64)

    income = {c: np.zeros(n, dtype=np.int64) for c in f.INCOME_CATEGORIES}
    ih, icat, iamt = raw.cols["incomes"]
    if len(ih):
        rows = index(ih)
        for code, name in enumerate(f.INCOME_CATEGORIES):
            sel = icat == code
            income[name][rows[sel]] = iamt[sel]
    working = np.zeros(n, dtype=np.int64)
    wages_attr = np.zeros(n, dtype=np.int64)
    wh, wcount, wamt = raw.cols["wages"]
    working[index(wh)] = wcount
    wages_attr[index(wh)] = wamt
    vehicles = np.zeros(n, dtype=np.int64)
    houses = np.zeros(n, dtype=np.int64)
    financial = np.zeros(n, dtype=np.int64)
    business = np.zeros(n, dtype=np.int64)
    ah, av, ahouse, afin, abiz = raw.cols["assets"]
    rows = index(ah)
    vehicles[rows], houses[rows], financial[rows], business[rows] = av, ahouse, afin, abiz

    ph, pid, born, grade, dcat, ill, lnone, counted = raw.cols["persons"]
    month_int = month.year * 10000 + month.month * 100 + month.day
    m = len(ph)
    own = np.zeros(m, dtype=np.int64)
    oid, ocat, oamt = raw.cols["own_incomes"]
    if len(oid) and m:
        # Person id → row, through a lookup array (no sort).
        row_of = np.full(int(max(pid.max(), oid.max())) + 1, -1, dtype=np.int64)
        row_of[pid] = np.arange(m, dtype=np.int64)
        target = row_of[oid]
        found = target >= 0
        # Registered-poor exclusions depend on the household.
        counted_cat = np.array(
            [c not in k.not_counted for c in f.INCOME_CATEGORIES], dtype=np.bool_
        )
        poor_cat = np.array([c in k.not_counted_poor for c in f.INCOME_CATEGORIES], dtype=np.bool_)
        target, cat, amt = target[found], ocat[found], oamt[found]
        hh_of = index(ph[target])
        keep = counted_cat[cat] & ~(poor_cat[cat] & poor[hh_of].astype(bool))
        np.add.at(own, target[keep], amt[keep])
    false = np.zeros(m, dtype=np.bool_)
    households = f.Households(
        urban=urban.astype(bool),
        registered_poor=poor.astype(bool),
        income=income,
        wages_attributed=wages_attr,
        working_members=working,
        vehicles=vehicles,
        houses=houses,
        financial=financial,
        business=business,
        dibao_recipient=np.zeros(n, dtype=np.bool_),
        months_above_line=np.zeros(n, dtype=np.int64),
        previous_amount=np.zeros(n, dtype=np.int64),
    )
    persons = f.Persons(
        hh=index(ph),
        age=(month_int - born) // 10000,
        disability_grade=grade,
        disability_category=dcat,
        serious_illness=ill.astype(bool),
        labour_none=lnone.astype(bool),
        counted=counted.astype(bool),
        public_payroll=false,
        adl_unable=np.zeros(m, dtype=np.int64),
        has_supporter=false,
        institutional=false,
        orphan=false,
        own_income=own,
        tekun_member=false,
    )
    return households, persons, hid, town


PROGRAMME_ROWS = ("dibao", "tekun", "disability", "elderly")


def write_results(run: CalculationRun, hid: I64, outcome: f.Outcome, hh: f.IntArr, n: int) -> int:
    """One row per household for dibao (with its reason), and a row per other programme
    where something is due. COPY on PostgreSQL, executemany on SQLite."""
    totals = outcome.household_totals(n, hh)
    parts = [
        (
            hid,
            np.full(n, "dibao"),
            outcome.dibao.eligible,
            outcome.dibao.amount,
            outcome.dibao.reason,
        )
    ]
    for name in PROGRAMME_ROWS[1:]:
        amount = totals[name]
        sel = amount > 0
        parts.append(
            (
                hid[sel],
                np.full(int(sel.sum()), name),
                np.ones(int(sel.sum()), bool),
                amount[sel],
                np.zeros(int(sel.sum()), dtype=np.int64),
            )
        )
    table = pa.table(
        {
            "run_id": pa.array(np.full(sum(len(p[0]) for p in parts), run.pk, dtype=np.int64)),
            "household_id": pa.array(np.concatenate([p[0] for p in parts])),
            "programme": pa.array(np.concatenate([p[1] for p in parts]).astype(object)),
            "eligible": pa.array(np.concatenate([p[2] for p in parts]).astype(bool)),
            "amount_fen": pa.array(np.concatenate([p[3] for p in parts]).astype(np.int64)),
            "reason_code": pa.array(np.concatenate([p[4] for p in parts]).astype(np.int64)),
        }
    )
    cols = "run_id, household_id, programme, eligible, amount_fen, reason_code"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buf = io.BytesIO()
            pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
            with cursor.copy(
                f"COPY {EntitlementResult._meta.db_table} ({cols}) FROM STDIN WITH (FORMAT csv)"
            ) as copy:
                copy.write(buf.getvalue())
        else:
            cursor.executemany(
                f"INSERT INTO {EntitlementResult._meta.db_table} ({cols}) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                list(zip(*(table.column(i).to_pylist() for i in range(6)), strict=True)),
            )
    return table.num_rows


def run_entitlements(month: dt.date, actor: User | None = None) -> CalculationRun:
    """Every household's entitlements for a month, written as one run."""
    started = time.perf_counter()
    month = month.replace(day=1)
    k = f.Params.from_set(ParameterSet.load(month))
    raw = read_registry()
    h, p, hid, _town = columns(raw, month, k)
    outcome = f.compute(h, p, k)
    with transaction.atomic():
        run = CalculationRun.objects.create(
            kind=CalculationRun.Kind.ENTITLEMENTS, month=month, households=h.n, created_by=actor
        )
        rows = write_results(run, hid, outcome, p.hh, h.n)
        run.seconds = time.perf_counter() - started
        run.summary = {
            "rows": rows,
            "dibao_households": int(outcome.dibao.eligible.sum()),
            "dibao_fen": int(outcome.dibao.amount.sum()),
        }
        run.save(update_fields=["seconds", "summary"])
    return run


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
    k0 = f.Params.from_set(ParameterSet.load(month))
    k1 = f.Params.from_set(ParameterSet.load(month, overrides))
    progress(5)
    raw = raw or read_registry()
    progress(60)
    h, p, _hid, town = columns(raw, month, k0)
    before, _, _ = f.dibao_only(h, p, k0)
    progress(80)
    h1, p1, _, _ = columns(raw, month, k1) if k1.not_counted != k0.not_counted else (h, p, 0, 0)
    after, _, _ = f.dibao_only(h1, p1, k1)
    codes, inverse = np.unique(town, return_inverse=True)
    t = len(codes)

    def by_town(values: npt.NDArray[Any]) -> I64:
        out = np.zeros(t, dtype=np.int64)
        np.add.at(out, inverse, values.astype(np.int64))
        return out

    gain = by_town((before == 0) & (after > 0))
    lose = by_town((before > 0) & (after == 0))
    change = by_town((before > 0) & (after > 0) & (before != after))
    b = by_town(before)
    a = by_town(after)
    names = {
        r.code[:9]: r.name
        for r in Region.objects.filter(level=RegionLevel.TOWN).only("code", "name")
    }
    towns = [
        TownImpact(
            str(code),
            names.get(str(code), str(code)),
            int(gain[i]),
            int(lose[i]),
            int(change[i]),
            int(b[i]),
            int(a[i]),
        )
        for i, code in enumerate(codes)
    ]
    return Simulation(month, overrides, h.n, towns, time.perf_counter() - started)


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
