"""Case lists on PostgreSQL with a county of `size` households and its demo cases.

A town assistant (donge_assistant, 东阿镇) opens, 200 times in turn, the case list
(GET /cases/: first page of selectors.case_list(user, "open") with the deadline of each
row, the overdue count, the due-soon, advance-aid and reviews panels) and the overdue list
(GET /cases/overdue/), through Django's test Client logged in as that user: the whole
request (middleware, session, queries, template), not just the query. Each request is
timed alone after a short warm-up. The figure recorded is the p95 over both lists (goal:
under 100 ms); extra fields give p50/p95 per list, the query count per request and the
number of open and overdue cases the user sees. The baseline is the p95 of a bare
SELECT of the first page of the user's open cases (ids only).

The database (jiuzhu_bench_cases_<size>) is loaded with `jiuzhu demo` in a child process
(households and their cases); JIUZHU_BENCH_KEEP=1 keeps it for the next run, which then
reuses it.
"""

import json
import time

from bench.bench_demo import record_p95_on_demo
from bench.bench_search import USERNAME
from bench.common import benchmark, page_figures, setup_django

REQUESTS = 200
WARM_UP = 10
LISTS = {"list": "/cases/", "overdue": "/cases/overdue/"}


@benchmark("cases_lists_postgres")
def cases_lists_postgres(size: int) -> None:
    """p95 latency of the case lists on a demo county of `size` households (module
    docstring)."""
    record_p95_on_demo(
        "cases_lists_postgres",
        size,
        "bench.bench_cases",
        database="jiuzhu_bench_cases",
        baseline="select_first_page_ids",
    )


def measure() -> dict[str, float | int]:
    """Run in the child, against DATABASE_URL: the timed requests, as one JSON line."""
    setup_django()
    # Imported here: Django's test client and the models need setup_django first.
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiuzhu.cases import selectors
    from jiuzhu.core.models import User
    from tests.factories import pass_second_step

    user = User.objects.get(username=USERNAME)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    pass_second_step(client, user)  # the demo's town assistant signs in with two factors
    timings: dict[str, list[float]] = {kind: [] for kind in LISTS}
    queries: dict[str, int] = {}
    bare: list[float] = []
    for i in range(REQUESTS + WARM_UP):
        kind = "list" if i % 2 == 0 else "overdue"
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(LISTS[kind])
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"GET {LISTS[kind]} answered {response.status_code}")
        start = time.perf_counter()
        list(selectors.case_list(user, "open").values_list("pk", flat=True)[:50])
        bare_elapsed = time.perf_counter() - start
        if i < WARM_UP:
            continue
        timings[kind].append(elapsed)
        queries[kind] = len(captured.captured_queries)
        bare.append(bare_elapsed)
    return {
        "open_cases": selectors.case_list(user, "open").count(),
        "overdue_cases": selectors.overdue_cases(user).count(),
        **page_figures(timings, queries, bare),
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
