"""Shared by every benchmark: timing, peak memory, and bench/results/latest.json.

Each benchmark records {name, size, seconds, per_second, peak_mb, baseline, ratio}; the
baseline is the figure it is compared with in the same run, and ratio = seconds / baseline
seconds. A batch job's baseline is the physical floor (`read_floor`, `write_floor`): the
binary COPY out of the base tables of exactly the columns the job needs (no join, sort or
expression), plus for writes the binary COPY in of the rows written into an unindexed
table. The former baseline (the job's own query) is kept beside it as old_baseline and
old_ratio. peak_mb is the process's resident high-water mark when the figure is taken.
"""

import json
import os
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def peak_mb() -> float:
    """Peak resident memory of this process (and finished children) in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    """Time the block: the yielded dict holds "seconds" once the block is left."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def record(
    name: str,
    size: int,
    seconds: float,
    baseline: str | None = None,
    baseline_seconds: float | None = None,
    old_baseline: str | None = None,
    old_baseline_seconds: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Print one figure and merge it into bench/results/latest.json (keyed by name+size);
    `old_baseline` is the figure it was compared with before the floors, shown beside."""
    old = {}
    if old_baseline and old_baseline_seconds:
        old = {
            "old_baseline": old_baseline,
            "old_ratio": round(seconds / old_baseline_seconds, 2),
        }
    entry = {
        "name": name,
        "size": size,
        "seconds": round(seconds, 4),
        "per_second": round(size / seconds, 1) if seconds > 0 else None,
        "peak_mb": peak_mb(),
        "baseline": baseline,
        "ratio": round(seconds / baseline_seconds, 2) if baseline_seconds else None,
        **old,
        **extra,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing: list[dict[str, Any]] = []
    if RESULTS.exists():
        existing = json.loads(RESULTS.read_text())
    existing = [e for e in existing if (e["name"], e["size"]) != (name, size)]
    existing.append(entry)
    existing.sort(key=lambda e: (e["name"], e["size"]))
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n")
    os.replace(tmp, RESULTS)
    ratio = f"  ratio {entry['ratio']} × {baseline}" if entry["ratio"] else ""
    if old:
        ratio += f" (was {old['old_ratio']} × {old_baseline})"
    print(
        f"{name:<40} size {size:>9,}  {seconds:9.3f} s  "
        f"{entry['per_second'] or 0:>12,.0f}/s  peak {entry['peak_mb']} MiB{ratio}"
    )
    return entry


def read_floor(tables: dict[str, str]) -> float:
    """Seconds of the physical read floor, best of two after a warming read: each table's
    listed columns (table → "col, col") copied out whole, binary, to this process
    (PostgreSQL), or fetched by a bare SELECT (SQLite)."""
    from django.db import connection

    def once() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table, columns in tables.items():
                if connection.vendor == "postgresql":
                    sql = f"COPY {table} ({columns}) TO STDOUT (FORMAT binary)"
                    with cursor.copy(sql) as copy:
                        for _ in copy:
                            pass
                else:
                    cursor.execute(f"SELECT {columns} FROM {table}")
                    cursor.fetchall()
        return time.perf_counter() - started

    once()
    return min(once(), once())


def write_floor(table: str, columns: str, where: str) -> float:
    """Seconds of the physical write floor: the rows a job wrote (`table`'s `columns` where
    `where`), copied in binary into a table of the same columns without any index or
    constraint (PostgreSQL), or inserted by one executemany (SQLite). The copy is dropped."""
    from django.db import connection, transaction

    floor = f"bench_floor_{table}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {floor}")
        cursor.execute(f"CREATE TABLE {floor} AS SELECT {columns} FROM {table} WHERE 1 = 0")
        try:
            if connection.vendor == "postgresql":
                data = bytearray()
                out = (
                    f"COPY (SELECT {columns} FROM {table} WHERE {where}) TO STDOUT (FORMAT binary)"
                )
                with cursor.copy(out) as copy:
                    for chunk in copy:
                        data += chunk
                with transaction.atomic():
                    started = time.perf_counter()
                    with cursor.copy(f"COPY {floor} FROM STDIN (FORMAT binary)") as copy:
                        copy.write(bytes(data))
                    seconds = time.perf_counter() - started
            else:
                cursor.execute(f"SELECT {columns} FROM {table} WHERE {where}")
                rows = cursor.fetchall()
                marks = ", ".join("?" * len(cursor.description))
                raw = connection.connection.cursor()
                with transaction.atomic():
                    started = time.perf_counter()
                    raw.executemany(f"INSERT INTO {floor} VALUES ({marks})", rows)
                    seconds = time.perf_counter() - started
                raw.close()
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {floor}")
    return seconds


def setup_django() -> None:
    """In a benchmark's child process: Django set up with the project's settings, so the
    child may import models (after this call, not before)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    django.setup()


def seal_loaded(table: str, column: str, digest_column: str = "") -> None:
    """Seal a column a set-based SQL load wrote in plain text, as the application stores
    it (core/crypto.py), with its digest if it has one; not part of any timed figure."""
    from django.db import connection, transaction

    from jiuzhu.core.crypto import SealedColumn, reseal_chunk

    sealed = SealedColumn(table, column, digest_column)
    with transaction.atomic(), connection.cursor() as cursor:
        last, rows = reseal_chunk(cursor, sealed, 0, 50_000)
        while rows:
            last, rows = reseal_chunk(cursor, sealed, last, 50_000)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def page_figures(
    timings: dict[str, list[float]], queries: dict[str, int], bare: list[float]
) -> dict[str, float | int]:
    """Latency figures of page requests by kind (ms): all together, then each kind with its
    query count; `bare` is the floor they are compared with."""
    every = [t for kind in timings for t in timings[kind]]
    ms = 1000.0
    figures: dict[str, float | int] = {
        "requests": len(every),
        "p50_ms": round(percentile(every, 0.5) * ms, 2),
        "p95_ms": round(percentile(every, 0.95) * ms, 2),
        "max_ms": round(max(every) * ms, 2),
        "baseline_p95_ms": round(percentile(bare, 0.95) * ms, 3),
    }
    for kind, values in timings.items():
        figures[f"{kind}_p50_ms"] = round(percentile(values, 0.5) * ms, 2)
        figures[f"{kind}_p95_ms"] = round(percentile(values, 0.95) * ms, 2)
        figures[f"{kind}_queries"] = queries[kind]
    return figures


BENCHMARKS: dict[str, Callable[[int], None]] = {}


def benchmark(name: str) -> Callable[[Callable[[int], None]], Callable[[int], None]]:
    """Register a benchmark module's entry point, run by `python -m bench`."""

    def register(fn: Callable[[int], None]) -> Callable[[int], None]:
        BENCHMARKS[name] = fn
        return fn

    return register
