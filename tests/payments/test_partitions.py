"""Monthly partitions of the payroll lines and the access log (`jiuzhu partition`, docs/
deploy.md §8) on PostgreSQL: the conversion keeps the services, the bulk COPY and the
selectors working, a new month gets its partition, and retention archives then drops the
months past it while newer rows stay."""

import datetime as dt
import gzip
import json
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jiuzhu.core import audit_chain, partitions
from jiuzhu.core.files import file_sha256
from jiuzhu.core.models import AccessLog, AuditEntry
from jiuzhu.core.selectors import search_access_log
from jiuzhu.core.services import log_access
from jiuzhu.payments import partitions as payroll_partitions
from jiuzhu.payments import selectors, services
from jiuzhu.payments.models import LINES_PER_PAYROLL, LineResult, Payroll, PayrollLine
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
    pytest.mark.skipif(
        os.environ.get("JIUZHU_TEST_PARTITIONED") == "1", reason="they convert the tables"
    ),
]
LINES = payroll_partitions.PAYROLL_LINES
NOW = timezone.now()


def _partition_of(table, row_id):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def _names(table):
    return [partition.name for partition in partitions.partitions(table)]


def _payroll(staff, town, village, name, amount, assistant="assistant"):
    household = make_household(staff["admin"], village, name)
    make_recipient(staff["admin"], household, amount)
    give_account(staff[assistant], household)
    return services.prepare_payroll(staff[assistant], MONTH, town)


def test_prune_needs_the_conversion(county_admin):
    with pytest.raises(CommandError, match="尚未分区"):
        call_command("partition", "prune")
    assert not partitions.is_partitioned(LINES)


def test_services_copy_and_selectors_work_on_the_partitioned_tables(
    pay_staff, dong_e, dong_e_village
):
    call_command("partition", "convert")
    assert partitions.is_partitioned(LINES) and partitions.is_partitioned("core_accesslog")
    this_month = partitions.local_month(NOW)
    assert _names(LINES) == [partitions.partition_name(LINES, this_month)]
    # The access log has this month and the three coming ones.
    assert len(_names("core_accesslog")) == 4
    # Lines go in by binary COPY (payments/payroll/writing.py) and read back by selectors.
    payroll = _payroll(pay_staff, dong_e, dong_e_village, "王老汉", "512.30")
    [line] = selectors.lines_of(payroll)
    assert (line.amount_fen, line.net_fen, line.payee_name) == (51230, 51230, "王老汉")
    assert _partition_of(LINES, line.pk) == f"{LINES}_{this_month:%Y_%m}"
    # The guards survived: a locked payroll's lines cannot change.
    services.check_payroll(pay_staff["approver"], payroll)
    services.approve_payroll(pay_staff["approver"], payroll)
    with pytest.raises(DatabaseError), transaction.atomic():
        PayrollLine.objects.filter(pk=line.pk).update(net_fen=1)
    # The bank result's foreign key became a trigger: a result needs its line.
    with pytest.raises(DatabaseError), transaction.atomic():
        LineResult.objects.create(line_id=line.pk + 1, status="paid")
    LineResult.objects.create(line_id=line.pk, status="paid")
    # The access log: written by the service, found by the auditors' selector, still chained
    # and still append-only.
    household = line.household_id
    log_access(pay_staff["admin"], "page", "Household", household, household)
    [entry] = search_access_log(pay_staff["admin"], household_number="")
    assert (entry.object_id, entry.user_id) == (household, pay_staff["admin"].pk)
    assert audit_chain.verify("access").intact and audit_chain.verify("audit").intact
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).delete()
    # A second conversion does nothing.
    call_command("partition", "convert")
    assert len(_names(LINES)) == 1


def test_a_new_month_gets_its_partition_at_the_next_payroll(
    pay_staff, dong_e, dong_e_village, meigui, meigui_village
):
    first = _payroll(pay_staff, dong_e, dong_e_village, "王老汉", "500.00")
    call_command("partition", "convert")
    next_month = partitions.month_start(dt.date(NOW.year + 1, 1, 1)) + dt.timedelta(days=3)
    assert payroll_partitions.maintain(ahead=3, now=next_month) == [
        f"发放明细新建 {next_month:%Y-%m} 分区（自第 {first.pk + 1} 号发放表起）。",
        f"访问日志新建分区 1 个（至 {next_month.year}-04）。",
    ]
    assert payroll_partitions.maintain(ahead=3, now=next_month) == []
    old, new = partitions.partitions(LINES)
    assert (old.lower, old.upper) == ("MINVALUE", str((first.pk + 1) * LINES_PER_PAYROLL))
    second = _payroll(pay_staff, meigui, meigui_village, "李老汉", "600.00", "other_assistant")
    [line] = selectors.lines_of(second)
    assert _partition_of(LINES, line.pk) == new.name
    assert [x.net_fen for x in selectors.lines_of(first)] == [50000]


