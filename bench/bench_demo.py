"""Demo load: `size` households into a fresh SQLite file and a fresh PostgreSQL database.

Each load runs in child processes with their own environment (`python -m jiuzhu migrate`,
then `python -m jiuzhu demo`); only the demo step is timed. per_second is households per
second of the whole command; registry_seconds and cases_seconds are its two big parts
(the households' bulk load, the cases generated for them) as the command reports them.
The peak memory is the children's.

PostgreSQL: the server named by JIUZHU_BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres); a database is created for the run and
dropped afterwards. Skipped with a note when the server cannot be reached.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.common import benchmark, record

POSTGRES_URL = os.environ.get(
    "JIUZHU_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
SEED = 1
# BENCH_DB_PREFIX keeps the benches of several people on one server apart.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "jiuzhu_bench")


def jiuzhu(env: dict[str, str], *args: str) -> float:
    """Run `python -m jiuzhu ARGS` in a child; returns its wall time in seconds."""
    return run_jiuzhu(env, *args)[0]


def run_jiuzhu(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Run `python -m jiuzhu ARGS` in a child: its wall time in seconds and its output."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "jiuzhu", *args],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return time.perf_counter() - start, out


def split(output: str) -> dict[str, float]:
    """The demo's own timings from its report: the households (registry bulk load) and the
    cases generated for them, in seconds."""
    found = re.findall(r"用时 ([0-9.]+) 秒", output)
    names = ("registry_seconds", "cases_seconds")
    return {name: float(value) for name, value in zip(names, found, strict=False)}


DEMO_FLAGS = ("--no-progress", "--paid-months", "0")


def child_env(data_dir: str, database_url: str | None) -> dict[str, str]:
    """The environment of a child: its own data directory and database (SQLite if None)."""
    env = dict(os.environ, JIUZHU_DATA_DIR=data_dir, JIUZHU_DEBUG="1")
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def load(env: dict[str, str], size: int) -> tuple[float, dict[str, float]]:
    """Seconds of the whole demo command, and its split (see `split`)."""
    jiuzhu(env, "migrate", "--noinput", "-v", "0")
    # The demo's year of payrolls is measured by the payroll benchmark, not here.
    args = ("demo", "--households", str(size), "--seed", str(SEED), *DEMO_FLAGS)
    seconds, output = run_jiuzhu(env, *args)
    return seconds, split(output)


def postgres_admin() -> "psycopg.Connection[Any] | None":
    """An autocommit connection to the server's maintenance database, or None."""
    try:
        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(f"PostgreSQL unreachable at {POSTGRES_URL} ({exc.__class__.__name__}): skipped")
        return None


def database_url(name: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


@benchmark("demo_load_sqlite")
def demo_load_sqlite(size: int) -> None:
    """Load `size` households into a fresh SQLite file."""
    with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-") as data_dir:
        seconds, parts = load(child_env(data_dir, None), size)
        with sqlite3.connect(Path(data_dir) / "jiuzhu.sqlite3") as db:
            persons = db.execute("SELECT count(*) FROM registry_person").fetchone()[0]
    record("demo_load_sqlite", size, seconds, persons=persons, **parts)


@benchmark("demo_load_postgres")
def demo_load_postgres(size: int) -> None:
    """Load `size` households into a fresh PostgreSQL database, dropped afterwards."""
    admin = postgres_admin()
    if admin is None:
        return
    name = f"{DB_PREFIX}_demo_{os.getpid()}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-") as data_dir:
            seconds, parts = load(child_env(data_dir, database_url(name)), size)
        with psycopg.connect(database_url(name)) as db:
            row = db.execute("SELECT count(*) FROM registry_person").fetchone()
            persons = row[0] if row else 0
        record("demo_load_postgres", size, seconds, persons=persons, **parts)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def record_p95_on_demo(name: str, size: int, module: str, database: str, baseline: str) -> None:
    """Run `module`'s measurement on a demo county of `size` households in PostgreSQL
    database `database`_`size` (see measure_on_demo) and record its p95 latency, with the
    p95 of its bare query as the baseline. Nothing is recorded without PostgreSQL."""
    figures = measure_on_demo(f"{database}_{size}", size, module)
    if figures is not None:
        record(
            name,
            size,
            figures["p95_ms"] / 1000,
            baseline=baseline,
            baseline_seconds=figures["baseline_p95_ms"] / 1000,
            **figures,
        )


def measure_on_demo(name: str, size: int, module: str) -> dict[str, Any] | None:
    """Load a demo county of `size` households into PostgreSQL database `name` (or reuse
    it when JIUZHU_BENCH_KEEP=1 kept it, bringing its schema up to date), run
    `python -m module` against it and return the JSON figures the child prints last.
    None when PostgreSQL is unreachable."""
    admin = postgres_admin()
    if admin is None:
        return None
    url = database_url(name)
    keep = os.environ.get("JIUZHU_BENCH_KEEP") == "1"
    try:
        with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-") as data_dir:
            env = child_env(data_dir, url)
            try:
                with psycopg.connect(url, connect_timeout=3) as db:
                    row = db.execute("SELECT count(*) FROM registry_household").fetchone()
                    loaded = row[0] if row else 0
            except psycopg.Error:
                loaded = None
            if loaded != size:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"CREATE DATABASE {name}")
            jiuzhu(env, "migrate", "--noinput", "-v", "0")
            if loaded != size:
                args = ("--households", str(size), "--seed", str(SEED), *DEMO_FLAGS)
                jiuzhu(env, "demo", *args)
            out = subprocess.run(
                [sys.executable, "-m", module], env=env, check=True, capture_output=True, text=True
            ).stdout
        figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return figures
    finally:
        if keep:
            print(f"kept database {name} (DROP DATABASE {name} when done)")
        else:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
