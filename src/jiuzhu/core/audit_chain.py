"""The audit trail and the access log as hash chains: tamper-evident, append-only.

Each entry stores the previous entry's hash and its own: SHA-256 over the previous hash and
the entry's content (time, who, what). Changing a row breaks its own hash; removing a row
breaks the next row's link; removing the last rows shows against `ChainHead`, which counts
the entries. The database refuses updates of both logs and deletes (see core migrations
0005 and 0007). `jiuzhu audit verify` walks both chains. Appending takes the head's row
lock, so concurrent writers extend the chain one after another.

Retention. `jiuzhu audit prune` moves the entries older than the retention period into a
sealed archive (gzip-compressed JSON lines, 0600, under DATA_DIR/log_archives) and records
a `LogCheckpoint`: the archive's SHA-256, the last archived entry's sequence and hash, the
count, and the hash the archive starts from (the previous checkpoint's). Then it deletes
the archived rows: the database allows that only for rows at or below a checkpoint still
open, and the prune closes it in the same transaction. Verification starts from the latest
checkpoint; `--archives` also checks every archive against its digest and its links.
Nothing is destroyed: an archive keeps what the database no longer holds.

Defaults. The access log (who opened which household, from where) stays 3 years:
the Cybersecurity Law (art. 21) asks network logs to be kept at least six months, and
PIPL art. 56 keeps records of personal-information handling at least three years. The
audit trail records decisions and payments, evidence akin to accounting vouchers, which
the Accounting Archives Measures (2015, art. 14) keep 30 years: it stays 30 years.
"""

import datetime as dt
import gzip
import hashlib
import io
import ipaddress
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.files import file_sha256
from jiuzhu.core.models import AccessLog, AuditEntry, ChainedEntry, ChainHead, LogCheckpoint, User
from jiuzhu.core.months import years_before
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability

GENESIS = "0" * 64
LOGS: dict[str, type[ChainedEntry]] = {"audit": AuditEntry, "access": AccessLog}
LOG_NAMES = {"audit": "操作记录", "access": "访问日志"}
# The content each hash covers, in this order.
CONTENT: dict[str, tuple[str, ...]] = {
    "audit": ("at", "actor_id", "action", "object_type", "object_id", "changes"),
    "access": ("at", "user_id", "channel", "object_type", "object_id", "household_id", "ip"),
}
RETENTION_YEARS = {
    "audit": "JIUZHU_AUDIT_RETENTION_YEARS",
    "access": "JIUZHU_ACCESS_LOG_RETENTION_YEARS",
}
ARCHIVE_MODE = 0o600  # the access log names households and addresses: owner only


