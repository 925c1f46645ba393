"""p50/p95 and query counts of the public notice board and the overdue list, in-process
(Django test client), against a loaded database; every write (session, access log) is
rolled back, so the database is left as it was.

    JIUZHU_DEBUG=1 DATABASE_URL=postgres://... PYTHONPATH=src:. python -m bench.public_pages_p95 30
"""

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from jiuzhu.core.models import Region, User  # noqa: E402
from tests.conftest import client_for  # noqa: E402


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main(rounds: int) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    with transaction.atomic():
        town = Region.objects.filter(level="town").order_by("code").first()
        admin = User.objects.filter(is_active=True, region__level="county").first()
        assert town is not None and admin is not None
        pages = {
            "notice board": (Client(), "/notice/"),
            "notice board, a town": (Client(), f"/notice/?town={town.code}"),
            "notice board, page 200": (Client(), "/notice/?page=200"),
            "overdue list (county)": (client_for(admin), "/cases/overdue/"),
        }
        for name, (client, url) in pages.items():
            client.get(url)
            times = []
            for _ in range(rounds):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"{name:24s} p50 {statistics.median(times):6.1f} ms  "
                f"p95 {p95(times):6.1f} ms  queries {len(queries)}"
            )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
