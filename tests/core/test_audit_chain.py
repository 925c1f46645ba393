"""The audit trail and the access log are append-only hash chains: a changed or removed row
is found by `jiuzhu audit verify`, and the database refuses to change a row."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from jiuzhu.core import audit_chain
from jiuzhu.core.models import AccessLog, AuditEntry, ChainHead
from jiuzhu.core.roles import Role
from jiuzhu.core.services import log_access, record_audit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.user(Role.COUNTY_ADMIN, factories.county())


def _three_entries(admin) -> list[AuditEntry]:
    region = factories.county()
    return [
        record_audit(admin, f"step_{n}", region, {"名称": f"第{n}步", "n": n}) for n in range(3)
    ]


def _break_guard():
    """Drop the append-only triggers: what someone with database access would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_append_only ON core_auditentry")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_append_only")
            cursor.execute("DROP TRIGGER core_auditentry_prune_only")


def test_entries_link_to_the_one_before(admin):
    first, second, third = _three_entries(admin)
    assert first.previous_hash == audit_chain.GENESIS
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    head = ChainHead.objects.get(log="audit")
    assert (head.entries, head.last_hash) == (3, third.entry_hash)
    report = audit_chain.verify("audit")
    assert (report.entries, report.problems) == (3, [])


def test_the_database_refuses_to_change_an_entry(admin):
    entry = _three_entries(admin)[1]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing")
    assert AuditEntry.objects.get(pk=entry.pk).action == "step_1"


def test_the_database_refuses_to_delete_an_entry(admin):
    entry = _three_entries(admin)[1]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_verify_finds_a_changed_entry(admin, capsys):
    entry = _three_entries(admin)[1]
    _break_guard()
    AuditEntry.objects.filter(pk=entry.pk).update(changes={"名称": "改过的"})

    with pytest.raises(CommandError) as broken:
        call_command("audit", "verify")

    assert str(broken.value) == "哈希链不完整：日志可能被篡改，请保全数据库并报告。"
    assert capsys.readouterr().err.strip() == f"操作记录编号 {entry.pk} 的内容被改动。"


def test_verify_finds_a_removed_entry(admin):
    _, second, third = _three_entries(admin)
    _break_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [second.pk])

    report = audit_chain.verify("audit")

    assert report.problems == [f"操作记录编号 {third.pk} 之前的记录被删除或调换。"]


def test_verify_finds_removed_last_entries(admin):
    _, second, _ = _three_entries(admin)
    _break_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id >= %s", [second.pk])

    assert audit_chain.verify("audit").problems == ["操作记录末尾有 2 条记录被删除。"]


def test_the_access_log_is_chained_too(admin, capsys):
    household = factories.household(admin)
    log_access(admin, AccessLog.Channel.PAGE, "Household", household.pk, household.pk)
    log_access(admin, AccessLog.Channel.API, "Person", 7, household.pk)

    call_command("audit", "verify")

    audit_entries = AuditEntry.objects.count()
    assert capsys.readouterr().out.splitlines() == [
        f"操作记录：{audit_entries:,} 条，哈希链完整。",
        "访问日志：2 条，哈希链完整。",
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency test needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_extend_one_chain(admin):
    region = factories.county()
    before = AuditEntry.objects.count()
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for k in range(10):
                record_audit(admin, f"writer_{n}_{k}", region)
        except Exception as error:  # collected for the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report = audit_chain.verify("audit")
    assert report.problems == []
    assert report.entries == AuditEntry.objects.count() == before + 40
