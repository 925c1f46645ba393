"""Retention of the audit trail and the access log: `jiuzhu audit prune` moves old entries
into a sealed archive behind a checkpoint; the chain stays verifiable, the archive is
checked against its digest, and the database still refuses every other change."""

import datetime as dt
import gzip
import json
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jiuzhu.core import audit_chain
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog, AuditEntry, ChainHead, LogCheckpoint
from jiuzhu.core.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.now()
OLD = NOW - dt.timedelta(days=365 * 31)  # past the audit trail's 30 years


@pytest.fixture
def admin():
    return factories.user(Role.COUNTY_ADMIN, factories.county(), username="prune_admin")


@pytest.fixture
def logged(admin):
    """Three audit entries past retention, then two recent ones; one access entry."""
    old = [
        audit_chain.append(
            "audit",
            at=OLD + dt.timedelta(hours=n),
            actor=admin,
            action=f"old_{n}",
            object_type="Region",
            object_id=n,
            changes={"名称": f"旧{n}"},
        )
        for n in range(3)
    ]
    new = [
        audit_chain.append("audit", actor=admin, action=f"new_{n}", object_type="Region")
        for n in range(2)
    ]
    audit_chain.append(
        "access",
        user=admin,
        channel="page",
        object_type="Household",
        object_id=9,
        household_id=9,
        ip="10.0.0.1",
    )
    return old, new


