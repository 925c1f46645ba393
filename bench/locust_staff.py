"""Locust users for bench/bench_staff_load.py: town staff at work and anonymous visitors.

Staff (two in three users) are town assistants signed in beforehand (a session verified by
their authenticator, prepared by the benchmark): they search (name, pinyin initials, the
last four ID digits), open household files, the case list, the overdue list and cases,
take a transition (start the investigation of an accepted case, each case once) and open
the payroll list, with a think time drawn from JIUZHU_STAFF_THINK_SECONDS ("2-8" by
default). Visitors read the notice board, use the calculator and look up an application's
progress, each from their own address (X-Forwarded-For; the server trusts loopback as
its proxy). The plan (sessions, household and case ids, queries) is the JSON file named by
JIUZHU_STAFF_PLAN. Run only by that benchmark (loopback, bounded).

The users are locust's FastHttpUser (geventhttpclient): locust runs on the server's two
cores, and with requests' client it took 9.6 ms of CPU per request, a third of what the
server itself used.
"""

import itertools
import json
import os
import random
import re
import time

from locust import FastHttpUser, between, task
from requests.cookies import create_cookie

PLAN = json.loads(open(os.environ["JIUZHU_STAFF_PLAN"]).read())  # noqa: SIM115
_LOW, _HIGH = (float(x) for x in os.environ.get("JIUZHU_STAFF_THINK_SECONDS", "2-8").split("-"))
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')
_next_staff = itertools.count()
_next_visitor = itertools.count()


class Staff(FastHttpUser):
    weight = 2
    wait_time = between(_LOW, _HIGH)

    def on_start(self) -> None:
        index = next(_next_staff)
        self.plan = PLAN["staff"][index % len(PLAN["staff"])]
        self.random = random.Random(index)
        self.client.cookiejar.set_cookie(
            create_cookie(PLAN["session_cookie"], self.plan["session"])
        )
        # Each accepted case is in one user's plan only.
        self.transitions = list(self.plan["transitions"])

    @task(4)
    def search(self) -> None:
        query = self.random.choice(self.plan["queries"])
        self._read(f"/households/?q={query['q']}", f"search ({query['kind']})")

    @task(3)
    def household_file(self) -> None:
        household = self.random.choice(self.plan["households"])
        self._read(f"/households/{household}/", "household file")

    @task(2)
    def case_list(self) -> None:
        self._read("/cases/", "case list")

    @task(1)
    def overdue_list(self) -> None:
        self._read("/cases/overdue/", "overdue list")

    @task(2)
    def case(self) -> None:
        self._read(f"/cases/{self.random.choice(self.plan['cases'])}/", "case")

    @task(1)
    def transition(self) -> None:
        if not self.transitions:
            return
        case = self.transitions.pop()
        page = self._read(f"/cases/{case}/", "case")
        token, version = _CSRF.search(page), _VERSION.search(page)
        if token is None or version is None:
            return
        with self.client.post(
            f"/cases/{case}/act/start_investigation/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "version": version.group(1),
                "comment": "材料齐全，开始调查。",
            },
            name="transition (start investigation)",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")

    @task(1)
    def payroll_list(self) -> None:
        self._read("/payments/", "payroll list")

    def _read(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            # A lost session would be redirected (and followed) to the sign-in form.
            if response.status_code != 200 or 'id="id_username"' in (response.text or ""):
                response.failure(f"status {response.status_code}: {response.error or 'signed out'}")
            return response.text or ""


class Visitor(FastHttpUser):
    weight = 1
    wait_time = between(_LOW, _HIGH)

    def on_start(self) -> None:
        index = next(_next_visitor)
        self.random = random.Random(-1 - index)
        self.address = {"X-Forwarded-For": f"10.20.{index // 250}.{index % 250 + 1}"}

    @task(3)
    def notice_board(self) -> None:
        self._read("/notice/", "notice board")

    @task(2)
    def calculator(self) -> None:
        page = self._read("/policy/calculator/", "calculator")
        token = _CSRF.search(page)
        if token is None:
            return
        size = self.random.randint(1, 4)
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "month": time.strftime("%Y-%m"),
            "area_type": self.random.choice(["urban", "rural"]),
            "i0_category": "wages",
            "i0_member": "1",
            "i0_amount": str(self.random.randint(0, 400 * size)),
        }
        for member in range(size):
            form[f"m{member}_age"] = str(self.random.randint(3, 80))
        with self.client.post(
            "/policy/calculator/",
            data=form,
            name="calculator (compute)",
            headers=self.address,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(1)
    def progress(self) -> None:
        page = self._read("/portal/progress/", "portal lookup")
        token = _CSRF.search(page)
        if token is None:
            return
        number, id_number = self.random.choice(PLAN["progress"])
        with self.client.post(
            "/portal/progress/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "case_number": number,
                "id_number": id_number,
            },
            name="portal lookup (answer)",
            headers=self.address,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    def _read(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, headers=self.address, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}: {response.error or ''}")
            return response.text or ""
