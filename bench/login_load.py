"""The locust side of bench/bench_login.py, run as `python -m bench.login_load URL ACCOUNTS`
in its own process: locust is imported first, since it patches the standard library with
gevent. Prints the latencies and answers of each class as one JSON line."""

from locust import between, constant, task  # isort: skip  (first: gevent's patching)
from locust.contrib.fasthttp import FastHttpUser  # isort: skip
from locust.env import Environment  # isort: skip

import json
import random
import re
import secrets
import sys
import time
from typing import Any

import gevent

from bench.bench_login import PASSWORD
from bench.common import percentile

QUIET_SECONDS = 10
SPRAY_SECONDS = 35
SPRAY_ADDRESSES = 2000
SPRAY_PAUSE_SECONDS = 0.05
LEGIT_PAUSE_SECONDS = (2, 4)


def load(url: str, accounts: dict[str, Any]) -> dict[str, Any]:
    """In a child: the two locust phases; latencies and answers of each class."""
    legit_names = list(accounts["legit"])
    legit_count = len(legit_names)
    timings: list[tuple[float, float]] = []  # (when, milliseconds) of each legit sign-in
    addresses = [f"10.0.{n // 250}.{n % 250 + 1}" for n in range(SPRAY_ADDRESSES)]
    tally = {"legit_unexpected": 0, "spray_requests": 0, "spray_refused": 0, "spray_other": 0}

    class Staff(FastHttpUser):
        host = url
        wait_time = between(*LEGIT_PAUSE_SECONDS)
        fixed_count = legit_count

        def on_start(self) -> None:
            self.username = legit_names.pop()
            self.address = f"192.168.1.{len(legit_names) + 1}"

        @task
        def sign_in(self) -> None:
            forwarded = {"X-Forwarded-For": self.address}
            self.client.cookiejar.clear()
            form = self.client.get("/login/", headers=forwarded)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text or "")
            start = time.perf_counter()
            page = self.client.post(
                "/login/",
                data={
                    "username": self.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": csrf.group(1) if csrf else "",
                },
                headers={**forwarded, "Referer": f"{url}/login/"},
                allow_redirects=False,
            )
            middle = time.perf_counter()
            token = self.client.post(
                "/api/auth/token/",
                json={"username": self.username, "password": PASSWORD},
                headers=forwarded,
            )
            end = time.perf_counter()
            timings.append((time.monotonic(), (middle - start) * 1000))
            timings.append((time.monotonic(), (end - middle) * 1000))
            if page.status_code != 302 or token.status_code != 200:
                tally["legit_unexpected"] += 1

    class Spray(FastHttpUser):
        host = url
        wait_time = constant(SPRAY_PAUSE_SECONDS)
        fixed_count = 2 * legit_count

        @task
        def guess(self) -> None:
            answer = self.client.post(
                "/api/auth/token/",
                json={
                    "username": random.choice(accounts["sprayed"]),
                    "password": secrets.token_hex(6),
                },
                headers={"X-Forwarded-For": random.choice(addresses)},
            )
            tally["spray_requests"] += 1
            tally["spray_refused" if answer.status_code == 400 else "spray_other"] += 1

    def run(classes: list[type[FastHttpUser]], seconds: float) -> tuple[float, float]:
        environment = Environment(user_classes=classes)
        runner = environment.create_local_runner()
        users = sum(cls.fixed_count for cls in classes)
        started = time.monotonic()
        runner.start(users, spawn_rate=users)
        gevent.sleep(seconds)
        runner.quit()
        return started, time.monotonic()

    def phase(window: tuple[float, float]) -> dict[str, float | int]:
        ms = [elapsed for at, elapsed in timings if window[0] <= at <= window[1]]
        return {
            "sign_ins": len(ms) // 2,
            "p50_ms": round(percentile(ms, 0.5), 1) if ms else 0,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else 0,
            "unexpected": 0,
        }

    quiet_window = run([Staff], QUIET_SECONDS)
    quiet_unexpected = tally["legit_unexpected"]
    legit_names[:] = accounts["legit"]
    spray_window = run([Staff, Spray], SPRAY_SECONDS)
    quiet, under_spray = phase(quiet_window), phase(spray_window)
    quiet["unexpected"] = quiet_unexpected
    under_spray["unexpected"] = tally["legit_unexpected"] - quiet_unexpected
    return {
        "quiet": quiet,
        "under_spray": under_spray,
        "spray": {
            "requests": tally["spray_requests"],
            "refused": tally["spray_refused"],
            "unexpected": tally["spray_other"],
        },
    }


if __name__ == "__main__":
    print(json.dumps(load(sys.argv[1], json.loads(sys.argv[2]))))
