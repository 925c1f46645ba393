"""Staff and visitors at once, through HTTP: `users` (JIUZHU_BENCH_STAFF_USERS, default 150)
locust users, two in three town assistants at work and one in three anonymous visitors
(bench/locust_staff.py), for JIUZHU_BENCH_STAFF_SECONDS (default 120) against `jiuzhu serve`
with its default workers (gunicorn, production settings, loopback; JIUZHU_BENCH_STAFF_WORKERS
and JIUZHU_BENCH_STAFF_THREADS to compare others) on a demo county of `size` households on
PostgreSQL. Recorded: the p95 of every page and the error count; the figure
is the worst read p95 (goal: under 200 ms; writes under 500 ms; no error), the baseline
the calculator's p95 (a page that reads no database: what the server's load alone adds).
Also requests per second served and where the CPU went.

The database (jiuzhu_bench_staff_<size>, or JIUZHU_BENCH_STAFF_DB) is loaded with `jiuzhu
demo` unless it already holds `size` households (JIUZHU_BENCH_KEEP=1 keeps it). The
staff's sessions are made beforehand (signed in, authenticator verified), so the run
measures working, not signing in.
"""

import csv
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.bench_demo import DEMO_FLAGS, SEED, child_env, database_url, jiuzhu, postgres_admin
from bench.bench_portal_load import _free_port, _wait_until_serving
from bench.common import benchmark, record, setup_django
from jiuzhu.core.management.commands.serve import default_workers

USERS = int(os.environ.get("JIUZHU_BENCH_STAFF_USERS", "150"))
SECONDS = int(os.environ.get("JIUZHU_BENCH_STAFF_SECONDS", "120"))
# The server's processes and threads (`jiuzhu serve --workers --threads`; its defaults).
WORKERS = int(os.environ.get("JIUZHU_BENCH_STAFF_WORKERS", default_workers()))
THREADS = int(os.environ.get("JIUZHU_BENCH_STAFF_THREADS", "1"))
HERE = Path(__file__).resolve().parent
WRITES = ("transition (start investigation)",)


@benchmark("staff_load_postgres")
def staff_load_postgres(size: int) -> None:
    admin = postgres_admin()
    if admin is None:
        return
    name = os.environ.get("JIUZHU_BENCH_STAFF_DB", f"jiuzhu_bench_staff_{size}")
    url = database_url(name)
    with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-") as data_dir:
        env = child_env(data_dir, url)
        loaded = _households(admin, name)
        if loaded != size:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
        jiuzhu(env, "migrate", "--noinput", "-v", "0")
        if loaded != size:
            jiuzhu(env, "demo", "--households", str(size), "--seed", str(SEED), *DEMO_FLAGS)
        server_env = _production_env(env)
        plan = Path(data_dir) / "plan.json"
        subprocess.run(
            [sys.executable, "-m", "bench.bench_staff_load", "prepare", str(USERS), str(plan)],
            env=server_env,
            check=True,
        )
        figures = _run(server_env, data_dir, plan)
    if os.environ.get("JIUZHU_BENCH_KEEP") != "1" and "JIUZHU_BENCH_STAFF_DB" not in os.environ:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()
    record(
        "staff_load_postgres",
        size,
        figures["worst_read_p95_ms"] / 1000,
        baseline="calculator_p95",
        baseline_seconds=figures["p95_ms"]["calculator"] / 1000,
        **figures,
    )


