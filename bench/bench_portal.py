"""The applicant's pages on PostgreSQL with a county of `size` households and its cases.

An applicant (the first head of a household with a mobile and an application) signs in
through the texted code, then opens, 200 times in turn, 我的救助 (GET /portal/: the
household's applications, payments, programmes in force, messages) and one application's
page (GET /portal/applications/<number>/: steps, request, decision), through Django's test
Client with the applicant's cookie: the whole request, not just the query. Each request is
timed alone after a short warm-up. The figure recorded is the p95 over both pages (goal:
under 100 ms); extra fields give p50/p95 per page and the query count per request. The
baseline is the p95 of a bare SELECT of the household's application ids.

The database (jiuzhu_bench_portal_<size>) is loaded with `jiuzhu demo` in a child process;
JIUZHU_BENCH_KEEP=1 keeps it for the next run.
"""

import json
import re
import time

from bench.bench_demo import record_p95_on_demo
from bench.common import benchmark, page_figures, setup_django

REQUESTS = 200
WARM_UP = 10


@benchmark("portal_pages_postgres")
def portal_pages_postgres(size: int) -> None:
    """p95 latency of the applicant's pages on a demo county of `size` households."""
    record_p95_on_demo(
        "portal_pages_postgres",
        size,
        "bench.bench_portal",
        database="jiuzhu_bench_portal",
        baseline="select_household_case_ids",
    )


def measure() -> dict[str, float | int]:
    """Run in the child, against DATABASE_URL: the timed requests, as one JSON line."""
    setup_django()
    # Imported here: Django's test client and the models need setup_django first.
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiuzhu.cases.models import Case
    from jiuzhu.cases.notifications import RecordingSmsBackend
    from jiuzhu.portal import identity

    case = (
        Case.objects.exclude(applicant__phone="")
        .filter(applicant__memberships__relation="head", applicant__memberships__end_date=None)
        .select_related("applicant")
        .order_by("pk")
        .first()
    )
    if case is None:
        raise SystemExit("no application by a head of household with a mobile")
    person = case.applicant
    identity.request_code(person.id_number, person.name)
    code = re.findall(r"验证码为(\d{6})", RecordingSmsBackend.outbox[-1][1])[0]
    _person, token = identity.sign_in(person.id_number, code)
    client = Client(HTTP_HOST="localhost")
    client.cookies[identity.COOKIE] = token
    pages = {"home": "/portal/", "case": f"/portal/applications/{case.number}/"}
    timings: dict[str, list[float]] = {kind: [] for kind in pages}
    queries: dict[str, int] = {}
    bare: list[float] = []
    for i in range(REQUESTS + WARM_UP):
        kind = "home" if i % 2 == 0 else "case"
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(pages[kind])
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"GET {pages[kind]} answered {response.status_code}")
        start = time.perf_counter()
        list(Case.objects.filter(household_id=case.household_id).values_list("pk", flat=True))
        bare_elapsed = time.perf_counter() - start
        if i < WARM_UP:
            continue
        timings[kind].append(elapsed)
        queries[kind] = len(captured.captured_queries)
        bare.append(bare_elapsed)
    return page_figures(timings, queries, bare)


if __name__ == "__main__":
    print(json.dumps(measure()))
