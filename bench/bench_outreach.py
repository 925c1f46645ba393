"""Monitoring warning rules at scale: N households (~2.5N persons) against 10·N department
rows: deaths 10 %, the previous and latest extracts of unemployment benefits and of
students 15 % each, the year's medical spending 15 %, disability certificates 5 %,
disaster losses 10 %. Joined on 32-character ID digests, as the snapshots hold them.

`python -m bench --size 1000000 --only outreach_warnings`

Synthetic data written straight to Parquet (no database load). Figures:
  outreach_warnings_floor   the bare DuckDB joins the rules need (facts → persons →
                            households), counted
  outreach_warnings         the rules themselves (outreach.warnings.hits), hits to Arrow

The "should be helped and is not" list over N households in the database (the policy
benchmark's synthetic registry, one in three households on the monitoring list, an
entitlement run of the month), run on a database of its own:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiuzhu_bench \
      python -m bench --size 1000000 --only outreach_unhelped
  policy_read               the policy job's floor: the bare read of the registry columns
  outreach_unhelped         the county's list: households per town and the first page
                            (outreach.unhelped.unhelped), against that floor
"""

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.common import benchmark, record, setup_django, timer

PERSONS_PER_HOUSEHOLD = 2.5
ROWS_PER_HOUSEHOLD = 10
TODAY = dt.date(2026, 12, 1)


def _ids(serial: np.ndarray) -> pa.Array:
    """32-character digest-like strings from serials (core.crypto.DIGEST_CHARS), the
    varying digits first as in a real digest."""
    digits = pc.utf8_lpad(pa.array(serial).cast(pa.string()), width=32, padding="0")
    return pc.utf8_reverse(digits)


def write_inputs(size: int, folder: Path, seed: int = 15) -> dict[str, Path]:
    rng = np.random.default_rng(seed)
    persons = int(size * PERSONS_PER_HOUSEHOLD)
    towns = np.array([f"370124{100 + t:03d}000" for t in range(8)])
    paths = {name: folder / f"{name}.parquet" for name in ("households", "persons")}
    household_ids = np.arange(1, size + 1, dtype=np.int64)
    pq.write_table(
        pa.table({"household_id": household_ids, "town_code": towns[household_ids % len(towns)]}),
        paths["households"],
    )
    pq.write_table(
        pa.table(
            {
                "person_id": np.arange(1, persons + 1, dtype=np.int64),
                "household_id": rng.integers(1, size + 1, persons, dtype=np.int64),
                "id_digest": _ids(np.arange(persons)),
                "birth_date": np.datetime64("1940-01-01")
                + rng.integers(0, 30_000, persons).astype("timedelta64[D]"),
            }
        ),
        paths["persons"],
    )
    rows = size * ROWS_PER_HOUSEHOLD
    # A department's rows cover many people outside the registry: a third of the serials
    # drawn lie beyond it.
    reach = int(persons * 1.5)
    shares = {
        "deaths": 0.10,
        "benefits_before": 0.15,
        "benefits_now": 0.15,
        "students_before": 0.15,
        "students_now": 0.15,
        "medical": 0.15,
        "disabilities": 0.05,
        "disasters": 0.10,
    }
    for name, share in shares.items():
        n = int(rows * share)
        paths[name] = folder / f"{name}.parquet"
        pq.write_table(_department(name, _ids(rng.integers(0, reach, n)), rng), paths[name])
    return paths


