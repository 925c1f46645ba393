"""Household search latency on PostgreSQL with a registry of `size` households.

At --size 1000000 that is the county-scale registry of about 2.8 million people. A town
assistant (donge_assistant, 东阿镇) runs 200 searches through jiuzhu.registry.selectors.search,
a quarter each of: name prefix (surname + first given character), pinyin initials, full ID
number, last four digits. Each is timed alone after a short warm-up; the figure recorded is
the p95 latency, the baseline the p95 of a bare indexed SELECT of the same person by ID
number, by its digest as every lookup of a sealed number goes (so ratio says how much
dearer a search is than the cheapest possible lookup).
Extra fields: p50/p95/max, p50 and p95 per kind of query, and found_share (searches whose first
page shows the person looked for). per_second (size / p95) means nothing here.

The database (jiuzhu_bench_search_<size>) is loaded with `jiuzhu demo` in a child process;
JIUZHU_BENCH_KEEP=1 keeps it for the next run, which then reuses it.
"""

import json
import time
from typing import TYPE_CHECKING

import numpy as np

from bench.bench_demo import record_p95_on_demo
from bench.common import benchmark, percentile, setup_django

QUERIES = 200
WARM_UP = 20
KINDS = ("name", "initials", "id", "suffix")
USERNAME = "donge_assistant"

if TYPE_CHECKING:  # models are imported only after Django is set up
    from jiuzhu.core.models import User
    from jiuzhu.registry.models import Person


@benchmark("search_postgres")
def search_postgres(size: int) -> None:
    """p95 search latency on a demo county of `size` households (module docstring)."""
    record_p95_on_demo(
        "search_postgres",
        size,
        "bench.bench_search",
        database="jiuzhu_bench_search",
        baseline="select_by_id_number",
    )


def _people_of_town(user: "User") -> "list[Person]":
    """People of the user's town, picked at random ids (a fixed seed: the same each run)."""
    # Imported here: models cannot be imported before setup_django runs in the child.
    from django.db.models import Max, Min

    from jiuzhu.registry.models import Membership, Person

    bounds = Person.objects.aggregate(lo=Min("id"), hi=Max("id"))
    rng = np.random.default_rng(2026)
    candidates = rng.integers(bounds["lo"], bounds["hi"] + 1, 20_000).tolist()
    in_town = list(
        Membership.objects.filter(
            person_id__in=candidates,
            end_date__isnull=True,
            household__registered_code__startswith=user.scope_prefix,
        )
        .select_related("person")
        .order_by("person_id")
    )
    people = [membership.person for membership in in_town]
    rng.shuffle(people)  # type: ignore[arg-type]
    need = (QUERIES + WARM_UP) // len(KINDS)
    if len(people) < need:
        raise SystemExit(f"only {len(people)} people found in {USERNAME}'s town")
    return people[:need]


def _query(person: "Person", kind: str) -> str:
    """What a clerk types to find the person, by kind of query."""
    return {
        "name": person.name[:2],
        "initials": person.name_initials,
        "id": person.id_number,
        "suffix": person.id_number[-4:],
    }[kind]


def _figures(
    timings: dict[str, list[float]], bare: list[float], found: int, persons: int
) -> dict[str, float | int]:
    """Latencies in milliseconds: p50/p95/max overall, p95 per kind, and the baseline."""
    every = [seconds for kind in KINDS for seconds in timings[kind]]
    ms = 1000.0
    figures: dict[str, float | int] = {
        "queries": len(every),
        "persons": persons,
        "p50_ms": round(percentile(every, 0.5) * ms, 2),
        "p95_ms": round(percentile(every, 0.95) * ms, 2),
        "max_ms": round(max(every) * ms, 2),
        "baseline_p50_ms": round(percentile(bare, 0.5) * ms, 3),
        "baseline_p95_ms": round(percentile(bare, 0.95) * ms, 3),
        # Searches whose first page (50) shows the person looked for.
        "found_share": round(found / len(every), 3),
    }
    for kind in KINDS:
        figures[f"{kind}_p50_ms"] = round(percentile(timings[kind], 0.5) * ms, 2)
        figures[f"{kind}_p95_ms"] = round(percentile(timings[kind], 0.95) * ms, 2)
    return figures


def measure() -> dict[str, float | int]:
    """Run in the child, against DATABASE_URL: the timed searches, as one JSON line."""
    setup_django()
    # Imported here: models cannot be imported before setup_django.
    from jiuzhu.core.models import User
    from jiuzhu.registry import selectors
    from jiuzhu.registry.models import Person

    user = User.objects.get(username=USERNAME)
    plan = [(person, kind) for person in _people_of_town(user) for kind in KINDS]
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    bare: list[float] = []
    found = 0
    for step, (person, kind) in enumerate(plan):
        text = _query(person, kind)
        start = time.perf_counter()
        result = selectors.search(user, text)
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        found_by_digest = Person.objects.filter(selectors.id_number_is(person.id_number))
        list(found_by_digest.values_list("id", flat=True))
        bare_elapsed = time.perf_counter() - start
        if step < WARM_UP:
            continue
        timings[kind].append(elapsed)
        bare.append(bare_elapsed)
        found += any(m.person_id == person.pk for m in result.memberships)
    return _figures(timings, bare, found, Person.objects.count())


if __name__ == "__main__":
    print(json.dumps(measure()))