def _households(admin: Any, name: str) -> int | None:
    row = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if row is None:
        return None
    out = subprocess.run(
        ["psql", database_url(name), "-Atc", "SELECT count(*) FROM registry_household"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return int(out) if out.isdigit() else None


def _production_env(env: dict[str, str]) -> dict[str, str]:
    """The server's environment: production settings (no DEBUG) with the data keys the demo
    was sealed with (DEBUG derives them from the development secret)."""
    keys = subprocess.run(
        [sys.executable, "-m", "bench.bench_staff_load", "keys"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return dict(
        env,
        JIUZHU_DEBUG="0",
        JIUZHU_HTTPS="0",
        JIUZHU_SECRET_KEY=secrets.token_urlsafe(50),
        JIUZHU_DATA_KEYS=keys[0],
        JIUZHU_SEARCH_KEY=keys[1],
        JIUZHU_TRUSTED_PROXIES="127.0.0.1",
        JIUZHU_LOG_LEVEL="WARNING",
    )


def _run(env: dict[str, str], data_dir: str, plan: Path) -> dict[str, Any]:
    port = _free_port()
    jiuzhu_bin = str(Path(sys.executable).with_name("jiuzhu"))
    server = subprocess.Popen(
        [
            jiuzhu_bin,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_until_serving(port)
        stats = Path(data_dir) / "stats"
        before = _cpu_seconds(server.pid)
        subprocess.run(
            [
                str(Path(sys.executable).with_name("locust")),
                "-f",
                str(HERE / "locust_staff.py"),
                "--headless",
                "-u",
                str(USERS),
                "-r",
                "10",
                "--run-time",
                f"{SECONDS}s",
                "--stop-timeout",
                "30",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(stats),
                "--only-summary",
            ],
            env=dict(env, JIUZHU_STAFF_PLAN=str(plan)),
            check=False,
        )
        after = _cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    rows = [r for r in csv.DictReader(open(f"{stats}_stats.csv")) if r["Name"] != "Aggregated"]  # noqa: SIM115
    p95 = {r["Name"]: float(r["95%"]) for r in rows}
    reads = [value for page, value in p95.items() if page not in WRITES]
    total = next(r for r in csv.DictReader(open(f"{stats}_stats.csv")) if r["Name"] == "Aggregated")  # noqa: SIM115
    served = int(total["Request Count"])
    cpu = {part: after[part] - before[part] for part in after}
    return {
        "users": USERS,
        "workers": WORKERS,
        "threads": THREADS,
        "run_seconds": SECONDS,
        "requests": int(total["Request Count"]),
        "errors": sum(int(r["Failure Count"]) for r in rows),
        "requests_per_second": round(float(total["Requests/s"]), 1),
        "worst_read_p95_ms": max(reads),
        "worst_write_p95_ms": max((p95[w] for w in WRITES if w in p95), default=0.0),
        "p95_ms": p95,
        "count": {r["Name"]: int(r["Request Count"]) for r in rows},
        # Where the two cores went: CPU ms per request of the server's workers, of locust
        # and of the rest of the machine (PostgreSQL), and how busy the machine was.
        "cpu_ms_per_request": {
            part: round(seconds * 1000 / max(served, 1), 1)
            for part, seconds in cpu.items()
            if not part.startswith("machine")
        },
        "machine_busy_share": round(
            cpu["machine_busy"] / (cpu["machine_wall"] * (os.cpu_count() or 1)), 2
        ),
    }


def _cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes, by locust (this process's finished
    children) and by the whole machine. PostgreSQL is counted in the rest of the machine: its
    backends end with their connections (every minute), taking their CPU times with them."""
    server = psutil.Process(server_pid)
    workers = [server, *server.children(recursive=True)]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine = psutil.cpu_times()
    served = _used(workers)
    locust = children.ru_utime + children.ru_stime
    busy = machine.user + machine.system
    return {
        "server": served,
        "locust": locust,
        "postgres_and_rest": busy - served - locust,
        "machine_busy": busy,
        "machine_wall": time.monotonic(),
    }


def _used(processes: list[Any]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # a worker that ended since
            continue
        total += times.user + times.system
    return total


def keys() -> None:
    """In a DEBUG child: the data and search keys DEBUG derives (JIUZHU_DATA_KEYS' form)."""
    setup_django()
    import base64

    from jiuzhu.core import crypto

    data = base64.b64encode(crypto._derived("data")).decode()
    print(f"{crypto.DEV_KEY_ID}:{data}", base64.b64encode(crypto._derived("search")).decode())


def prepare(users: int, out: Path) -> None:
    """In the child (the server's settings): a signed-in, verified session per staff user
    of locust (town assistants in turn), with the households, cases and searches of their
    town, and the accepted cases each may start investigating (each case in one plan)."""
    setup_django()
    # Imported here: the models need setup_django first.
    import random

    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.bench_search import KINDS, _people_of_town, _query
    from jiuzhu.cases.models import Case, Status
    from jiuzhu.core.models import User
    from jiuzhu.core.roles import Role, two_factor_required
    from jiuzhu.registry.selectors import households_in_scope

    rng = random.Random(2026)
    assistants = list(User.objects.filter(role=Role.TOWN_ASSISTANT, is_active=True).order_by("pk"))
    slots = users - users // 3  # locust's share of Staff (weight 2 of 3)
    towns: dict[int, dict[str, Any]] = {}
    for user in assistants:
        prefix = user.scope_prefix
        household_ids = list(households_in_scope(user).values_list("pk", flat=True)[:5000])
        cases = Case.objects.filter(household__registered_code__startswith=prefix)
        people = _people_of_town(user) if household_ids else []
        towns[user.pk] = {
            "households": rng.sample(household_ids, min(200, len(household_ids))),
            "cases": list(cases.values_list("pk", flat=True)[:200]),
            "accepted": list(
                cases.filter(status=Status.ACCEPTED).values_list("pk", flat=True)[:1000]
            ),
            "queries": [
                {"kind": kind, "q": _query(person, kind)} for person in people for kind in KINDS
            ],
        }
    assistants = [u for u in assistants if towns[u.pk]["cases"] and towns[u.pk]["queries"]]
    staff = []
    for slot in range(slots):
        user = assistants[slot % len(assistants)]
        client = Client()
        client.force_login(user)
        if two_factor_required(user):
            session = client.session
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id if device else ""
            session.save()
        town = towns[user.pk]
        sharing = (slots - 1 - slot % len(assistants)) // len(assistants) + 1
        share = slot // len(assistants)
        staff.append(
            {
                "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "households": town["households"],
                "cases": town["cases"],
                "queries": town["queries"],
                "transitions": town["accepted"][share::sharing],
            }
        )
    numbers = list(Case.objects.values_list("number", flat=True)[:500])
    progress = [(number, f"3701241970{rng.randrange(10**8):08d}") for number in numbers]
    out.write_text(
        json.dumps(
            {"session_cookie": settings.SESSION_COOKIE_NAME, "staff": staff, "progress": progress}
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "keys":
        keys()
    else:
        prepare(int(sys.argv[2]), Path(sys.argv[3]))
