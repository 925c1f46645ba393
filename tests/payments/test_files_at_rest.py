"""Files with full ID numbers at rest (issue 19): bank files are readable by the owner only,
in an owner-only directory, and purged after the retention period; a payroll export never
rests on disk at all."""

import os
import stat
import time
from pathlib import Path

import pytest

from jiuzhu.core.files import file_sha256
from jiuzhu.payments import files
from tests.conftest import client_for
from tests.payments.test_files_and_recovery import three_paid  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bank_file_is_owner_only(pay_staff, three_paid, fmt):  # noqa: F811
    old_umask = os.umask(0o022)  # the usual umask, which would make 0644 files
    try:
        made = files.make_payment_file(pay_staff["assistant"], three_paid[1], "农商银行", fmt)
    finally:
        os.umask(old_umask)
    path = Path(made.stored_path)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert path.read_bytes()  # still written in full
    assert file_sha256(path) == made.sha256


def test_existing_payments_directory_is_tightened(settings, pay_staff, three_paid):  # noqa: F811
    loose = Path(settings.DATA_DIR) / "payments"
    loose.mkdir(mode=0o755, exist_ok=True)
    loose.chmod(0o755)
    files.make_payment_file(pay_staff["assistant"], three_paid[1], "农商银行", "csv")
    assert _mode(loose) == 0o700


def test_payroll_export_leaves_nothing_on_disk(settings, pay_staff, three_paid):  # noqa: F811
    _, payroll = three_paid
    response = client_for(pay_staff["approver"]).get(f"/payments/{payroll.pk}/export.xlsx")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"PK")  # an XLSX (zip) with the lines
    payments_dir = Path(settings.DATA_DIR) / "payments"
    left = list(payments_dir.iterdir()) if payments_dir.exists() else []
    assert left == []


def test_purge_deletes_files_past_retention_only(settings, pay_staff, three_paid):  # noqa: F811
    settings.JIUZHU_FILE_RETENTION_DAYS = 30
    _, payroll = three_paid
    old = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    recent = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "xlsx")
    old_path, recent_path = Path(old.stored_path), Path(recent.stored_path)
    thirty_one_days_ago = time.time() - 31 * 86400
    os.utime(old_path, (thirty_one_days_ago, thirty_one_days_ago))
    twenty_nine_days_ago = time.time() - 29 * 86400
    os.utime(recent_path, (twenty_nine_days_ago, twenty_nine_days_ago))

    assert files.purge_expired() == [old_path]
    assert not old_path.exists() and recent_path.exists()
    # The record of what was handed to the bank stays; only the file is gone.
    old.refresh_from_db()
    assert old.sha256 and old.rows == 3
    # A download of a purged file is refused with the Chinese not-found page.
    response = client_for(pay_staff["assistant"]).get(f"/payments/files/{old.pk}/")
    assert response.status_code == 404
    assert files.purge_expired() == []
