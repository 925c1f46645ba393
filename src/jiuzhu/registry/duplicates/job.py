"""The nightly scan as a job: read the current members, find the pairs (scan.py), keep them.

`jiuzhu find_duplicates` runs it (cron, nightly); the `registry.duplicates` task runs the
same from a page. Writing is set-based and idempotent: a pair already listed keeps its row
and its decision, a new pair is added open, and an open pair the registry no longer shows
(a member moved, a name corrected) is dropped.
"""

from collections.abc import Callable, Iterable
from typing import Any

import pyarrow as pa
from django.db import transaction

from jiuzhu.core.columnar import read_columns
from jiuzhu.core.tasks import task
from jiuzhu.registry.columnar import duplicate_scan_sql
from jiuzhu.registry.duplicates.scan import find
from jiuzhu.registry.models import DuplicatePair, DuplicateStatus, Person

TASK_KIND = "registry.duplicates"
_OPEN_BATCH = 2000


def open_numbers(person_ids: Iterable[int]) -> dict[int, str]:
    """The candidates' ID numbers, opened in memory in batches (never written anywhere)."""
    ids = list(person_ids)
    numbers: dict[int, str] = {}
    for start in range(0, len(ids), _OPEN_BATCH):
        chunk = ids[start : start + _OPEN_BATCH]
        numbers.update(Person.objects.filter(pk__in=chunk).values_list("pk", "id_number"))
    return numbers


def read_people() -> pa.Table:
    numbers, text = read_columns(duplicate_scan_sql(), width=4, text=("region_code", "name"))
    person_id, household_id, birth_ymd, seq = numbers
    return pa.table(
        {
            "person_id": person_id,
            "household_id": household_id,
            "birth_ymd": birth_ymd,
            "seq": seq,
            "region_code": text["region_code"],
            "name": text["name"],
        }
    )


def scan_registry(report: Callable[[int], None] = lambda percent: None) -> dict[str, Any]:
    """Find the pairs and keep them; what changed, for the task's result."""
    people = read_people()
    report(30)
    found = find(people, open_numbers)
    report(80)
    region = dict(
        zip(people["person_id"].to_pylist(), people["region_code"].to_pylist(), strict=True)
    )
    wanted = {(first, second): reason for first, second, reason in found.pairs}
    with transaction.atomic():
        known = set(DuplicatePair.objects.values_list("first_id", "second_id"))
        gone = DuplicatePair.objects.filter(status=DuplicateStatus.OPEN).exclude(
            pk__in=[
                pk
                for pk, first, second in DuplicatePair.objects.values_list(
                    "pk", "first_id", "second_id"
                )
                if (first, second) in wanted
            ]
        )
        dropped, _ = gone.delete()
        added = DuplicatePair.objects.bulk_create(
            DuplicatePair(first_id=a, second_id=b, reason=reason, region_code=region[a])
            for (a, b), reason in wanted.items()
            if (a, b) not in known
        )
    report(100)
    return {
        "persons": people.num_rows,
        "pairs": len(wanted),
        "added": len(added),
        "dropped": dropped,
        "opened": found.candidates,
        "seconds": round(found.seconds, 2),
    }


@task(TASK_KIND)
def scan_task(params: dict[str, Any], report: Callable[[int], None]) -> dict[str, Any]:
    return scan_registry(report)
