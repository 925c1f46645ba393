"""The warning rules are plain SQL: the same hits on DuckDB and on Spark, over the same
Parquet files (the benchmark's synthetic county, small)."""

import datetime as dt

import pytest

from bench.bench_outreach import TODAY, write_inputs
from jiuzhu.batch.engine import DuckDBEngine, Engine, SparkEngine, spark_available
from jiuzhu.outreach import warnings

THRESHOLDS = warnings.Thresholds(
    death_since=TODAY - dt.timedelta(days=90),
    benefit_min_fen=50_000,
    born_after=dt.date(2010, 12, 1),
    earner_born_after=dt.date(1966, 12, 1),
    earner_born_by=dt.date(2010, 12, 1),
    medical_min_fen=2_000_000,
    disability_since=TODAY - dt.timedelta(days=90),
    severe_grade=2,
    disaster_since=TODAY - dt.timedelta(days=90),
    disaster_min_fen=500_000,
)


def hits_on(engine: Engine, tmp_path) -> list[tuple]:
    paths = write_inputs(200, tmp_path)
    inputs = warnings.Inputs(
        persons=paths["persons"],
        households=paths["households"],
        deaths=[paths["deaths"]],
        benefits_before=paths["benefits_before"],
        benefits_now=paths["benefits_now"],
        benefits_date=TODAY,
        students_before=paths["students_before"],
        students_now=paths["students_now"],
        students_date=TODAY,
        medical=paths["medical"],
        disabilities=paths["disabilities"],
        disasters=[paths["disasters"]],
    )
    try:
        table = warnings.hits(engine, inputs, THRESHOLDS)
    finally:
        engine.close()
    return sorted(tuple(row.values()) for row in table.to_pylist())


def test_every_rule_hits_the_synthetic_county(tmp_path):
    found = hits_on(DuckDBEngine(), tmp_path)
    rules = {row[0] for row in found}
    assert rules == set(warnings.Rule)
    for rule, _household, _person, _town, source_date, amount, detail in found:
        if rule == warnings.Rule.MEDICAL:
            assert (source_date, amount >= 2_000_000, detail) == (dt.date(2026, 1, 1), True, "")
        if rule == warnings.Rule.DISABILITY:
            assert source_date >= TODAY - dt.timedelta(days=90) and detail == "肢体 2级"


@pytest.mark.skipif(not spark_available(), reason="Java or pyspark missing")
def test_the_same_hits_on_spark(tmp_path):
    (tmp_path / "again").mkdir()
    assert hits_on(SparkEngine(), tmp_path) == hits_on(DuckDBEngine(), tmp_path / "again")