def _lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_prune_archives_the_old_entries_and_the_chain_stays_verifiable(
    admin, logged, data_dir, capsys
):
    old = logged[0]
    first, last = old[0].pk, old[-1].pk
    name = f"audit-{first:012d}-{last:012d}.jsonl.gz"

    call_command("audit", "prune", "--user", "prune_admin")

    cutoff = f"{NOW.year - 30}"
    out = _lines(capsys)
    assert out[0].startswith(f"操作记录：已归档 {cutoff}-")
    assert out[0].endswith(f"之前的 3 条（编号 {first}–{last}），归档文件 {name}。")
    assert out[1].startswith("访问日志：已归档 ") and out[1].endswith("之前的 0 条。")
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "new_0",
        "new_1",
        "prune_log",
    ]
    checkpoint = LogCheckpoint.objects.get()
    path = data_dir / "log_archives" / name
    assert (checkpoint.log, checkpoint.previous_hash, checkpoint.last_sequence) == (
        "audit",
        audit_chain.GENESIS,
        last,
    )
    assert (checkpoint.last_hash, checkpoint.entries, checkpoint.open) == (
        old[-1].entry_hash,
        3,
        False,
    )
    assert checkpoint.archive_sha256 == audit_chain.file_sha256(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with gzip.open(path, "rt", encoding="utf-8") as archive:
        records = [json.loads(line) for line in archive]
    assert [(r["id"], r["action"], r["changes"]) for r in records] == [
        (old[n].pk, f"old_{n}", {"名称": f"旧{n}"}) for n in range(3)
    ]
    assert records[1]["previous_hash"] == records[0]["entry_hash"] == old[0].entry_hash
    assert AuditEntry.objects.get(action="prune_log").changes == {
        "日志": "操作记录",
        "截止": audit_chain.years_before(NOW, 30).date().isoformat(),
        "条数": 3,
        "归档文件": name,
    }

    call_command("audit", "verify", "--archives")

    assert _lines(capsys) == [
        "操作记录：3 条（另有 3 条已归档），哈希链完整，归档文件完好。",
        "访问日志：1 条，哈希链完整。",
    ]
    assert ChainHead.objects.get(log="audit").entries == 6


def test_a_dry_run_writes_nothing(admin, logged, data_dir, capsys):
    call_command("audit", "prune", "--dry-run", "--user", "prune_admin")

    out = _lines(capsys)
    assert out[0].endswith(f"之前的 3 条（编号 {logged[0][0].pk}–{logged[0][2].pk}）。")
    assert out[0].startswith("操作记录：将归档 ")
    assert out[2] == "这是预演：没有写入任何文件或数据。"
    assert AuditEntry.objects.count() == 5
    assert not LogCheckpoint.objects.exists()
    assert not (data_dir / "log_archives").exists()


def test_the_access_log_has_its_own_retention(admin, settings, data_dir):
    settings.JIUZHU_ACCESS_LOG_RETENTION_YEARS = 3
    entries = [
        audit_chain.append(
            "access",
            at=NOW - dt.timedelta(days=days),
            user=admin,
            channel="api",
            object_type="Person",
            object_id=days,
            household_id=1,
        )
        for days in (4 * 365, 3 * 365 + 5, 365)
    ]

    report = audit_chain.prune(admin, "access", dry_run=False, now=NOW)

    assert (report.entries, report.first_sequence, report.last_sequence) == (
        2,
        entries[0].pk,
        entries[1].pk,
    )
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [entries[2].pk]
    assert audit_chain.verify("access").problems == []
    assert audit_chain.verify_archives("access") == []


def test_a_second_prune_continues_from_the_first(admin, logged, settings):
    audit_chain.prune(admin, "audit", dry_run=False, now=NOW)
    settings.JIUZHU_AUDIT_RETENTION_YEARS = 1
    second = audit_chain.prune(admin, "audit", dry_run=False, now=NOW + dt.timedelta(days=800))

    first_cp, second_cp = LogCheckpoint.objects.order_by("last_sequence")
    assert second.entries == 3  # new_0, new_1 and the first prune's own entry
    assert second_cp.previous_hash == first_cp.last_hash
    assert audit_chain.verify("audit").problems == []
    assert audit_chain.verify_archives("audit") == []


def test_a_tampered_archive_is_detected(admin, logged, data_dir, capsys):
    audit_chain.prune(admin, "audit", dry_run=False, now=NOW)
    checkpoint = LogCheckpoint.objects.get()
    path = data_dir / "log_archives" / checkpoint.archive
    with gzip.open(path, "rt", encoding="utf-8") as archive:
        text = archive.read()
    with gzip.open(path, "wt", encoding="utf-8") as archive:
        archive.write(text.replace("旧1", "改过的"))

    with pytest.raises(CommandError):
        call_command("audit", "verify", "--archives")

    assert capsys.readouterr().err.strip() == (
        f"操作记录归档文件 {checkpoint.archive} 的摘要不符：文件被改动。"
    )
    # Without --archives only the database is walked, and it is intact.
    call_command("audit", "verify")


def test_an_archive_whose_entries_are_forged_with_a_new_digest_is_detected(admin, logged):
    audit_chain.prune(admin, "audit", dry_run=False, now=NOW)
    checkpoint = LogCheckpoint.objects.get()
    path = audit_chain.archive_dir() / checkpoint.archive
    with gzip.open(path, "rt", encoding="utf-8") as archive:
        lines = archive.read().splitlines()
    with gzip.open(path, "wt", encoding="utf-8") as archive:
        archive.write("\n".join([lines[0], lines[2]]) + "\n")
    # Even a database owner rewriting the digest cannot hide the removed entry.
    with connection.cursor() as cursor:
        _drop_checkpoint_guard(cursor)
        cursor.execute(
            "UPDATE core_logcheckpoint SET archive_sha256 = %s",
            [audit_chain.file_sha256(path)],
        )

    assert audit_chain.verify_archives("audit") == [
        f"操作记录归档文件 {checkpoint.archive} 中编号 {logged[0][2].pk} 不符。"
    ]


def test_a_missing_archive_is_detected(admin, logged):
    audit_chain.prune(admin, "audit", dry_run=False, now=NOW)
    name = LogCheckpoint.objects.get().archive
    (audit_chain.archive_dir() / name).unlink()

    assert audit_chain.verify_archives("audit") == [f"操作记录归档文件 {name} 不存在。"]


def _drop_checkpoint_guard(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("DROP TRIGGER core_logcheckpoint_close_only ON core_logcheckpoint")
    else:
        cursor.execute("DROP TRIGGER core_logcheckpoint_close_only")
        cursor.execute("DROP TRIGGER core_logcheckpoint_kept")


def test_the_database_refuses_to_delete_entries_without_a_checkpoint(admin, logged):
    old, new = logged
    for doomed in (old[1], new[0], new[1]):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=doomed.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk__lte=old[2].pk).exclude(pk=old[0].pk).delete()
    assert AuditEntry.objects.count() == 5


def test_a_closed_checkpoint_opens_no_door(admin, logged):
    audit_chain.prune(admin, "audit", dry_run=False, now=NOW)
    kept = AuditEntry.objects.order_by("id")[1]
    checkpoint = LogCheckpoint.objects.get()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=kept.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=kept.pk).update(action="changed")
    # Reopening the checkpoint or moving it over the kept entries is refused too.
    for change in ({"open": True}, {"last_sequence": kept.pk}, {"archive_sha256": "0" * 64}):
        with pytest.raises(DatabaseError), transaction.atomic():
            LogCheckpoint.objects.filter(pk=checkpoint.pk).update(**change)
    assert AuditEntry.objects.count() == 3
    assert audit_chain.verify("audit").problems == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps every row")