def _text(name: str, value: Any) -> str:
    """One value as the hash sees it, the same before saving and after reading back."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if name == "changes":
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if name == "ip":
        return str(ipaddress.ip_address(value))
    return str(value)


def entry_hash(log: str, previous: str, values: Sequence[Any]) -> str:
    """The hash of an entry with these content values after `previous`."""
    parts = [previous, *(_text(n, v) for n, v in zip(CONTENT[log], values, strict=True))]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def append(log: str, **fields: Any) -> ChainedEntry:
    """Add an entry at the end of the chain `log` ("audit" or "access")."""
    return append_many(log, [fields])[0]


def append_many(log: str, entries: Sequence[dict[str, Any]]) -> list[ChainedEntry]:
    """Add entries at the end of the chain `log` in one insert (a page of shared records
    logs one entry per record, not one round trip per record)."""
    rows = [LOGS[log](**fields) for fields in entries]
    if not rows:
        return rows
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(log=log).first()
        if head is None:
            # The migration creates both heads; a flushed database (tests) starts them again.
            ChainHead.objects.get_or_create(log=log)
            head = ChainHead.objects.select_for_update().get(log=log)
        previous = head.last_hash or GENESIS
        for entry in rows:
            entry.previous_hash = previous
            values = [getattr(entry, name) for name in CONTENT[log]]
            entry.entry_hash = previous = entry_hash(log, previous, values)
        LOGS[log]._default_manager.bulk_create(rows)
        ChainHead.objects.filter(log=log).update(
            entries=F("entries") + len(rows), last_hash=previous
        )
    return rows


def chain_rows(log: str, rows: Iterable[Sequence[Any]], start: str = GENESIS) -> list[str]:
    """The hashes of consecutive rows of content values (for the migration of old rows)."""
    hashes: list[str] = []
    previous = start
    for values in rows:
        previous = entry_hash(log, previous, values)
        hashes.append(previous)
    return hashes


@dataclass
class ChainReport:
    log: str
    entries: int = 0
    archived: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _checkpoints(log: str) -> list[LogCheckpoint]:
    return list(LogCheckpoint.objects.filter(log=log).order_by("last_sequence"))


def verify(log: str, most_problems: int = 20) -> ChainReport:
    """Walk the chain `log` in id order from its latest checkpoint and report every break
    (at most `most_problems`); the checkpoints must link one to the next."""
    report = ChainReport(log)
    name = LOG_NAMES[log]
    previous = GENESIS
    archived = 0
    for checkpoint in _checkpoints(log):
        if checkpoint.previous_hash != previous or checkpoint.open:
            report.problems.append(
                f"{name}的归档检查点 {checkpoint.archive} 被删除、改动或未完成。"
            )
        previous = checkpoint.last_hash
        archived += checkpoint.entries
    report.archived = archived
    rows = (
        LOGS[log]
        ._default_manager.order_by("id")
        .values_list("id", "previous_hash", "entry_hash", *CONTENT[log])
        .iterator(chunk_size=5000)
    )
    for entry_id, stored_previous, stored_hash, *values in rows:
        report.entries += 1
        if stored_previous != previous:
            report.problems.append(f"{name}编号 {entry_id} 之前的记录被删除或调换。")
        if entry_hash(log, stored_previous, values) != stored_hash:
            report.problems.append(f"{name}编号 {entry_id} 的内容被改动。")
        previous = stored_hash
        if len(report.problems) >= most_problems:
            return report
    head = ChainHead.objects.get(log=log)
    total = archived + report.entries
    if not report.problems and head.entries != total:
        report.problems.append(
            f"{name}末尾有 {head.entries - total} 条记录被删除。"
            if head.entries > total
            else f"{name}的记录（{total} 条）多于链尾所计（{head.entries} 条）。"
        )
    elif not report.problems and (head.last_hash or GENESIS) != previous:
        report.problems.append(f"{name}的最后一条记录被替换。")
    return report


def archive_dir() -> Path:
    return Path(settings.DATA_DIR) / "log_archives"


def _archive_line(log: str, entry_id: int, previous: str, own: str, values: Sequence[Any]) -> str:
    content = {
        name: _text(name, value) if name == "at" else value
        for name, value in zip(CONTENT[log], values, strict=True)
    }
    record = {"id": entry_id, "previous_hash": previous, "entry_hash": own, **content}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _archived_entries(log: str, path: Path) -> Iterator[tuple[int, str, str, list[Any]]]:
    """(id, previous hash, own hash, content values) of each entry in an archive file."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            values = [record[name] for name in CONTENT[log]]
            values[0] = dt.datetime.fromisoformat(values[0])
            yield record["id"], record["previous_hash"], record["entry_hash"], values


@dataclass
class PruneReport:
    """What a prune did (or, for a dry run, would do) to one log."""

    log: str
    before: dt.datetime
    entries: int
    first_sequence: int | None
    last_sequence: int | None
    archive: str
    dry_run: bool


