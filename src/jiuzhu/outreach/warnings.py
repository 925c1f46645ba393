"""The monitoring warning rules (低收入人口动态监测预警): plain SQL over these views, run
unchanged on DuckDB or Spark (jiuzhu.batch.engine), joined on ID digests:
  persons          person_id, household_id, id_digest, birth_date   (registry snapshot)
  households       household_id, town_code              (registry snapshot)
  deaths           id_digest, extract_date, detail       (accepted death extracts)
  benefits_before  id_digest, amount_fen                 (the previous unemployment extract)
  benefits_now     id_digest                             (the latest unemployment extract)
  students_before  id_digest, detail                     (the previous students extract)
  students_now     id_digest                             (the latest students extract)
  medical          id_digest, year, amount_fen           (the latest medical-spending extract:
                                                          the year's out-of-pocket so far)
  disabilities     id_digest, grade, registered_on, detail   (the latest disability register)
  disasters        id_digest, occurred_on, amount_fen, detail (recent disaster-loss extracts)
Each rule yields (rule, household_id, person_id, town_code, source_date, amount_fen,
detail); its threshold comes from the policy parameters in force.

Large medical spending is read from the healthcare security bureau's extract, not from the
medical app's bills: the bureau's settlements cover everyone insured (the bills only those
already assisted), and outreach and medical are one layer, which may not read each other.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pyarrow as pa

from jiuzhu.batch.engine import Engine


class Rule(StrEnum):
    DEATH = "death"  # a member of working age registered dead: the household lost an earner
    BENEFIT_LOST = "benefit_lost"  # unemployment benefit paid before, no longer paid
    LEFT_SCHOOL = "left_school"  # a child at school before, no longer
    MEDICAL = "medical_spending"  # the year's out-of-pocket medical spending is large
    DISABILITY = "severe_disability"  # a severe disability newly registered
    DISASTER = "disaster_damage"  # a large loss in a natural disaster


RULE_LABELS: dict[str, str] = {
    Rule.DEATH: "劳动年龄家庭成员死亡（可能失去主要劳动力）",
    Rule.BENEFIT_LOST: "失业保险金停发",
    Rule.LEFT_SCHOOL: "未成年子女中断学业",
    Rule.MEDICAL: "医疗费用个人负担过重",
    Rule.DISABILITY: "新增重度残疾",
    Rule.DISASTER: "遭受自然灾害损失",
}
# What a hit's detail column holds, by rule (shown before it as evidence).
DETAIL_LABELS: dict[str, str] = {
    Rule.DEATH: "死亡日期 ",
    Rule.LEFT_SCHOOL: "原就读 ",
    Rule.DISABILITY: "新办残疾人证 ",
    Rule.DISASTER: "受灾 ",
}
# What a hit's amount is, by rule (rules without one have none).
AMOUNT_LABELS: dict[str, str] = {
    Rule.BENEFIT_LOST: "原月额",
    Rule.MEDICAL: "本年度个人自付",
    Rule.DISASTER: "核定损失",
}

# Each rule's candidates by ID digest first, then one join to the members and households
# (joining the registry once, not once per rule).
_CANDIDATES = """
SELECT '{death}' AS rule, d.id_digest, d.extract_date AS source_date,
       CAST(0 AS BIGINT) AS amount_fen, d.detail
FROM deaths d WHERE d.extract_date >= DATE '{death_since}'
UNION ALL
SELECT '{benefit_lost}' AS rule, b.id_digest, DATE '{benefits_date}' AS source_date,
       b.amount_fen, '' AS detail
FROM benefits_before b LEFT JOIN benefits_now n ON n.id_digest = b.id_digest
WHERE n.id_digest IS NULL AND b.amount_fen >= {benefit_min_fen}
UNION ALL
SELECT '{left_school}' AS rule, s.id_digest, DATE '{students_date}' AS source_date,
       CAST(0 AS BIGINT) AS amount_fen, s.detail
FROM students_before s LEFT JOIN students_now n ON n.id_digest = s.id_digest
WHERE n.id_digest IS NULL
UNION ALL
SELECT '{medical}' AS rule, m.id_digest, make_date(CAST(m.year AS INT), 1, 1) AS source_date,
       m.amount_fen, '' AS detail
FROM medical m WHERE m.amount_fen >= {medical_min_fen}
UNION ALL
SELECT '{disability}' AS rule, r.id_digest, r.registered_on AS source_date,
       CAST(0 AS BIGINT) AS amount_fen, r.detail || '级' AS detail
FROM disabilities r
WHERE r.registered_on >= DATE '{disability_since}' AND r.grade BETWEEN 1 AND {severe_grade}
UNION ALL
SELECT '{disaster}' AS rule, x.id_digest, x.occurred_on AS source_date, x.amount_fen, x.detail
FROM disasters x
WHERE x.occurred_on >= DATE '{disaster_since}' AND x.amount_fen >= {disaster_min_fen}
"""

HITS_SQL = (
    "SELECT c.rule, p.household_id, p.person_id, h.town_code, c.source_date, c.amount_fen, "
    "c.detail FROM ("
    + _CANDIDATES
    + """) c
JOIN persons p ON c.id_digest = p.id_digest
JOIN households h ON h.household_id = p.household_id
WHERE (c.rule <> '{left_school}' OR p.birth_date > DATE '{born_after}')
  AND (c.rule <> '{death}' OR (p.birth_date > DATE '{earner_born_after}'
                               AND p.birth_date <= DATE '{earner_born_by}'))
