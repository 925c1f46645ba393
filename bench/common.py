"""Shared by every benchmark: timing, peak memory, and bench/results/latest.json.

Each benchmark records {name, size, seconds, per_second, peak_mb, baseline, ratio}; the
baseline is the figure it is compared with in the same run (a floor such as a bare read),
and ratio = seconds / baseline seconds.
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
    **extra: Any,
) -> dict[str, Any]:
    """Print one figure and merge it into bench/results/latest.json (keyed by name+size)."""
    entry = {
        "name": name,
        "size": size,
        "seconds": round(seconds, 4),
        "per_second": round(size / seconds, 1) if seconds > 0 else None,
        "peak_mb": peak_mb(),
        "baseline": baseline,
        "ratio": round(seconds / baseline_seconds, 2) if baseline_seconds else None,
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
    print(
        f"{name:<40} size {size:>9,}  {seconds:9.3f} s  "
        f"{entry['per_second'] or 0:>12,.0f}/s  peak {entry['peak_mb']} MiB{ratio}"
    )
    return entry


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
