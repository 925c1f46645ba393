"""The entitlement job and payroll preparation on Spark local[2] over Parquet snapshots.

Figures (bench/results/latest.json), N households (~2.85 persons each, one recipient each):
  spark_snapshot_gen    writing the synthetic snapshots (numpy → Parquet, in chunks)
  spark_entitlements    the entitlement job on Spark, results written as Parquet
  spark_payroll         every town's payroll lines for a month on Spark, written as Parquet
  spark_*_one_machine   the same job on the same snapshot in this process (N ≤ 2M only:
                        the baseline of the ratio)
Each Spark figure carries us_per_household; compare it between N = 1M and 10M (it should
not grow). Memory: peak_mb is this (driver) process; jvm_peak_mb the JVM's resident
high-water mark (VmHWM) during the job, workers_peak_mb the Python workers'
(summed), driver_memory the spark.driver.memory setting (JIUZHU_SPARK_DRIVER_MEMORY).

  PYTHONPATH=src:. python -m bench --size 1000000 --only spark_entitlements spark_payroll

The snapshots are generated straight as Parquet (never through the database), under
JIUZHU_DATA_DIR/bench-spark/<N>/ and kept for a rerun (delete them when done). Django is
set up on the bench's SQLite database only for the month's parameters.
"""

import datetime as dt
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.common import benchmark, record

MONTH = dt.date(2026, 7, 1)
CHUNK = 500_000  # households generated and written at a time: memory stays flat
SIZES = np.array([1, 2, 3, 4, 5])
SIZE_SHARE = np.array([0.15, 0.25, 0.30, 0.20, 0.10])  # 2.85 persons a household
ONE_MACHINE_UP_TO = 2_000_000
os.environ.setdefault("JIUZHU_SPARK_DRIVER_MEMORY", "6g")


