"""Migration 0004: extracts stored before ID numbers were sealed keep only their digests."""

import datetime as dt
import importlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.apps import apps

from jiuzhu.core import crypto
from jiuzhu.verification.models import ExtractImport, ExtractStatus

MIGRATION = importlib.import_module(
    "jiuzhu.verification.migrations.0004_digests_in_stored_extracts"
)
NUMBER = "370124197005170159"


@pytest.mark.django_db
def test_stored_extracts_get_digests_instead_of_id_numbers(tmp_path, county_admin):
    path = tmp_path / "old.parquet"
    old = pa.table({"row_no": [2, 3], "id_number": [NUMBER, None], "name": ["张三", "李四"]})
    pq.write_table(old.replace_schema_metadata({"source": "bank_deposits"}), path)
    ExtractImport.objects.create(
        source="bank_deposits",
        extract_date=dt.date(2026, 6, 30),
        file_name="old.csv",
        sha256="0" * 64,
        status=ExtractStatus.ACCEPTED,
        parquet_path=str(path),
        imported_by=county_admin,
    )
    MIGRATION.convert(apps, None)
    MIGRATION.convert(apps, None)  # a second run finds nothing left to convert
    table = pq.read_table(path)
    assert table.column_names == ["row_no", "id_digest", "name"]
    assert table.column("id_digest").to_pylist() == [crypto.digest(NUMBER), None]
    assert table.schema.metadata[b"source"] == b"bank_deposits"
    assert NUMBER.encode() not in path.read_bytes()
