"""Applicants applying at once: `users` (default 200) signed-in applicants, each of a
different household of a demo county of `size` households on PostgreSQL, open the apply
page, fill it in (20-60 s each, see locustfile_portal.py) and submit one application with a
photo, all started within a few seconds (locust, headless, loopback, `jiuzhu serve` with two
workers of four threads). Recorded: the p95 of the
submissions (goal: under 500 ms) and the number of failures (goal: none); the baseline is
the p95 of the apply page's GET in the same run; also how long after the run the background
task took to render and attach every signed authorisation, and the server's own CPU time
per applicant (a figure the other loads of a shared machine do not inflate).

The sessions are made beforehand through the sign-in services (code texted to the
recording backend, then checked), so the run measures applying, not signing in.
"""

import base64
import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.bench_demo import child_env, database_url, jiuzhu, postgres_admin
from bench.common import benchmark, record, setup_django

USERS = int(os.environ.get("JIUZHU_BENCH_PORTAL_USERS", "200"))
HERE = Path(__file__).resolve().parent


@benchmark("portal_apply_load_postgres")
def portal_apply_load_postgres(size: int) -> None:
    admin = postgres_admin()
    if admin is None:
        return
    name = f"jiuzhu_bench_portal_load_{size}"
    url = database_url(name)
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-") as data_dir:
            env = child_env(data_dir, url)
            # Production's keys (the server runs without DEBUG, which would derive them).
            env.update(
                JIUZHU_DATA_KEYS="k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
                JIUZHU_SEARCH_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
            )
            jiuzhu(env, "migrate", "--noinput", "-v", "0")
            jiuzhu(env, "demo", "--households", str(size), "--no-progress", "--paid-months", "0")
            applicants = Path(data_dir) / "applicants.json"
            subprocess.run(
                [sys.executable, "-m", "bench.bench_portal_load", str(USERS), str(applicants)],
                env=dict(env, JIUZHU_LOG_LEVEL="WARNING"),  # not the 200 texted codes
                check=True,
            )
            figures = _run_locust(env, data_dir, applicants)
            figures["papers_attached_after_s"] = _papers_attached(url)
        record(
            "portal_apply_load_postgres",
            size,
            figures["p95_ms"] / 1000,
            baseline="get_apply_page_p95",
            baseline_seconds=figures["get_p95_ms"] / 1000,
            **figures,
        )
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _papers_attached(url: str, limit: float = 300) -> float:
    """Seconds after the run until the background task has rendered and attached every
    signed authorisation (-1 if some still wait after `limit` seconds)."""
    start = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as db:
        while time.perf_counter() - start < limit:
            row = db.execute(
                "SELECT count(*) FROM portal_signedrecord WHERE attached_at IS NULL"
            ).fetchone()
            if row is not None and row[0] == 0:
                return round(time.perf_counter() - start, 1)
            time.sleep(1)
    return -1.0


def _wait_until_serving(port: int, limit: float = 60) -> None:
    """Until the server accepts connections (it starts slowly on a busy machine)."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process and its running children, the
    server's workers (Linux)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sum(_own_cpu_seconds(p) for p in [pid, *map(int, children)])


def _own_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_locust(env: dict[str, str], data_dir: str, applicants: Path) -> dict[str, float]:
    port = _free_port()
    server_env = dict(
        env,
        JIUZHU_DEBUG="0",
        JIUZHU_HTTPS="0",
        JIUZHU_SECRET_KEY=secrets.token_urlsafe(50),
        JIUZHU_LOG_LEVEL="WARNING",
    )
    # The production server (`jiuzhu serve`): two gunicorn workers of four threads.
    jiuzhu_bin = str(Path(sys.executable).with_name("jiuzhu"))
    server = subprocess.Popen(
        [jiuzhu_bin, "serve", "--port", str(port), "--workers", "2", "--threads", "4"],
        env=server_env,
    )
    try:
        _wait_until_serving(port)
        cpu_before = _cpu_seconds(server.pid)
        stats = Path(data_dir) / "stats"
        locust = str(Path(sys.executable).with_name("locust"))
        subprocess.run(
            [
                locust,
                "-f",
                str(HERE / "locustfile_portal.py"),
                "--headless",
                "-u",
                str(USERS),
                "-r",
                "50",
                "--run-time",
                "120s",
                "--stop-timeout",
                "30",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(stats),
                "--only-summary",
            ],
            env=dict(server_env, JIUZHU_PORTAL_APPLICANTS=str(applicants)),
            check=False,
        )
        rows = {r["Name"]: r for r in csv.DictReader(open(f"{stats}_stats.csv"))}  # noqa: SIM115
        server_cpu = _cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    post, get = rows["POST /portal/apply/"], rows["GET /portal/apply/"]
    return {
        "users": USERS,
        "submissions": int(post["Request Count"]),
        "failures": int(post["Failure Count"]) + int(get["Failure Count"]),
        "p50_ms": float(post["50%"]),
        "p95_ms": float(post["95%"]),
        "max_ms": float(post["Max Response Time"]),
        "get_p95_ms": float(get["95%"]),
        # The server's own CPU per applicant (GET and POST), whatever else the machine runs.
        "server_cpu_ms_per_applicant": round(
            server_cpu * 1000 / max(1, int(get["Request Count"])), 1
        ),
    }


def prepare(count: int, out: Path) -> None:
    """In the child: sign in `count` heads of households with a mobile and no open
    application, through the services; their session tokens go to `out`."""
    setup_django()
    # Imported here: the models need setup_django first.
    import re

    from jiuzhu.cases.models import OPEN_STATUSES
    from jiuzhu.cases.notifications import RecordingSmsBackend
    from jiuzhu.portal import identity
    from jiuzhu.registry.models import Membership

    heads = (
        Membership.objects.filter(relation="head", end_date__isnull=True)
        .exclude(person__phone="")
        .exclude(household__cases__status__in=OPEN_STATUSES)
        .select_related("person")
        .order_by("household_id")[:count]
    )
    made = []
    for membership in heads:
        person = membership.person
        identity.request_code(person.id_number, person.name)
        code = re.findall(r"验证码为(\d{6})", RecordingSmsBackend.outbox[-1][1])[0]
        _person, token = identity.sign_in(person.id_number, code)
        made.append({"token": token, "household": membership.household_id, "name": person.name})
    if len(made) < count:
        raise SystemExit(f"only {len(made)} households can apply; load a larger county")
    out.write_text(json.dumps(made))


if __name__ == "__main__":
    prepare(int(sys.argv[1]), Path(sys.argv[2]))
