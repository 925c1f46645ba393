"""The audit trail and the access log as hash chains: tamper-evident, append-only.

Each entry stores the previous entry's hash and its own: SHA-256 over the previous hash and
the entry's content (time, who, what). Changing a row breaks its own hash; removing a row
breaks the next row's link; removing the last rows shows against `ChainHead`, which counts
the entries. The database refuses updates of both logs (and deletes, on PostgreSQL; on
SQLite Django's test flush deletes, and the chain still reveals a removal). `jiuzhu audit
verify` walks both chains. Appending takes the head's row lock, so concurrent writers
extend the chain one after another.
"""

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F

from jiuzhu.core.models import AccessLog, AuditEntry, ChainedEntry, ChainHead

GENESIS = "0" * 64
LOGS: dict[str, type[ChainedEntry]] = {"audit": AuditEntry, "access": AccessLog}
LOG_NAMES = {"audit": "操作记录", "access": "访问日志"}
# The content each hash covers, in this order.
CONTENT: dict[str, tuple[str, ...]] = {
    "audit": ("at", "actor_id", "action", "object_type", "object_id", "changes"),
    "access": ("at", "user_id", "channel", "object_type", "object_id", "household_id", "ip"),
}


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
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(log: str, most_problems: int = 20) -> ChainReport:
    """Walk the chain `log` in id order and report every break (at most `most_problems`)."""
    report = ChainReport(log)
    name = LOG_NAMES[log]
    previous = GENESIS
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
    if not report.problems and head.entries != report.entries:
        report.problems.append(
            f"{name}末尾有 {head.entries - report.entries} 条记录被删除。"
            if head.entries > report.entries
            else f"{name}的记录（{report.entries} 条）多于链尾所计（{head.entries} 条）。"
        )
    elif not report.problems and (head.last_hash or GENESIS) != previous:
        report.problems.append(f"{name}的最后一条记录被替换。")
    return report
