"""The monitoring warning rules (低收入人口动态监测预警): plain SQL over four views, run
unchanged on DuckDB or Spark (jiuzhu.batch.engine):
  persons          person_id, household_id, id_number   (registry snapshot)
  households       household_id, town_code              (registry snapshot)
  deaths           id_number, extract_date, detail       (accepted death extracts)
  benefits_before  id_number, amount_fen                 (the previous unemployment extract)
  benefits_now     id_number                             (the latest unemployment extract)
Each rule yields (rule, household_id, person_id, town_code, source_date, amount_fen,
detail); its threshold comes from the policy parameters in force.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyarrow as pa

from jiuzhu.batch.engine import Engine


class Rule(StrEnum):
    DEATH = "death"  # a member registered dead: the household may have lost its earner
    BENEFIT_LOST = "benefit_lost"  # unemployment benefit paid before, no longer paid


RULE_LABELS: dict[str, str] = {
    Rule.DEATH: "家庭成员死亡（可能失去主要劳动力）",
    Rule.BENEFIT_LOST: "失业保险金停发",
}

HITS_SQL = """
SELECT '{death}' AS rule, p.household_id, p.person_id, h.town_code,
       d.extract_date AS source_date, CAST(0 AS BIGINT) AS amount_fen, d.detail
FROM deaths d
JOIN persons p ON d.id_number = p.id_number
JOIN households h ON h.household_id = p.household_id
WHERE d.extract_date >= DATE '{death_since}'
UNION ALL
SELECT '{benefit_lost}' AS rule, p.household_id, p.person_id, h.town_code,
       DATE '{benefits_date}' AS source_date, b.amount_fen, '' AS detail
FROM benefits_before b
JOIN persons p ON b.id_number = p.id_number
JOIN households h ON h.household_id = p.household_id
LEFT JOIN benefits_now n ON n.id_number = b.id_number
WHERE n.id_number IS NULL AND b.amount_fen >= {benefit_min_fen}
"""

# The same inputs joined without any rule: the floor the rules are measured against.
FLOOR_SQL = """
SELECT COUNT(*) AS n FROM (
  SELECT p.household_id FROM deaths d JOIN persons p ON d.id_number = p.id_number
  JOIN households h ON h.household_id = p.household_id
  UNION ALL
  SELECT p.household_id FROM benefits_before b JOIN persons p ON b.id_number = p.id_number
  JOIN households h ON h.household_id = p.household_id
  LEFT JOIN benefits_now n ON n.id_number = b.id_number WHERE n.id_number IS NULL
) t
"""


@dataclass(frozen=True)
class Thresholds:
    death_since: dt.date
    benefit_min_fen: int


@dataclass(frozen=True)
class Inputs:
    persons: Path
    households: Path
    deaths: list[Path]
    benefits_before: Path | None
    benefits_now: Path | None
    benefits_date: dt.date  # the latest unemployment extract's date (the day it stopped)


_EMPTY = {
    "deaths": pa.schema(
        [("id_number", pa.string()), ("extract_date", pa.date32()), ("detail", pa.string())]
    ),
    "benefits_before": pa.schema([("id_number", pa.string()), ("amount_fen", pa.int64())]),
    "benefits_now": pa.schema([("id_number", pa.string())]),
}


def _register(engine: Engine, view: str, paths: list[Path]) -> None:
    if paths:
        engine.register_parquet(view, [str(p) for p in paths], _EMPTY[view].names, {})
    else:
        engine.register_arrow(view, _EMPTY[view].empty_table())


def prepare(engine: Engine, inputs: Inputs) -> None:
    """Register the views the rules read."""
    engine.register_parquet(
        "persons", [str(inputs.persons)], ["person_id", "household_id", "id_number"], {}
    )
    engine.register_parquet(
        "households", [str(inputs.households)], ["household_id", "town_code"], {}
    )
    _register(engine, "deaths", inputs.deaths)
    # Without two unemployment extracts nothing can have stopped.
    before, now = inputs.benefits_before, inputs.benefits_now
    pair = (before, now) if before is not None and now is not None else None
    _register(engine, "benefits_before", [pair[0]] if pair else [])
    _register(engine, "benefits_now", [pair[1]] if pair else [])


def hits(engine: Engine, inputs: Inputs, thresholds: Thresholds) -> pa.Table:
    """Every rule's hits."""
    prepare(engine, inputs)
    return engine.query(
        HITS_SQL.format(
            death=Rule.DEATH,
            benefit_lost=Rule.BENEFIT_LOST,
            death_since=thresholds.death_since.isoformat(),
            benefits_date=inputs.benefits_date.isoformat(),
            benefit_min_fen=int(thresholds.benefit_min_fen),
        )
    )
