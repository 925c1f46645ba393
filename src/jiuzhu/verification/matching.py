"""The verification job definition: match members to facts, total, compare, conclude.

Pure SQL over five views, run unchanged on DuckDB or Spark (jiuzhu.batch.engine):
  persons      person_id, household_id, chunk, id_digest, name, birth_date
  households   household_id, chunk, town_code, area_type, members, declared_* totals
  facts        every accepted extract row: id_digest, name, birth_date, source, extract_id,
               extract_date, kind, category, amount_fen, detail
  thresholds   one row per area type (policy.accessors.AssetLimits)
  matched      materialised: facts attached to members, exact or fuzzy
  reports      one row per household (REPORTS_SQL); materialised on a cluster, where chunks
               are read from it one by one (on one machine fetched whole, see prepare)

Matching rules:
  exact  the fact's ID number equals the member's (their digests are equal: core.crypto;
         neither side holds the number itself).
  fuzzy  the fact has no ID number and its name + birth date belong to exactly one member
         in the snapshot (a namesake born the same day makes it ambiguous: no match).
A limit exceeded only because of fuzzy findings gives "needs explanation", never
"over the limit": lower confidence cannot by itself exclude a household.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa

from jiuzhu.batch.engine import DuckDBEngine, Engine
from jiuzhu.verification.sources import FACT_COLUMNS, Category

PERSON_COLUMNS = ("person_id", "household_id", "chunk", "id_digest", "name", "birth_date")
HOUSEHOLD_COLUMNS = (
    "household_id",
    "chunk",
    "town_code",
    "area_type",
    "members",
    "declared_income_fen",
    "declared_financial_fen",
    "declared_vehicles",
    "declared_houses",
    "declared_businesses",
)
STORED_FACT_COLUMNS = tuple(c for c in FACT_COLUMNS if c != "extract_id")


class Confidence(StrEnum):
    """How a fact was matched to a member (see the module's docstring)."""

    EXACT = "exact"
    FUZZY = "fuzzy"


EXACT_SQL = f"""
SELECT p.household_id, p.person_id, p.chunk, f.source, f.extract_id, f.extract_date, f.kind,
       f.category, f.amount_fen, f.detail, '{Confidence.EXACT}' AS confidence
FROM facts f JOIN persons p ON f.id_digest = p.id_digest
"""
FUZZY_SQL = f"""
SELECT u.household_id, u.person_id, u.chunk, f.source, f.extract_id, f.extract_date, f.kind,
       f.category, f.amount_fen, f.detail, '{Confidence.FUZZY}' AS confidence
FROM facts f JOIN (
    SELECT name, birth_date, MIN(person_id) AS person_id, MIN(household_id) AS household_id,
           MIN(chunk) AS chunk
    FROM persons GROUP BY name, birth_date HAVING COUNT(*) = 1
) u ON f.name = u.name AND f.birth_date = u.birth_date
WHERE f.id_digest IS NULL
"""
MATCHED_SQL = f"{EXACT_SQL} UNION ALL {FUZZY_SQL}"


# A report's reasons, in the order they are shown, with what a caseworker reads; the
# reports' query gives them as bits of one number (`reasons`, read by reasons_of).
REASONS: dict[str, str] = {
    "over_income": "核实收入超过低保标准",
    "over_financial": "存款、有价证券等金融资产超过上限",
    "over_vehicles": "拥有机动车辆",
    "over_houses": "住房超过规定套数",
    "over_business": "工商登记注册资本超过上限",
    "over_if_fuzzy_confirmed": "按姓名和出生日期匹配的记录若属实将超出标准",
    "undeclared_income": "核实收入高于申报收入",
    "undeclared_financial": "金融资产高于申报",
    "undeclared_vehicles": "有未申报的车辆",
    "undeclared_houses": "有未申报的房产",
    "undeclared_businesses": "有未申报的工商登记",
    "member_died": "家庭成员已死亡或火化",
    "public_payroll": "家庭成员为财政供养人员（须报县级研究）",
}


# Aggregates over the facts a condition picks (FILTER): each row updates the few that apply
# instead of all of them through a CASE. No row picked gives NULL, taken as 0 below (as
# amounts are never negative, a MAX of none is the 0 it was with CASE … ELSE 0).
def _sum(condition: str) -> str:
    return f"CAST(SUM(amount_fen) FILTER (WHERE {condition}) AS BIGINT)"


def _count(condition: str) -> str:
    return f"CAST(COUNT(*) FILTER (WHERE {condition}) AS BIGINT)"


def _max(condition: str) -> str:
    return f"CAST(MAX(amount_fen) FILTER (WHERE {condition}) AS BIGINT)"


# One number instead of a column per reason: a third of the report's columns, each to be
# fetched, written and read back row by row.
REASON_BITS = " + ".join(f"{code} * {1 << bit}" for bit, code in enumerate(REASONS))


# Conditions on a matched fact, for the sums below.
INCOME = f"category IN ('{Category.INCOME}', '{Category.PAYROLL}')"
EXACT = f"confidence = '{Confidence.EXACT}'"
IS_BUSINESS = f"category = '{Category.BUSINESS}'"
IS_DEATH = f"category = '{Category.DEATH}'"
IS_FINANCIAL = f"category = '{Category.FINANCIAL}'"
IS_HOUSE = f"category = '{Category.HOUSE}'"
IS_PAYROLL = f"category = '{Category.PAYROLL}'"
IS_VEHICLE = f"category = '{Category.VEHICLE}'"

REPORTS_SQL = f"""
WITH agg AS (
  SELECT household_id,
    {_sum(INCOME)} AS income_fen,
    {_sum(f"{INCOME} AND {EXACT}")} AS income_exact_fen,
    {_sum(IS_FINANCIAL)} AS financial_fen,
    {_sum(f"{IS_FINANCIAL} AND {EXACT}")} AS financial_exact_fen,
    {_count(IS_VEHICLE)} AS vehicles,
    {_count(f"{IS_VEHICLE} AND {EXACT}")} AS vehicles_exact,
    {_count(IS_HOUSE)} AS houses,
    {_count(f"{IS_HOUSE} AND {EXACT}")} AS houses_exact,
    {_count(IS_BUSINESS)} AS businesses,
    {_max(IS_BUSINESS)} AS capital_fen,
    {_max(f"{IS_BUSINESS} AND {EXACT}")} AS capital_exact_fen,
    {_count(f"confidence = '{Confidence.FUZZY}'")} AS fuzzy_findings,
    CAST(COUNT(*) AS BIGINT) AS findings_count
  FROM matched
  GROUP BY household_id
), people AS (
  -- Members counted once however many facts name them: a distinct count, which costs an
  -- aggregation of its own, so over the few death and payroll facts only, not all.
  SELECT household_id,
    CAST(COUNT(DISTINCT CASE WHEN {IS_DEATH} THEN person_id END) AS BIGINT) AS deaths,
    CAST(COUNT(DISTINCT CASE WHEN {IS_PAYROLL} THEN person_id END) AS BIGINT)
      AS payroll_members
  FROM matched WHERE {IS_DEATH} OR {IS_PAYROLL}
  GROUP BY household_id
), t AS (
  SELECT h.household_id, h.chunk, h.town_code, h.area_type, h.members,
    h.declared_income_fen, h.declared_financial_fen, h.declared_vehicles, h.declared_houses,
    h.declared_businesses,
    COALESCE(a.income_fen, 0) AS income_fen,
    COALESCE(a.income_exact_fen, 0) AS income_exact_fen,
    COALESCE(a.financial_fen, 0) AS financial_fen,
    COALESCE(a.financial_exact_fen, 0) AS financial_exact_fen,
    COALESCE(a.vehicles, 0) AS vehicles, COALESCE(a.vehicles_exact, 0) AS vehicles_exact,
    COALESCE(a.houses, 0) AS houses, COALESCE(a.houses_exact, 0) AS houses_exact,
    COALESCE(a.businesses, 0) AS businesses,
    COALESCE(a.capital_fen, 0) AS capital_fen,
    COALESCE(a.capital_exact_fen, 0) AS capital_exact_fen,
    COALESCE(pe.deaths, 0) AS deaths, COALESCE(pe.payroll_members, 0) AS payroll_members,
    COALESCE(a.fuzzy_findings, 0) AS fuzzy_findings,
    COALESCE(a.findings_count, 0) AS findings_count,
    th.standard_fen * h.members AS income_limit_fen,
    th.financial_months * th.standard_fen * h.members AS financial_limit_fen,
    th.vehicles_allowed, th.houses_allowed, th.business_capital_limit_fen
  FROM households h
  JOIN thresholds th ON th.area_type = h.area_type
  LEFT JOIN agg a ON a.household_id = h.household_id
  LEFT JOIN people pe ON pe.household_id = h.household_id
), flags AS (
  SELECT t.*,
    CASE WHEN income_exact_fen > income_limit_fen THEN 1 ELSE 0 END AS over_income,
    CASE WHEN financial_exact_fen > financial_limit_fen THEN 1 ELSE 0 END AS over_financial,
    CASE WHEN vehicles_exact > vehicles_allowed THEN 1 ELSE 0 END AS over_vehicles,
    CASE WHEN houses_exact > houses_allowed THEN 1 ELSE 0 END AS over_houses,
    CASE WHEN capital_exact_fen > business_capital_limit_fen THEN 1 ELSE 0 END AS over_business,
    CASE WHEN income_fen > income_limit_fen OR financial_fen > financial_limit_fen
           OR vehicles > vehicles_allowed OR houses > houses_allowed
           OR capital_fen > business_capital_limit_fen
         THEN 1 ELSE 0 END AS over_if_fuzzy_alone,
    CASE WHEN income_fen > declared_income_fen THEN 1 ELSE 0 END AS undeclared_income,
    CASE WHEN financial_fen > declared_financial_fen THEN 1 ELSE 0 END AS undeclared_financial,
    CASE WHEN vehicles > declared_vehicles THEN 1 ELSE 0 END AS undeclared_vehicles,
    CASE WHEN houses > declared_houses THEN 1 ELSE 0 END AS undeclared_houses,
    CASE WHEN businesses > declared_businesses THEN 1 ELSE 0 END AS undeclared_businesses,
    CASE WHEN deaths > 0 THEN 1 ELSE 0 END AS member_died,
    CASE WHEN payroll_members > 0 THEN 1 ELSE 0 END AS public_payroll
  FROM t
), kept AS (
  SELECT flags.*,
    CASE WHEN over_income + over_financial + over_vehicles + over_houses + over_business = 0
         THEN over_if_fuzzy_alone ELSE 0 END AS over_if_fuzzy_confirmed
  FROM flags
)
SELECT household_id, chunk, town_code, area_type, CAST(members AS BIGINT) AS members,
  income_fen, declared_income_fen, financial_fen, declared_financial_fen,
  vehicles, houses, businesses, deaths, payroll_members, fuzzy_findings, findings_count,
  CAST({REASON_BITS} AS BIGINT) AS reasons,
  CASE WHEN over_income + over_financial + over_vehicles + over_houses + over_business > 0
         THEN 'over_limit'
       WHEN over_if_fuzzy_confirmed + undeclared_income + undeclared_financial
            + undeclared_vehicles + undeclared_houses + undeclared_businesses
            + member_died + public_payroll > 0
         THEN 'needs_explanation'
       ELSE 'consistent' END AS conclusion
FROM kept
"""

# The conclusions above are the values of models.Conclusion (tests check they agree; this
# module stays free of Django so that it runs in the benchmark and on Spark's driver alone).

FINDINGS_SQL = """
SELECT household_id, person_id, chunk, source, extract_id, extract_date, kind, category,
       amount_fen, detail, confidence
FROM matched
"""


@dataclass
class JobInputs:
    households_path: Path
    persons_path: Path
    extracts: Sequence[tuple[int, Path]]  # (extract id, Parquet file)
    thresholds: pa.Table


FACT_SCHEMA_EMPTY = pa.schema(
    [
        ("id_digest", pa.string()),
        ("name", pa.string()),
        ("birth_date", pa.date32()),
        ("source", pa.string()),
        ("extract_date", pa.date32()),
        ("kind", pa.string()),
        ("category", pa.string()),
        ("amount_fen", pa.int64()),
        ("detail", pa.string()),
        ("extract_id", pa.int64()),
    ]
)


class Chunks(Protocol):
    """A prepared job's results, chunk by chunk."""

    def get(self, chunk: int) -> tuple[pa.Table, pa.Table]:
        """Reports (one row per household) and findings for one chunk of households."""


class ChunksInEngine:
    """Read from the engine's materialised tables one chunk at a time: on a cluster the
    tables stay there and the driver holds one chunk."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, chunk: int) -> tuple[pa.Table, pa.Table]:
        reports = self.engine.query(f"SELECT * FROM reports WHERE chunk = {int(chunk)}")
        findings = self.engine.query(f"{FINDINGS_SQL} WHERE chunk = {int(chunk)}")
        return reports, findings


class ChunksInMemory:
    """Every chunk's results fetched at once and sliced here: on one machine they are in this
    process's memory either way, and one fetch plus slices cost a fraction of a sort in the
    engine and two queries a chunk."""

    def __init__(self, reports: pa.Table, findings: pa.Table) -> None:
        self.reports, self._report_runs = _runs_by_chunk(reports)
        self.findings, self._finding_runs = _runs_by_chunk(findings)

    def get(self, chunk: int) -> tuple[pa.Table, pa.Table]:
        return (
            _rows_of(self.reports, self._report_runs, chunk),
            _rows_of(self.findings, self._finding_runs, chunk),
        )


# More runs than this per chunk and the table is sorted by chunk instead of read in pieces.
MAX_RUNS_PER_CHUNK = 16


def _runs_by_chunk(table: pa.Table) -> tuple[pa.Table, dict[int, list[tuple[int, int]]]]:
    """The table, and where each chunk's rows lie in it: (start, length) runs.

    The engine scans the snapshot one row group per thread and keeps each group's rows
    together, so the reports come as a few runs per chunk, read in place without a copy. A
    table in another order (the findings come in the facts' order) is sorted by chunk first.
    """
    chunks = table.column("chunk").to_numpy()
    starts, ends = _runs(chunks)
    if len(starts) > MAX_RUNS_PER_CHUNK * len(np.unique(chunks[starts])):
        order = np.argsort(chunks, kind="stable")
        table = table.take(pa.array(order))
        chunks = chunks[order]
        starts, ends = _runs(chunks)
    runs: dict[int, list[tuple[int, int]]] = {}
    for chunk, start, end in zip(
        chunks[starts].tolist(), starts.tolist(), ends.tolist(), strict=True
    ):
        runs.setdefault(chunk, []).append((start, end - start))
    return table, runs


def _runs(chunks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal chunk numbers starts and ends."""
    if not len(chunks):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    changes = np.flatnonzero(chunks[1:] != chunks[:-1]) + 1
    return np.concatenate(([0], changes)), np.concatenate((changes, [len(chunks)]))


def _rows_of(table: pa.Table, runs: dict[int, list[tuple[int, int]]], chunk: int) -> pa.Table:
    pieces = runs.get(chunk)
    if not pieces:
        return table.slice(0, 0)
    return pa.concat_tables([table.slice(start, length) for start, length in pieces])


def prepare(engine: Engine, inputs: JobInputs) -> Chunks:
    """Register the views, materialise the matched facts (the one big join) and compute the
    reports of every household."""
    engine.register_parquet("persons", [str(inputs.persons_path)], PERSON_COLUMNS, {})
    engine.register_parquet("households", [str(inputs.households_path)], HOUSEHOLD_COLUMNS, {})
    engine.register_arrow("thresholds", inputs.thresholds)
    parts = []
    for extract_id, path in inputs.extracts:
        view = f"facts_{int(extract_id)}"
        engine.register_parquet(
            view, [str(path)], STORED_FACT_COLUMNS, {"extract_id": int(extract_id)}
        )
        parts.append(view)
    if not parts:
        engine.register_arrow("facts_none", FACT_SCHEMA_EMPTY.empty_table())
        parts.append("facts_none")
    engine.union_views("facts", parts)
    # Only facts without an ID number are matched by name and birth date: when no extract
    # has one (Parquet statistics answer at once), the grouping of every person is skipped.
    unidentified = engine.query("SELECT COUNT(*) AS n FROM facts WHERE id_digest IS NULL")
    fuzzy = unidentified.column("n")[0].as_py() > 0
    matched = MATCHED_SQL if fuzzy else EXACT_SQL
    # Every chunk's reports in one query: planning the wide query costs tens of ms, and per
    # chunk it also rescanned the households and the matched facts each time.
    if isinstance(engine, DuckDBEngine):
        # ChunksInMemory hands the results out by chunk in whatever order they come, so
        # the engine need not collect them in the scans' order (which cost a sixth of the
        # join).
        engine.con.execute("SET preserve_insertion_order = false")
        # The matched facts are the findings: fetched once and read in place by the
        # reports' query (a temp table would copy and compress them first).
        findings = engine.query(matched)
        engine.con.register("matched", findings)
        return ChunksInMemory(engine.query(REPORTS_SQL), findings)
    # Kept in chunk order, so that each chunk's read skips the others' rows.
    engine.materialise("matched", f"SELECT * FROM ({matched}) m ORDER BY chunk")
    engine.materialise("reports", f"{REPORTS_SQL} ORDER BY chunk")
    return ChunksInEngine(engine)


def reasons_of(row: dict) -> list[str]:
    """The codes of a report's reasons (its `reasons` bits), in REASONS' order."""
    return [code for bit, code in enumerate(REASONS) if row["reasons"] >> bit & 1]
