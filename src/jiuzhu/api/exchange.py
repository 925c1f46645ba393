"""File exchange with the provincial (city) platform, as docs/exchange.md describes it.

Outbound: a month's recipients and payments as UTF-8 CSV files with a JSON manifest
(schema version, row counts, SHA-256), written to a new directory readable by the owner
only (files 0600), all or nothing. Inbound: the province's list of recipients across
counties, validated whole before anything is kept; only what concerns this county is
stored — the persons receiving here who are also listed by another county — for the
cross-county duplicate check page.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jiuzhu.api import sharing
from jiuzhu.api.models import CrossCountyMatch, ProvincialList
from jiuzhu.cases.models import RecipientStatus
from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import PREFIX_LENGTH, RegionLevel, User
from jiuzhu.core.money import plain_yuan
from jiuzhu.core.permissions import require
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.payments.models import line_ref
from jiuzhu.registry import selectors as registry
from jiuzhu.registry.duplicates.merge import flag_registered_elsewhere
from jiuzhu.registry.models import Membership

SCHEMA_VERSION = 1
CHUNK = 2000
RECIPIENT_COLUMNS = (
    "recipient_id",
    "programme",
    "status",
    "region_code",
    "id_number",
    "name",
    "members_covered",
    "monthly_amount",
    "start_month",
    "end_month",
)
PAYMENT_COLUMNS = (
    "line_ref",
    "month",
    "for_month",
    "programme",
    "region_code",
    "recipient_id",
    "id_number",
    "name",
    "amount",
    "result",
)
PROVINCIAL_COLUMNS = ("id_number", "name", "county_code", "programme", "month")
MOST_ERRORS = 20
_COUNTY = re.compile(r"^[0-9]{6}$")
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def exchange_dir() -> Path:
    return Path(settings.DATA_DIR) / "exchange"


def _month(day: dt.date | None) -> str:
    return f"{day:%Y-%m}" if day is not None else ""


# --- outbound -----------------------------------------------------------------------------


def _recipient_rows(actor: User, month: dt.date) -> Iterator[tuple[Any, ...]]:
    """One row per person a recipient covers (the recipient's amount on each of its rows)."""
    rows = sharing.recipients(actor, month).order_by("pk")
    last = 0
    while page := list(rows.filter(pk__gt=last)[:CHUNK]):
        last = page[-1].pk
        people = sharing.covered_persons(page)
        for r in page:
            for person in people[r.pk]:
                yield (
                    r.pk,
                    r.programme,
                    r.status,
                    r.region_code,
                    person.id_number,
                    person.name,
                    r.members_covered,
                    f"{r.monthly_amount:.2f}",
                    _month(r.start_month),
                    _month(r.end_month),
                )


def _payment_rows(actor: User, month: dt.date) -> Iterator[tuple[Any, ...]]:
    lines = sharing.payment_lines(actor, month).order_by("pk")
    for line in lines.iterator(chunk_size=CHUNK):
        result = getattr(line, "result", None)
        yield (
            line_ref(line.payroll_id, line.line_no),
            _month(line.payroll.month),
            _month(line.for_month),
            line.programme,
            line.region_code,
            line.recipient_id,
            line.id_number,
            line.payee_name,
            plain_yuan(line.net_fen),
            result.status if result is not None else "pending",
        )


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """Write a CSV readable by the owner only; its manifest entry."""
    digest, count = hashlib.sha256(), 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
            if buffer.tell() > 1 << 20:
                _flush(buffer, out, digest)
        _flush(buffer, out, digest)
    return {"name": path.name, "rows": count, "sha256": digest.hexdigest(), "columns": columns}


def _flush(buffer: io.StringIO, out: Any, digest: Any) -> None:
    text = buffer.getvalue()
    out.write(text)
    digest.update(text.encode("utf-8"))
    buffer.seek(0)
    buffer.truncate()


def export_month(actor: User, month: dt.date, target: Path | None = None) -> Path:
    """Write the month's exchange files into a new directory (default: the data
    directory's exchange/<county>-<YYYY-MM>/) and return it; nothing is left behind when
    anything fails."""
    require(actor, Capability.VIEW_PAYROLL)
    if actor.region is None or actor.region.level != RegionLevel.COUNTY:
        raise DomainError("交换文件按全县导出，须由县级工作人员导出。")
    county = actor.region.code[: PREFIX_LENGTH[RegionLevel.COUNTY]]
    target = target or exchange_dir() / f"{county}-{month:%Y-%m}"
    if target.exists():
        raise DomainError(f"{target} 已存在：交换文件一经导出不再覆盖，请换一个目录。")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".exchange-", dir=target.parent))
    try:
        files = [
            _write_csv(work / "recipients.csv", RECIPIENT_COLUMNS, _recipient_rows(actor, month)),
            _write_csv(work / "payments.csv", PAYMENT_COLUMNS, _payment_rows(actor, month)),
        ]
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "county_code": county,
            "month": f"{month:%Y-%m}",
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "files": files,
        }
        fd = os.open(work / "manifest.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(manifest, out, ensure_ascii=False, indent=2)
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    record_audit(
        actor,
        "export_exchange",
        actor.region,
        {"month": f"{month:%Y-%m}", "rows": {f["name"]: f["rows"] for f in files}},
    )
    return target


# --- inbound ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedRecipient:
    id_number: str
    name: str
    county_code: str
    programme: str
    month: dt.date


def parse_provincial_list(content: bytes) -> list[ListedRecipient]:
    """Every row of the province's CSV, or a DomainError naming the first problems."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("文件应为 UTF-8 编码的 CSV。") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != PROVINCIAL_COLUMNS:
        raise DomainError(f"表头应为：{','.join(PROVINCIAL_COLUMNS)}。")
    rows: list[ListedRecipient] = []
    errors: list[str] = []
    for line, raw in enumerate(reader, start=2):
        cells = [cell.strip() for cell in raw]
        problem = _row_problem(cells)
        if problem:
            errors.append(f"第{line}行：{problem}")
            continue
        id_number, name, county, programme, month = cells
        rows.append(
            ListedRecipient(
                idnumber.normalise(id_number),
                name,
                county,
                programme,
                dt.date(int(month[:4]), int(month[5:]), 1),
            )
        )
    if errors:
        more = f"等共{len(errors)}处错误" if len(errors) > MOST_ERRORS else ""
        raise DomainError("；".join(errors[:MOST_ERRORS]) + more + "。未导入任何内容。")
    if not rows:
        raise DomainError("文件中没有任何救助对象。")
    return rows


def _row_problem(cells: list[str]) -> str:
    if len(cells) != len(PROVINCIAL_COLUMNS):
        return f"应有{len(PROVINCIAL_COLUMNS)}列，实有{len(cells)}列"
    id_number, name, county, programme, month = cells
    if not idnumber.is_valid(id_number):
        return "身份证号无效（位数或校验码不符）"
    if not name or len(name) > 40:
        return "姓名为空或超过40字"
    if not _COUNTY.match(county):
        return "县级区划代码应为6位数字"
    if programme not in Programme.values:
        return f"救助项目“{programme}”不是有效的项目代码"
    if not _MONTH.match(month):
        return "月份格式应为 YYYY-MM"
    return ""


def import_provincial_list(actor: User, file_name: str, content: bytes) -> ProvincialList:
    """Keep, from the province's list, the persons receiving assistance here in the same
    month who are listed by another county (all rows checked first; nothing kept on error)."""
    require(actor, Capability.VIEW_PAYROLL)
    if actor.region is None or actor.region.level != RegionLevel.COUNTY:
        raise DomainError("省级名单由县级工作人员导入。")
    sha256 = hashlib.sha256(content).hexdigest()
    if ProvincialList.objects.filter(sha256=sha256).exists():
        raise DomainError("该文件已经导入过。")
    rows = parse_provincial_list(content)
    county = actor.region.code[: PREFIX_LENGTH[RegionLevel.COUNTY]]
    elsewhere = [row for row in rows if row.county_code != county]
    here = _receiving_here(actor, elsewhere)
    with transaction.atomic():
        listing = ProvincialList.objects.create(
            file_name=file_name[:200],
            sha256=sha256,
            rows=len(rows),
            rows_elsewhere=len(elsewhere),
            imported_by=actor,
        )
        matches = CrossCountyMatch.objects.bulk_create(
            CrossCountyMatch(
                listing=listing,
                other_county_code=row.county_code,
                other_programme=row.programme,
                month=row.month,
                **found,
            )
            for row in elsewhere
            for found in here.get((row.id_number, row.month), [])
        )
        listing.matches = len(matches)
        # The registry flags these persons as registered in another county.
        flag_registered_elsewhere((m.person_id, m.other_county_code, m.month) for m in matches)
        listing.save(update_fields=["matches"])
        record_audit(actor, "import_provincial_list", listing, {"rows": len(rows)})
    return listing


def _receiving_here(
    actor: User, rows: list[ListedRecipient]
) -> dict[tuple[str, dt.date], list[dict[str, Any]]]:
    """For each (ID number, month) of the rows, the recipients here covering that person in
    that month: person, household, region and programme."""
    persons = registry.persons_with_id_numbers({row.id_number for row in rows})
    if not persons:
        return {}
    by_pk = {person.pk: number for number, person in persons.items()}
    households = dict(
        Membership.objects.filter(
            person_id__in=by_pk, end_date__isnull=True, co_resident=True
        ).values_list("person_id", "household_id")
    )
    listed_in: dict[int, list[int]] = {}
    for person_id, household_id in households.items():
        listed_in.setdefault(household_id, []).append(person_id)
    months = {row.month for row in rows}
    found: dict[tuple[str, dt.date], list[dict[str, Any]]] = {}
    for month in months:
        # Receiving that month: in the programme then (ended later included), not suspended.
        recipients = (
            sharing.recipients(actor, month)
            .exclude(status=RecipientStatus.SUSPENDED)
            .filter(_covering(by_pk, households))
        )
        for r in recipients:
            covered = [r.person_id] if r.person_id else listed_in.get(r.household_id, [])
            for pk in covered:
                found.setdefault((by_pk[pk], month), []).append(
                    {
                        "person_id": pk,
                        "household_id": r.household_id,
                        "region_code": r.region_code,
                        "programme": r.programme,
                    }
                )
    return found


def _covering(persons: dict[int, str], households: dict[int, int]) -> Q:
    """Recipients for one of the persons, or for a household one of them lives in."""
    return Q(person_id__in=persons) | Q(
        person__isnull=True, household_id__in=set(households.values())
    )
