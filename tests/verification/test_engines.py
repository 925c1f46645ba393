"""The same job definition on DuckDB and on Spark gives the same reports and findings."""

import datetime as dt

import pyarrow as pa
import pytest

from jiuzhu.batch.engine import DuckDBEngine, SparkEngine, spark_available
from jiuzhu.verification import jobs, matching, services
from jiuzhu.verification.models import VerificationJob
from tests.verification.conftest import AS_OF, limits
from tests.verification.test_matching import family, ident, import_rows, new_id, yuan

pytestmark = pytest.mark.django_db


def _sorted(table: pa.Table, keys: list[str]) -> list[dict]:
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))


def _run(engine, inputs, chunks):
    results = matching.prepare(engine, inputs)
    reports, findings = [], []
    for chunk in range(chunks):
        r, f = results.get(chunk)
        reports.append(r)
        findings.append(f)
    return pa.concat_tables(reports), pa.concat_tables(findings)


@pytest.mark.skipif(not spark_available(), reason="Java or pyspark missing")
def test_duckdb_and_spark_agree(county_admin, officer, tmp_path):
    t = limits("rural")
    people = [new_id(dt.date(1960 + i, 1 + i, 1 + i)) for i in range(6)]
    homes = [family(county_admin, (f"人{i}", n)) for i, n in enumerate(people)]
    import_rows(
        officer,
        tmp_path,
        "employment",
        [
            {**ident(people[0], "人0"), "employer": "厂", "monthly_wage": yuan(t.standard_fen + 1)},
            {**ident(people[1], "人1"), "employer": "厂", "monthly_wage": "12.34"},
        ],
    )
    import_rows(
        officer,
        tmp_path,
        "vehicles",
        [
            {**ident(people[2], "人2"), "plate": "鲁A1", "vehicle_type": "汽车"},
            {**ident(people[3], "人3"), "plate": "鲁A2", "vehicle_type": "农用车"},
        ],
    )
    import_rows(
        officer,
        tmp_path,
        "bank_deposits",
        [
            {"name": "人4", "birth_date": "1964-05-05", "institution": "行", "balance": "100.5"},
        ],
    )
    import_rows(
        officer, tmp_path, "deaths", [{**ident(people[5], "人5"), "death_date": "2024-01-02"}]
    )
    job = services.create_job(county_admin, as_of=AS_OF)
    jobs.CHUNK_HOUSEHOLDS, saved = 4, jobs.CHUNK_HOUSEHOLDS
    try:
        jobs.prepare(VerificationJob.objects.get(pk=job.pk))
    finally:
        jobs.CHUNK_HOUSEHOLDS = saved
    job.refresh_from_db()
    inputs = jobs.inputs_for(job)

    duck = DuckDBEngine()
    spark = SparkEngine(master="local[1]", shuffle_partitions=2)
    try:
        d_reports, d_findings = _run(duck, inputs, job.chunks_total)
        s_reports, s_findings = _run(spark, inputs, job.chunks_total)
    finally:
        duck.close()
        spark.close()
    assert d_reports.num_rows == len(homes) == s_reports.num_rows
    assert _sorted(d_reports, ["household_id"]) == _sorted(s_reports, ["household_id"])
    keys = ["household_id", "source", "kind", "amount_fen", "detail"]
    assert _sorted(d_findings, keys) == _sorted(s_findings, keys)
    conclusions = {r["household_id"]: r["conclusion"] for r in d_reports.to_pylist()}
    assert conclusions[homes[0].pk] == "over_limit"
    assert conclusions[homes[4].pk] == "needs_explanation"  # fuzzy deposit, undeclared
