"""Stored department extracts and the registry snapshots of jobs not yet finished keep the
search digest of each ID number instead of the number (core/crypto.py): matching joins on
digests, so the files on disk hold no ID number. Each file is rewritten beside itself and
swapped in; a file already converted is left alone (the migration may run again)."""

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import migrations

from jiuzhu.core.crypto import digest_many

UNFINISHED = ("queued", "running", "interrupted")


def _to_digests(path: Path) -> None:
    if not path.exists():
        return
    table = pq.read_table(path)
    if "id_number" not in table.column_names:
        return
    digests = digest_many(table.column("id_number").to_pylist())
    column = pa.array([value or None for value in digests], pa.string())
    position = table.column_names.index("id_number")
    table = table.set_column(position, "id_digest", column)
    swap = path.with_suffix(".digests.parquet")
    pq.write_table(table, swap, compression="snappy")
    os.replace(swap, path)


def convert(apps: Any, schema_editor: Any) -> None:
    for stored in apps.get_model("verification", "ExtractImport").objects.exclude(parquet_path=""):
        _to_digests(Path(stored.parquet_path))
    jobs = Path(settings.DATA_DIR) / "verification" / "jobs"
    job_model = apps.get_model("verification", "VerificationJob")
    for job_id in job_model.objects.filter(status__in=UNFINISHED).values_list("pk", flat=True):
        _to_digests(jobs / str(job_id) / "registry" / "persons.parquet")


class Migration(migrations.Migration):
    dependencies = [("verification", "0003_job_attempts_and_interrupted")]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop, elidable=False)]
