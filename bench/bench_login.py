"""Sign-in under a password spray: legitimate staff keep signing in while the spray is
throttled (issue 19: p95 < 300 ms for the legitimate users).

The platform is served by `jiuzhu serve` (waitress, 8 threads) on a free loopback port with
its own SQLite data directory, production settings (no DEBUG, Argon2 hashes) and
JIUZHU_TRUSTED_PROXIES=127.0.0.1, so X-Forwarded-For names the client. Locust (FastHttpUser,
library API, headless) runs in a child process, because importing it patches the standard
library with gevent (bench/login_load.py). Two phases:

- quiet (10 s): `legit` village coordinators (no two-factor) each sign in on the
  page (GET the form, POST it) and then ask POST /api/auth/token/, from their own address;
- spray (35 s): the same, while `2 × legit` spray users post wrong passwords to
  /api/auth/token/ for real accounts (the coordinators' too) and made-up ones, each from one
  of 2,000 forwarded addresses (pauses: legit 2–4 s, spray 0.05 s).

The figure is the legitimate sign-ins' p95 during the spray (POST /login/ and the token),
the baseline their p95 in the quiet phase. Extra fields: both p50/p95, requests and
unexpected answers of each class, the spray's refusals, how many of them reached the
password check (a recorded login failure) and how many were throttled before it,
the spray alerts raised, and one password check's time here (Argon2: the floor of a
sign-in). legit = clamp(size / 25,000, 2, 40): 4 at the default size.
"""

import base64
import json
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

from bench.bench_demo import child_env, jiuzhu
from bench.common import benchmark, percentile, record, setup_django

PASSWORD = "Jiuzhu-bench-login-2026"
SPRAYED_ACCOUNTS = 40  # real accounts besides the coordinators
MADE_UP_ACCOUNTS = 40


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("jiuzhu serve exited before answering")
        try:
            with urllib.request.urlopen(f"{url}/login/", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"jiuzhu serve did not answer within {seconds} s")


def _child(env: dict[str, str], module: str, *args: str) -> Any:
    """Run `python -m module ARGS` in a child; the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@benchmark("login_spray")
def login_spray(size: int) -> None:
    """Legitimate sign-in latency under a throttled spray (module docstring)."""
    legit = min(40, max(2, size // 25_000))
    with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-login-") as data_dir:
        env = child_env(data_dir, None)
        del env["JIUZHU_DEBUG"]  # production settings: what the spray meets in the field
        env.update(
            JIUZHU_SECRET_KEY=secrets.token_urlsafe(48),
            JIUZHU_HTTPS="0",
            JIUZHU_TRUSTED_PROXIES="127.0.0.1",
            JIUZHU_ALLOWED_HOSTS="127.0.0.1",
            JIUZHU_LOG_LEVEL="WARNING",
            JIUZHU_DATA_KEYS="k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            JIUZHU_SEARCH_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        )
        jiuzhu(env, "migrate", "--noinput", "-v", "0")
        accounts = _child(env, "bench.bench_login", "setup", str(legit))
        port = str(_free_port())
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "jiuzhu", "serve", "--port", port, "--threads", "8"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # one warning per refused sign-in
        )
        try:
            _wait_until_up(url, server)
            load = _child(env, "bench.login_load", url, json.dumps(accounts))
        finally:
            server.terminate()
            server.wait(timeout=30)
        server_side = _child(env, "bench.bench_login", "count")
    spray = load["spray"]
    figures = {
        "legit_users": legit,
        "password_check_ms": accounts["password_check_ms"],
        "spray_users": 2 * legit,
        "quiet_p50_ms": load["quiet"]["p50_ms"],
        "quiet_p95_ms": load["quiet"]["p95_ms"],
        "spray_p50_ms": load["under_spray"]["p50_ms"],
        "spray_p95_ms": load["under_spray"]["p95_ms"],
        "legit_sign_ins": load["quiet"]["sign_ins"] + load["under_spray"]["sign_ins"],
        "legit_unexpected": load["quiet"]["unexpected"] + load["under_spray"]["unexpected"],
        "spray_requests": spray["requests"],
        "spray_refused": spray["refused"],
        "spray_unexpected": spray["unexpected"],
        "spray_password_checked": server_side["failures"],
        # Requests in flight when locust stops are checked by the server but not counted
        # by the client: hence the floor.
        "spray_throttled": max(0, spray["refused"] - server_side["failures"]),
        "spray_alerts": server_side["alerts"],
    }
    record(
        "login_spray",
        size,
        load["under_spray"]["p95_ms"] / 1000,
        baseline="legit_p95_quiet",
        baseline_seconds=load["quiet"]["p95_ms"] / 1000,
        **figures,
    )


def setup(legit: int) -> dict[str, Any]:
    """In a child: the region tree and the staff; the usernames of each kind, and how long
    one password check takes here (the floor of a sign-in)."""
    setup_django()
    from django.contrib.auth.hashers import check_password, make_password
    from django.core.management import call_command

    from jiuzhu.core.models import Region, RegionLevel, User
    from jiuzhu.core.roles import Role

    call_command("import_regions", verbosity=0)
    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE).order_by("code")[:legit])
    towns = list(Region.objects.filter(level=RegionLevel.TOWN).order_by("code"))
    encoded = make_password(PASSWORD)  # one Argon2 hash for all: setup stays quick
    coordinators = [
        User(
            username=f"coordinator{n:02d}",
            password=encoded,
            role=Role.VILLAGE_COORDINATOR,
            region=villages[n % len(villages)],
        )
        for n in range(legit)
    ]
    others = [
        User(
            username=f"assistant{n:02d}",
            password=encoded,
            role=Role.TOWN_ASSISTANT,
            region=towns[n % len(towns)],
        )
        for n in range(SPRAYED_ACCOUNTS)
    ]
    User.objects.bulk_create(coordinators + others)
    checks = []
    for _ in range(5):
        start = time.perf_counter()
        check_password(PASSWORD, encoded)
        checks.append((time.perf_counter() - start) * 1000)
    return {
        "password_check_ms": round(percentile(checks, 0.5), 1),
        "legit": [user.username for user in coordinators],
        "sprayed": [user.username for user in coordinators + others]
        + [f"staff{n:03d}" for n in range(MADE_UP_ACCOUNTS)],
    }


def count() -> dict[str, int]:
    """In a child, after the run: failures that reached the password check, spray alerts."""
    setup_django()
    from jiuzhu.core.models import LoginFailure, SecurityEvent

    return {"failures": LoginFailure.objects.count(), "alerts": SecurityEvent.objects.count()}


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        print(json.dumps(setup(int(sys.argv[2]))))
    else:
        print(json.dumps(count()))