class Writers:
    """One Parquet file per table, appended chunk by chunk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.open: dict[str, pq.ParquetWriter] = {}

    def add(self, name: str, columns: dict[str, Any]) -> None:
        table = pa.table(columns)
        if name not in self.open:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.open[name] = pq.ParquetWriter(self.directory / f"{name}.parquet", table.schema)
        self.open[name].write_table(table)

    def close(self) -> None:
        for writer in self.open.values():
            writer.close()


def _digits(values: np.ndarray, width: int) -> pa.Array:
    import pyarrow.compute as pc

    return pc.utf8_lpad(pa.array(values).cast(pa.string()), width, "0")


def _chunk(rng: np.random.Generator, first_hid: int, first_pid: int, n: int) -> dict[str, Any]:
    """n households from `first_hid`, their persons from `first_pid`: every table of both
    snapshots as columns."""
    i64 = np.int64
    hid = np.arange(first_hid, first_hid + n, dtype=i64)
    urban = (rng.random(n) < 0.3).astype(i64)
    poor = (rng.random(n) < 0.05).astype(i64)
    town = 370124001 + hid % 200
    size = rng.choice(SIZES, n, p=SIZE_SHARE)
    m = int(size.sum())
    p_hid = np.repeat(hid, size)
    pid = np.arange(first_pid, first_pid + m, dtype=i64)
    starts = np.concatenate(([0], np.cumsum(size)[:-1]))
    head = np.zeros(m, i64)
    head[starts] = 1
    year = rng.integers(1930, 2025, m)
    birth = year * 10000 + rng.integers(1, 13, m) * 100 + rng.integers(1, 29, m)
    disabled = rng.random(m) < 0.05
    grade = np.where(disabled, rng.integers(1, 5, m), 0)
    persons = {
        "household_id": p_hid,
        "person_id": pid,
        "birth_ymd": birth,
        "disability_grade": grade,
        "disability_code": np.where(disabled, rng.integers(1, 7, m), 0),
        "serious_illness": (rng.random(m) < 0.03).astype(i64),
        "no_labour_capacity": (rng.random(m) < 0.05).astype(i64),
        "co_resident": (rng.random(m) < 0.95).astype(i64),
        "urban_registration": np.repeat(urban, size),
        "head": head,
        "membership_id": pid,
    }
    cared = np.flatnonzero(rng.random(m) < 0.02)
    k = len(cared)
    care = {
        "person_id": pid[cared],
        "household_id": p_hid[cared],
        "adl_unable": rng.integers(0, 7, k),
        "has_supporter": (rng.random(k) < 0.5).astype(i64),
        "institutional": (rng.random(k) < 0.2).astype(i64),
        "orphan": ((year[cared] > 2010) & (rng.random(k) < 0.3)).astype(i64),
        "education_until": np.where(rng.random(k) < 0.5, 20280701, 0),
    }
    # Income around the dibao line: some households under it, most above.
    income_hh = np.repeat(hid, 2)
    incomes = {
        "household_id": income_hh,
        "category_code": np.tile(np.array([0, 3], i64), n),
        "fen": (rng.lognormal(11.3, 0.8, 2 * n)).astype(i64) * np.repeat(size, 2) // 3,
    }
    waged = np.flatnonzero(rng.random(n) < 0.5)
    wages = {
        "household_id": hid[waged],
        "earners": rng.integers(1, 3, len(waged)),
        "fen": incomes["fen"][2 * waged],
    }
    earning = np.flatnonzero(rng.random(m) < 0.3)
    own = {
        "person_id": pid[earning],
        "household_id": p_hid[earning],
        "category_code": np.zeros(len(earning), i64),
        "fen": rng.integers(0, 300_000, len(earning)),
    }
    owning = np.flatnonzero(rng.random(n) < 0.2)
    j = len(owning)
    assets = {
        "household_id": hid[owning],
        "vehicles": rng.integers(0, 2, j),
        "houses": rng.integers(0, 3, j),
        "financial_fen": rng.integers(0, 10_000_000, j),
        "business_fen": np.where(rng.random(j) < 0.1, rng.integers(0, 50_000_000, j), 0),
    }
    # One recipient a household, paid to its head.
    status = rng.choice(np.array([0, 1, 2], i64), n, p=[0.9, 0.07, 0.03])
    start = np.where(rng.random(n) < 0.05, 20260715, 20250101)
    end = np.where(rng.random(n) < 0.03, 20260720, 0)
    phase = np.where(status == 1, 20260901, 0)
    late = np.flatnonzero(rng.random(n) < 0.01)
    repriced = np.flatnonzero(rng.random(n) < 0.01)
    claimed = np.flatnonzero(rng.random(n) < 0.005)
    names = np.array(["张明", "王芳", "李强", "刘洋", "陈静", "杨帆"], dtype=object)
    recipients = {
        "town_id": 1 + hid % 200,
        "rid": hid,
        "hid": hid,
        "payee": pid[starts],
        "programme": rng.choice(np.arange(5, dtype=i64), n, p=[0.6, 0.15, 0.1, 0.1, 0.05]),
        "status": status,
        "monthly": rng.integers(20_000, 120_000, n),
        "start": start,
        "end": end,
        "phase_until": phase,
        "poor": poor,
        "members": size.astype(i64),
        "region_code": _digits(town * 1000 + 201, 12),
        "payee_name": pa.array(names[hid % len(names)]),
        "id_number": _digits(370124_1970_0101_0000 + hid, 18),
        "bank": pa.array(np.full(n, "中国农业银行", dtype=object)),
        "account_number": _digits(6200_0000_0000_0000_000 + hid, 19),
        "holder_name": pa.array(names[hid % len(names)]),
        "account_id": hid,
        "institution_id": np.zeros(n, i64),
    }
    return {
        "entitlements": {
            "households": {"id": hid, "urban": urban, "registered_poor": poor, "town_code": town},
            "persons": persons,
            "care": care,
            "incomes": incomes,
            "wages": wages,
            "own_incomes": own,
            "assets": assets,
        },
        "payroll": {
            "recipients": recipients,
            "arrears": {"rid": hid[late], "month": np.full(len(late), 20260601), "hid": hid[late]},
            "standard": {
                "change": hid[repriced],
                "rid": hid[repriced],
                "month": np.full(len(repriced), 20260501),
                "fen": np.full(len(repriced), 3_000, i64),
                "hid": hid[repriced],
            },
            "claims": {
                "id": hid[claimed],
                "household_id": hid[claimed],
                "deductible": np.full(len(claimed), 10_000, i64),
                "seq": hid[claimed],
            },
        },
    }


def generate(directory: Path, households: int, seed: int = 20) -> dict[str, int]:
    """Both snapshots of `households` synthetic households; returns row counts."""
    rng = np.random.default_rng(seed)
    writers = {job: Writers(directory / job) for job in ("entitlements", "payroll")}
    counts: dict[str, int] = {}
    first_pid = 1
    for first in range(1, households + 1, CHUNK):
        chunk = _chunk(rng, first, first_pid, min(CHUNK, households - first + 1))
        first_pid += len(chunk["entitlements"]["persons"]["person_id"])
        for job, tables in chunk.items():
            for name, columns in tables.items():
                writers[job].add(name, columns)
                counts[name] = counts.get(name, 0) + len(next(iter(columns.values())))
    for writer in writers.values():
        writer.close()
    return counts


def _peaks(jvm_pid: int) -> dict[str, float]:
    """Resident high-water marks (MiB) of the JVM and, summed, of its Python workers."""

    def hwm(pid: int) -> float:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    workers, todo = [], list(children.get(jvm_pid, []))
    while todo:
        pid = todo.pop()
        workers.append(pid)
        todo += children.get(pid, [])
    return {
        "jvm_peak_mb": round(hwm(jvm_pid), 1),
        "workers_peak_mb": round(sum(hwm(pid) for pid in workers), 1),
    }


def _rows(directory: Path) -> int:
    return sum(pq.read_metadata(path).num_rows for path in directory.glob("*.parquet"))


def _run(n: int, job: str) -> None:
    """One job on Spark local[2] over the N-household snapshot (generated if missing)."""
    from bench.common import setup_django

    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from jiuzhu.batch.spark import session
    from jiuzhu.payments import payroll as pr
    from jiuzhu.payments import spark as payments_spark
    from jiuzhu.policy import formulas as f
    from jiuzhu.policy import spark as policy_spark
    from jiuzhu.policy.parameters import ParameterSet

    root = Path(settings.DATA_DIR) / "bench-spark" / str(n)
    if not (root / "complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        counts = generate(root, n)
        record("spark_snapshot_gen", n, time.perf_counter() - started, **counts)
        (root / "complete").touch()
    params = f.Params.from_set(ParameterSet.load(MONTH))
    rules = pr.Rules.load(MONTH)
    arrears = payments_spark.arrears_rules(root / "payroll")
    memory = os.environ["JIUZHU_SPARK_DRIVER_MEMORY"]
    spark = session("jiuzhu-bench", "local[2]")
    jvm_pid = spark.sparkContext._gateway.proc.pid
    out = root / "out" / job
    try:
        if job == "spark_entitlements":
            frame = policy_spark.spark_entitlements(spark, root / "entitlements", MONTH, params)
        else:
            frame = payments_spark.spark_lines(spark, root / "payroll", MONTH, rules, arrears)
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        frame.write.parquet(str(out))
        seconds = time.perf_counter() - started
        peaks = _peaks(jvm_pid)
        rows = _rows(out)
    finally:
        spark.stop()
        shutil.rmtree(out, ignore_errors=True)
    baseline = _one_machine(job, n, root, params, rules, arrears)
    record(
        job,
        n,
        seconds,
        baseline=f"{job}_one_machine" if baseline else None,
        baseline_seconds=baseline,
        rows_written=rows,
        us_per_household=round(seconds / n * 1e6, 2),
        master="local[2]",
        driver_memory=memory,
        **peaks,
    )


@benchmark("spark_entitlements")
def run_entitlements(n: int) -> None:
    _run(n, "spark_entitlements")


@benchmark("spark_payroll")
def run_payroll(n: int) -> None:
    _run(n, "spark_payroll")


def _one_machine(
    name: str, n: int, root: Path, params: Any, rules: Any, arrears: Any
) -> float | None:
    """The same job on the same snapshot in this process (small sizes only)."""
    if n > ONE_MACHINE_UP_TO:
        return None
    from jiuzhu.payments import spark as payments_spark
    from jiuzhu.policy import spark as policy_spark

    started = time.perf_counter()
    if name == "spark_entitlements":
        rows = policy_spark.entitlements(
            policy_spark.read_snapshot(root / "entitlements"), MONTH, params
        ).num_rows
    else:
        groups = payments_spark.read_snapshot(root / "payroll")
        rows = payments_spark.lines(groups, MONTH, rules, arrears).num_rows
    seconds = time.perf_counter() - started
    record(f"{name}_one_machine", n, seconds, rows_written=rows)
    return seconds