def test_postgresql_refuses_to_delete_the_oldest_entry_or_a_checkpoint(admin, logged):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=logged[0][0].pk).delete()
    audit_chain.prune(admin, "audit", dry_run=False, now=NOW)
    with pytest.raises(DatabaseError), transaction.atomic():
        LogCheckpoint.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="deferred triggers: PostgreSQL")
def test_postgresql_refuses_a_checkpoint_left_open_at_commit(admin, logged):
    with pytest.raises(DatabaseError), transaction.atomic():
        LogCheckpoint.objects.create(
            log="audit",
            previous_hash=audit_chain.GENESIS,
            last_sequence=logged[0][2].pk,
            last_hash="x",
            entries=3,
            archive="forged",
            archive_sha256="",
            created_by=admin,
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_verify_finds_rows_removed_after_a_prune(admin, logged):
    audit_chain.prune(admin, "audit", dry_run=False, now=NOW)
    first_kept, second_kept = AuditEntry.objects.order_by("id")[:2]
    # SQLite lets the oldest row go (Django's test flush); PostgreSQL needs its guard dropped.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_append_only ON core_auditentry")
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [first_kept.pk])

    assert audit_chain.verify("audit").problems == [
        f"操作记录编号 {second_kept.pk} 之前的记录被删除或调换。"
    ]


def test_verify_finds_a_removed_checkpoint(admin, logged):
    audit_chain.prune(admin, "audit", dry_run=False, now=NOW)
    first_kept = AuditEntry.objects.order_by("id").first()
    with connection.cursor() as cursor:
        _drop_checkpoint_guard(cursor)
        cursor.execute("DELETE FROM core_logcheckpoint")

    assert audit_chain.verify("audit").problems == [
        f"操作记录编号 {first_kept.pk} 之前的记录被删除或调换。"
    ]


def test_a_broken_chain_is_not_archived(admin, logged, data_dir):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_append_only ON core_auditentry")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_append_only")
        cursor.execute(
            "UPDATE core_auditentry SET action = 'hidden' WHERE id = %s", [logged[0][1].pk]
        )

    with pytest.raises(DomainError) as refused:
        audit_chain.prune(admin, "audit", dry_run=False, now=NOW)

    assert refused.value.message == (
        f"操作记录编号 {logged[0][1].pk} 处哈希链不完整，不能归档："
        "请先用 jiuzhu audit verify 查明并报告。"
    )
    assert AuditEntry.objects.count() == 5
    assert not LogCheckpoint.objects.exists()
    assert list((data_dir / "log_archives").iterdir()) == []


@pytest.mark.parametrize("role", [Role.COUNTY_SUPERVISOR, Role.AUDITOR, Role.TOWN_ASSISTANT])
def test_only_the_county_administrator_may_prune(role, logged, data_dir):
    factories.user(role, factories.county(), username="not_admin")

    with pytest.raises(CommandError) as refused:
        call_command("audit", "prune", "--user", "not_admin")

    assert str(refused.value) == "无权管理接口令牌、查看安全事件。"
    assert AuditEntry.objects.count() == 5
    assert not (data_dir / "log_archives").exists()


def test_a_retention_below_one_year_is_refused(admin, logged, settings):
    settings.JIUZHU_ACCESS_LOG_RETENTION_YEARS = 0

    with pytest.raises(DomainError) as refused:
        audit_chain.prune(admin, "access", dry_run=False)

    assert refused.value.message == (
        "访问日志的保存年限至少为 1 年（JIUZHU_ACCESS_LOG_RETENTION_YEARS）。"
    )