"""
)

# The joins the rules need, without their conditions: the floor they are measured against.
FLOOR_SQL = """
SELECT COUNT(*) AS n FROM (
  SELECT d.id_digest FROM deaths d
  UNION ALL
  SELECT b.id_digest FROM benefits_before b
  LEFT JOIN benefits_now n ON n.id_digest = b.id_digest WHERE n.id_digest IS NULL
  UNION ALL
  SELECT s.id_digest FROM students_before s
  LEFT JOIN students_now n ON n.id_digest = s.id_digest WHERE n.id_digest IS NULL
  UNION ALL
  SELECT m.id_digest FROM medical m
  UNION ALL
  SELECT r.id_digest FROM disabilities r
  UNION ALL
  SELECT x.id_digest FROM disasters x
) c
JOIN persons p ON c.id_digest = p.id_digest
JOIN households h ON h.household_id = p.household_id
"""


@dataclass(frozen=True)
class Thresholds:
    death_since: dt.date
    benefit_min_fen: int
    born_after: dt.date  # a school leaver born after this day is a child
    # A member who died is taken for an earner when of working age: born after the first
    # day (under the upper age) and by the second (at least the lower age).
    earner_born_after: dt.date
    earner_born_by: dt.date
    medical_min_fen: int
    disability_since: dt.date
    severe_grade: int  # grades 1 (the worst) to this one are severe
    disaster_since: dt.date
    disaster_min_fen: int


@dataclass(frozen=True)
class Inputs:
    persons: Path
    households: Path
    deaths: list[Path]
    benefits_before: Path | None
    benefits_now: Path | None
    benefits_date: dt.date  # the latest unemployment extract's date (the day it stopped)
    students_before: Path | None = None
    students_now: Path | None = None
    students_date: dt.date | None = None
    medical: Path | None = None
    disabilities: Path | None = None
    disasters: list[Path] = field(default_factory=list)


_ID = ("id_digest", pa.string())
_EMPTY = {
    "deaths": pa.schema([_ID, ("extract_date", pa.date32()), ("detail", pa.string())]),
    "benefits_before": pa.schema([_ID, ("amount_fen", pa.int64())]),
    "benefits_now": pa.schema([_ID]),
    "students_before": pa.schema([_ID, ("detail", pa.string())]),
    "students_now": pa.schema([_ID]),
    "medical": pa.schema([_ID, ("year", pa.int64()), ("amount_fen", pa.int64())]),
    "disabilities": pa.schema(
        [_ID, ("grade", pa.int64()), ("registered_on", pa.date32()), ("detail", pa.string())]
    ),
    "disasters": pa.schema(
        [_ID, ("occurred_on", pa.date32()), ("amount_fen", pa.int64()), ("detail", pa.string())]
    ),
}
# An extract's own columns are stored as col_<name> (verification/importer/checks.py).
_STORED = {name: f"col_{name}" for name in ("year", "grade", "registered_on", "occurred_on")}


def _register(engine: Engine, view: str, paths: list[Path]) -> None:
    if paths:
        columns = [
            f"{_STORED[name]} AS {name}" if name in _STORED else name for name in _EMPTY[view].names
        ]
        engine.register_parquet(view, [str(p) for p in paths], columns, {})
    else:
        engine.register_arrow(view, _EMPTY[view].empty_table())


def prepare(engine: Engine, inputs: Inputs) -> None:
    """Register the views the rules read."""
    engine.register_parquet(
        "persons",
        [str(inputs.persons)],
        ["person_id", "household_id", "id_digest", "birth_date"],
        {},
    )
    engine.register_parquet(
        "households", [str(inputs.households)], ["household_id", "town_code"], {}
    )
    _register(engine, "deaths", inputs.deaths)
    _register_pair(engine, "benefits", inputs.benefits_before, inputs.benefits_now)
    _register_pair(engine, "students", inputs.students_before, inputs.students_now)
    _register(engine, "medical", [inputs.medical] if inputs.medical else [])
    _register(engine, "disabilities", [inputs.disabilities] if inputs.disabilities else [])
    _register(engine, "disasters", inputs.disasters)


def _register_pair(engine: Engine, name: str, before: Path | None, now: Path | None) -> None:
    # Without two extracts of a source nothing can have stopped.
    pair = (before, now) if before is not None and now is not None else None
    _register(engine, f"{name}_before", [pair[0]] if pair else [])
    _register(engine, f"{name}_now", [pair[1]] if pair else [])


def hits(engine: Engine, inputs: Inputs, thresholds: Thresholds) -> pa.Table:
    """Every rule's hits."""
    prepare(engine, inputs)
    return engine.query(
        HITS_SQL.format(
            death=Rule.DEATH,
            benefit_lost=Rule.BENEFIT_LOST,
            left_school=Rule.LEFT_SCHOOL,
            medical=Rule.MEDICAL,
            disability=Rule.DISABILITY,
            disaster=Rule.DISASTER,
            death_since=thresholds.death_since.isoformat(),
            benefits_date=inputs.benefits_date.isoformat(),
            benefit_min_fen=int(thresholds.benefit_min_fen),
            students_date=(inputs.students_date or inputs.benefits_date).isoformat(),
            born_after=thresholds.born_after.isoformat(),
            earner_born_after=thresholds.earner_born_after.isoformat(),
            earner_born_by=thresholds.earner_born_by.isoformat(),
            medical_min_fen=int(thresholds.medical_min_fen),
            disability_since=thresholds.disability_since.isoformat(),
            severe_grade=int(thresholds.severe_grade),
            disaster_since=thresholds.disaster_since.isoformat(),
            disaster_min_fen=int(thresholds.disaster_min_fen),
        )
    )