def _recent(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.datetime64(TODAY) - rng.integers(0, 365, n).astype("timedelta64[D]")


def _department(name: str, ids: pa.Array, rng: np.random.Generator) -> pa.Table:
    """One department's rows as the importer stores them (own columns as col_<name>)."""
    n = len(ids)
    if name == "deaths":
        return pa.table(
            {
                "id_digest": ids,
                "extract_date": _recent(rng, n),
                "detail": pa.array(["2026-10-01"] * n),
            }
        )
    if name.startswith("students"):
        return pa.table({"id_digest": ids, "detail": pa.array(["东阿镇中学 初中"] * n)})
    if name == "medical":
        return pa.table(
            {
                "id_digest": ids,
                "col_year": np.full(n, TODAY.year, dtype=np.int64),
                "amount_fen": rng.integers(0, 5_000_000, n),
            }
        )
    if name == "disabilities":
        return pa.table(
            {
                "id_digest": ids,
                "col_grade": rng.integers(1, 5, n),
                "col_registered_on": _recent(rng, n),
                "detail": pa.array(["肢体 2"] * n),
            }
        )
    if name == "disasters":
        return pa.table(
            {
                "id_digest": ids,
                "col_occurred_on": _recent(rng, n),
                "amount_fen": rng.integers(0, 2_000_000, n),
                "detail": pa.array(["暴雨 房屋严重损坏"] * n),
            }
        )
    return pa.table({"id_digest": ids, "amount_fen": rng.integers(0, 200_000, n)})


@benchmark("outreach_warnings")
def run(size: int) -> None:
    setup_django()
    # Imported after Django is set up (the module sits in an app).
    from jiuzhu.batch.engine import DuckDBEngine
    from jiuzhu.outreach import warnings

    with tempfile.TemporaryDirectory(prefix="bench-outreach-") as folder:
        paths = write_inputs(size, Path(folder))
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
        thresholds = warnings.Thresholds(
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
        engine = DuckDBEngine()
        try:
            with timer() as floor:
                warnings.prepare(engine, inputs)
                joined = engine.query(warnings.FLOOR_SQL).column("n")[0].as_py()
            record("outreach_warnings_floor", size, floor["seconds"], rows=joined)
        finally:
            engine.close()
        engine = DuckDBEngine()
        try:
            with timer() as rules:
                hits = warnings.hits(engine, inputs, thresholds)
            record(
                "outreach_warnings",
                size,
                rules["seconds"],
                "outreach_warnings_floor",
                floor["seconds"],
                hits=hits.num_rows,
                department_rows=size * ROWS_PER_HOUSEHOLD,
            )
        finally:
            engine.close()


LISTED_EVERY = 3  # one household in three on the monitoring list


@benchmark("outreach_unhelped")
def run_unhelped(size: int) -> None:
    from bench.bench_policy import MONTH, _setup, fill_registry

    _setup()
    from django.db import connection

    from jiuzhu.core.models import Region, User
    from jiuzhu.core.roles import Role
    from jiuzhu.outreach import unhelped
    from jiuzhu.policy import batch
    from jiuzhu.registry.models import Household

    if not Household.objects.exists():
        fill_registry(size)
    n = Household.objects.count()
    batch.read_registry()  # warm pages, as the policy benchmark reads them
    with timer() as floor:
        batch.read_registry()
    record("policy_read", n, floor["seconds"])
    run = batch.run_entitlements(MONTH)
    county = User.objects.create_user(
        username="bench_unhelped",
        role=Role.COUNTY_ADMIN,
        region=Region.objects.get(code="370124000000"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO outreach_monitoredhousehold (household_id, reason, town_code, since,"
            " until, note, added_by_id) SELECT id, 'edge', substr(registered_code, 1, 9) ||"
            f" '000', '{MONTH}', NULL, '', NULL FROM registry_household"
            f" WHERE id % {LISTED_EVERY} = 0"
        )
        cursor.execute("ANALYZE")
    try:
        unhelped.unhelped(county)  # warm
        with timer() as listed:
            found = unhelped.unhelped(county)
        record(
            "outreach_unhelped",
            n,
            listed["seconds"],
            "policy_read",
            floor["seconds"],
            listed=n // LISTED_EVERY,
            unhelped=found.total,
            page=len(found.rows),
            goal_ratio=2.0,
        )
    finally:
        with connection.cursor() as cursor:  # set-based clean-up, not an ORM cascade
            cursor.execute("DELETE FROM outreach_monitoredhousehold WHERE added_by_id IS NULL")
            cursor.execute("DELETE FROM policy_entitlementresult WHERE run_id = %s", [run.pk])
            cursor.execute("DELETE FROM policy_calculationrun WHERE id = %s", [run.pk])
        county.delete()