def prune(
    actor: User,
    log: str,
    dry_run: bool = True,
    now: dt.datetime | None = None,
    before: dt.datetime | None = None,
    remove: Callable[[int], None] | None = None,
) -> PruneReport:
    """Move the entries of `log` older than its retention into a sealed archive and delete
    them (see the module). Only an intact chain is archived; all or nothing. A partitioned
    log (core/partitions.py) cuts at an earlier `before`, the start of a month, and
    `remove(last archived id)` drops the months' partitions before the rows left are
    deleted, all in the prune's transaction."""
    require(actor, Capability.MANAGE_SECURITY)
    years = getattr(settings, RETENTION_YEARS[log])
    if years < 1:
        raise DomainError(f"{LOG_NAMES[log]}的保存年限至少为 1 年（{RETENTION_YEARS[log]}）。")
    latest_allowed = years_before(now or timezone.now(), years)
    before = latest_allowed if before is None else min(before, latest_allowed)
    model = LOGS[log]._default_manager
    with transaction.atomic():
        # Appends wait, so the archive, the checkpoint and the deletion are one cut.
        ChainHead.objects.get_or_create(log=log)
        ChainHead.objects.select_for_update().get(log=log)
        kept_from = model.filter(at__gte=before).order_by("pk").values_list("pk", flat=True)
        # The chain is archived as a prefix: up to the first entry that is still kept.
        first_kept = kept_from.first()
        expired = model.all() if first_kept is None else model.filter(pk__lt=first_kept)
        figures = expired.aggregate(count=Count("pk"), first=Min("pk"), last=Max("pk"))
        first, last = figures["first"], figures["last"]
        report = PruneReport(log, before, figures["count"], first, last, "", dry_run)
        if dry_run or first is None or last is None:
            return report
        latest = LogCheckpoint.objects.filter(log=log).order_by("-last_sequence").first()
        start = latest.last_hash if latest else GENESIS
        report.archive = f"{log}-{first:012d}-{last:012d}.jsonl.gz"
        path = archive_dir() / report.archive
        try:
            last_hash = _write_archive(log, expired, start, path)
            checkpoint = LogCheckpoint.objects.create(
                log=log,
                previous_hash=start,
                last_sequence=last,
                last_hash=last_hash,
                entries=report.entries,
                archive=report.archive,
                archive_sha256=file_sha256(path),
                created_by=actor,
            )
            if remove is not None:
                remove(last)
            expired.delete()
            LogCheckpoint.objects.filter(pk=checkpoint.pk).update(open=False)
            append(
                "audit",
                actor=actor,
                action="prune_log",
                object_type="LogCheckpoint",
                object_id=checkpoint.pk,
                changes={
                    "日志": LOG_NAMES[log],
                    "截止": before.date().isoformat(),
                    "条数": report.entries,
                    "归档文件": report.archive,
                },
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return report


def _write_archive(log: str, rows: Any, start: str, path: Path) -> str:
    """Write the rows to a new archive file, checking the chain as they go; the last hash."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    previous = start
    # A file of this name is a crashed prune's leftover: no checkpoint names it (its
    # entries are still in the database), so it is replaced.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, ARCHIVE_MODE)
    with (
        open(descriptor, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as compressed,
        io.TextIOWrapper(compressed, encoding="utf-8") as out,
    ):
        values_list = rows.order_by("id").values_list(
            "id", "previous_hash", "entry_hash", *CONTENT[log]
        )
        for entry_id, stored_previous, stored_hash, *values in values_list.iterator(5000):
            if stored_previous != previous or entry_hash(log, previous, values) != stored_hash:
                raise DomainError(
                    f"{LOG_NAMES[log]}编号 {entry_id} 处哈希链不完整，不能归档："
                    "请先用 jiuzhu audit verify 查明并报告。"
                )
            out.write(_archive_line(log, entry_id, stored_previous, stored_hash, values))
            previous = stored_hash
    return previous


def verify_archives(log: str) -> list[str]:
    """Check every archive of `log` against its checkpoint: the file's digest, the count,
    each entry's hash and link, and the hashes it starts from and ends with."""
    problems: list[str] = []
    name = LOG_NAMES[log]
    for checkpoint in _checkpoints(log):
        path = archive_dir() / checkpoint.archive
        if not path.exists():
            problems.append(f"{name}归档文件 {checkpoint.archive} 不存在。")
            continue
        if file_sha256(path) != checkpoint.archive_sha256:
            problems.append(f"{name}归档文件 {checkpoint.archive} 的摘要不符：文件被改动。")
            continue
        previous = checkpoint.previous_hash
        walked: tuple[int, int | None] = (0, None)  # entries read, the last one's id
        entries = _archived_entries(log, path)
        for count, (entry_id, stored_previous, stored_hash, values) in enumerate(entries, 1):
            if stored_previous != previous or entry_hash(log, previous, values) != stored_hash:
                problems.append(f"{name}归档文件 {checkpoint.archive} 中编号 {entry_id} 不符。")
                break
            previous, walked = stored_hash, (count, entry_id)
        else:
            if (*walked, previous) != (
                checkpoint.entries,
                checkpoint.last_sequence,
                checkpoint.last_hash,
            ):
                problems.append(f"{name}归档文件 {checkpoint.archive} 与检查点不符。")
    return problems