@pytest.fixture
def archived_months(pay_staff, dong_e, dong_e_village, meigui, meigui_village, settings):
    """An access-log entry and a payroll past their retentions, and recent ones, then the
    conversion."""
    admin = pay_staff["admin"]
    old_at = NOW - dt.timedelta(days=365 * 31)
    audit_chain.append(
        "access", at=old_at, user=admin, channel="page", object_type="Household", object_id=7
    )
    log_access(admin, "page", "Household", 8, 8)
    old = _payroll(pay_staff, dong_e, dong_e_village, "王老汉", "500.00")
    Payroll.objects.filter(pk=old.pk).update(prepared_at=old_at)
    [old_line] = selectors.lines_of(old)
    LineResult.objects.create(line_id=old_line.pk, status="paid")
    new = _payroll(pay_staff, meigui, meigui_village, "李老汉", "600.00", "other_assistant")
    call_command("partition", "convert")
    return old, new, old_at


def test_retention_archives_then_drops_the_old_months(archived_months, pay_staff):
    old, new, old_at = archived_months
    old_month = partitions.local_month(old_at)
    assert _names(LINES)[0] == partitions.partition_name(LINES, old_month)
    assert _names("core_accesslog")[0] == partitions.partition_name("core_accesslog", old_month)
    call_command("partition", "prune")
    # The access log: archived as `audit prune` does, the old month gone, the chain whole.
    [checkpoint] = audit_chain._checkpoints("access")
    assert checkpoint.entries == 1
    assert partitions.partition_name("core_accesslog", old_month) not in _names("core_accesslog")
    assert list(AccessLog.objects.values_list("object_id", flat=True)) == [8]
    assert audit_chain.verify("access").intact and audit_chain.verify_archives("access") == []
    # The payroll lines: the old month archived with its bank result, then dropped.
    archive = audit_chain.archive_dir() / f"payroll-lines-{old_month:%Y-%m}.jsonl.gz"
    with gzip.open(archive, "rt") as lines:
        [record] = [json.loads(line) for line in lines]
    assert (record["line"]["payroll_id"], record["line"]["net_fen"]) == (old.pk, 50000)
    assert record["result"]["status"] == "paid"
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    entry = AuditEntry.objects.get(action="archive_payroll_lines")
    assert entry.changes == {
        "月份": f"{old_month:%Y-%m}",
        "条数": 1,
        "归档文件": archive.name,
        "摘要": file_sha256(archive),
    }
    assert _names(LINES) == [partitions.partition_name(LINES, partitions.local_month(NOW))]
    assert not LineResult.objects.exists()
    assert list(selectors.lines_of(old)) == []
    assert [line.net_fen for line in selectors.lines_of(new)] == [60000]
    # Nothing is left past retention: a second prune does nothing.
    out = _run("prune")
    assert out == "无需处理。\n"


def test_prune_refused_to_whom_may_not(archived_months, pay_staff):
    with pytest.raises(CommandError):
        call_command("partition", "prune", "--user", pay_staff["assistant"].username)
    assert len(_names(LINES)) == 2 and AccessLog.objects.count() == 2


def _run(*args):
    out = StringIO()
    call_command("partition", *args, stdout=out)
    return out.getvalue()


def test_a_month_holding_an_entry_the_archive_does_not_is_kept(archived_months, pay_staff):
    _, _, old_at = archived_months
    # Written after a recent entry, so past the archived prefix of the chain.
    audit_chain.append(
        "access",
        at=old_at + dt.timedelta(hours=1),
        user=pay_staff["admin"],
        channel="page",
        object_type="Household",
        object_id=9,
    )
    out = _run("prune")
    old_month = f"{partitions.local_month(old_at):%Y-%m}"
    assert "访问日志已归档 1 条" in out
    assert f"访问日志分区 {old_month} 尚有未归档的记录，下次再删除。" in out
    assert sorted(AccessLog.objects.values_list("object_id", flat=True)) == [8, 9]
    assert audit_chain.verify("access").intact
