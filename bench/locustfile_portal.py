"""Locust users for bench/bench_portal_load.py: each signed-in applicant (a session token
prepared beforehand, one per household) opens the apply page, fills it in for a while (a
think time drawn from JIUZHU_PORTAL_THINK_SECONDS, "20-60" by default: choosing, typing,
taking a photo and signing take at least that on a phone), then submits one application
with a phone photo and stops. Run only by that benchmark (loopback, bounded)."""

import itertools
import json
import os
import random
import re
from io import BytesIO

import gevent
from locust import HttpUser, constant, task
from locust.exception import StopUser
from PIL import Image

APPLICANTS = json.loads(open(os.environ["JIUZHU_PORTAL_APPLICANTS"]).read())  # noqa: SIM115
_next = itertools.count()
_LOW, _HIGH = (float(x) for x in os.environ.get("JIUZHU_PORTAL_THINK_SECONDS", "20-60").split("-"))
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _photo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (1600, 1200), (210, 200, 180)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTO = _photo()


class Applicant(HttpUser):
    wait_time = constant(0)

    @task
    def apply(self) -> None:
        index = next(_next)
        if index >= len(APPLICANTS):
            raise StopUser()
        applicant = APPLICANTS[index]
        self.client.cookies.set("jiuzhu_applicant", applicant["token"], path="/portal/")
        with self.client.get(
            "/portal/apply/", name="GET /portal/apply/", catch_response=True
        ) as page:
            token = _CSRF.search(page.text or "")
            if token is None:
                page.failure(f"no form on the apply page: {page.status_code}")
        if token is None:
            raise StopUser()
        # Filling in the form (the same draw for the same applicant in every run).
        gevent.sleep(random.Random(index).uniform(_LOW, _HIGH))
        with self.client.post(
            "/portal/apply/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "household": applicant["household"],
                "programme": "temporary",
                "temporary_kind": "emergency",
                "beneficiary": "",
                "reason": "家人突发重病住院，医疗费用负担不起。",
                "agree_authorisation": "on",
                "agree_commitment": "on",
                "typed_signature": applicant["name"],
            },
            files={"household_booklet": ("booklet.jpg", PHOTO, "image/jpeg")},
            headers={"Referer": f"{self.host}/portal/apply/"},
            allow_redirects=False,
            catch_response=True,
            name="POST /portal/apply/",
        ) as response:
            if response.status_code != 302 or "submitted=1" not in response.headers.get(
                "Location", ""
            ):
                response.failure(f"not submitted: {response.status_code}")
        raise StopUser()
