"""Writes of the core app: audit entries, access log, regions, calendar overrides."""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from jiuzhu.core import audit_chain
from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import NUL
from jiuzhu.core.models import (
    PREFIX_LENGTH,
    AuditEntry,
    Region,
    RegionLevel,
    User,
    WorkingDayOverride,
)
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability


def record_audit(
    actor: User | None,
    action: str,
    obj: Any,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry (who, what, which object, the changes) for a write."""
    entry = audit_chain.append(
        "audit",
        actor=actor,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "pk", None),
        changes=dict(changes or {}),
    )
    assert isinstance(entry, AuditEntry)
    return entry


def client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def log_access(
    user: User,
    channel: str,
    object_type: str,
    object_id: int,
    household_id: int | None,
    request: HttpRequest | None = None,
) -> None:
    """Record that a user opened a household or person file (page or API), with the address."""
    log_accesses(user, channel, object_type, [(object_id, household_id)], request)


def log_accesses(
    user: User,
    channel: str,
    object_type: str,
    records: Iterable[tuple[int, int | None]],
    request: HttpRequest | None = None,
) -> None:
    """Record that a user read these records (id, household id) at once, e.g. a page of
    shared data: one access-log entry per record, so an auditor finds each household."""
    ip = client_ip(request)
    audit_chain.append_many(
        "access",
        [
            {
                "user": user,
                "channel": channel,
                "object_type": object_type,
                "object_id": object_id,
                "household_id": household_id,
                "ip": ip,
            }
            for object_id, household_id in records
        ],
    )


REGION_CSV_COLUMNS = ("code", "name", "level", "parent_code", "is_urban")
# The same file as staff write it: Chinese headers, levels by name (县、镇、村).
REGION_CSV_HEADERS = {
    "区划代码": "code",
    "名称": "name",
    "层级": "level",
    "上级区划代码": "parent_code",
    "是否城镇": "is_urban",
}
REGION_LEVEL_NAMES = {
    **{label: value for value, label in RegionLevel.choices},
    "县": RegionLevel.COUNTY,
    "镇": RegionLevel.TOWN,
    "乡": RegionLevel.TOWN,
    "街道": RegionLevel.TOWN,
    "村": RegionLevel.VILLAGE,
    "社区": RegionLevel.VILLAGE,
}


def import_regions(rows: Iterable[Mapping[str, str]], actor: User | None = None) -> int:
    """Load a region tree (code, name, level, parent_code, is_urban). All rows or none.

    Rows may come in any order; existing codes are updated in place.
    """
    parsed: list[dict[str, Any]] = []
    errors: list[str] = []
    for line, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        level = (row.get("level") or "").strip()
        level = REGION_LEVEL_NAMES.get(level, level)
        parent_code = (row.get("parent_code") or "").strip()
        if not (len(code) == 12 and code.isdigit()):
            errors.append(f"第{line}行：区划代码应为12位数字。")
            continue
        if not name or len(name) > 60:
            errors.append(f"第{line}行：名称为空或过长。")
            continue
        if level not in RegionLevel.values:
            errors.append(f"第{line}行：层级应为 县、镇 或 村。")
            continue
        if level != RegionLevel.COUNTY and not parent_code:
            errors.append(f"第{line}行：缺少上级区划代码。")
            continue
        if parent_code and not code.startswith(
            parent_code[: PREFIX_LENGTH[RegionLevel(level)] - 3]
        ):
            errors.append(f"第{line}行：区划代码与上级区划不一致。")
            continue
        is_urban = (row.get("is_urban") or "").strip().lower() in {"1", "true", "yes", "是"}
        parsed.append(
            {"code": code, "name": name, "level": level, "parent": parent_code, "urban": is_urban}
        )
    if errors:
        raise DomainError("区划导入失败：" + " ".join(errors[:20]))
    order = {RegionLevel.COUNTY: 0, RegionLevel.TOWN: 1, RegionLevel.VILLAGE: 2}
    parsed.sort(key=lambda row: order[row["level"]])
    with transaction.atomic():
        known = {r.code: r for r in Region.objects.all()}
        for item in parsed:
            parent = known.get(item["parent"]) if item["parent"] else None
            if item["parent"] and parent is None:
                raise DomainError(f"区划导入失败：找不到上级区划 {item['parent']}。")
            region, _ = Region.objects.update_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "level": item["level"],
                    "parent": parent,
                    "is_urban": item["urban"],
                },
            )
            known[region.code] = region
        record_audit(actor, "import_regions", Region(), {"rows": len(parsed)})
    return len(parsed)


def import_regions_csv(text: str, actor: User | None = None) -> int:
    """Regions from a CSV text (code,name,level,parent_code,is_urban); all or nothing."""
    if NUL in text:
        raise DomainError("区划导入失败：文件含有空字符（\\0），请检查是否为CSV文本文件。")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    reader.fieldnames = [
        REGION_CSV_HEADERS.get(name.strip(), name.strip()) for name in reader.fieldnames or []
    ]
    names = {column: header for header, column in REGION_CSV_HEADERS.items()}
    missing = [c for c in REGION_CSV_COLUMNS[:4] if c not in reader.fieldnames]
    if missing:
        raise DomainError("区划导入失败：缺少列 " + "、".join(names[c] for c in missing) + "。")
    return import_regions(reader, actor)


def set_working_day_override(
    actor: User, day: dt.date, is_working_day: bool, note: str
) -> WorkingDayOverride:
    """Mark a date as a working day or a day off, overriding the official calendar (audited)."""
    require(actor, Capability.MANAGE_CALENDAR)
    note = note.strip()
    if not note:
        raise DomainError("请填写调整依据（如国务院办公厅通知）。", field="note")
    with transaction.atomic():
        override, created = WorkingDayOverride.objects.update_or_create(
            date=day,
            defaults={"is_working_day": is_working_day, "note": note[:100], "created_by": actor},
        )
        record_audit(
            actor,
            "set_working_day" if created else "change_working_day",
            override,
            {"date": day.isoformat(), "is_working_day": is_working_day, "note": note},
        )
    return override


def delete_working_day_override(actor: User, override_id: int) -> None:
    """Remove an override: the official calendar applies to that date again (audited)."""
    require(actor, Capability.MANAGE_CALENDAR)
    with transaction.atomic():
        override = WorkingDayOverride.objects.filter(pk=override_id).first()
        if override is None:
            raise DomainError("该调整不存在。")
        record_audit(actor, "delete_working_day", override, {"date": override.date.isoformat()})
        override.delete()
