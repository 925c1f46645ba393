"""Writes of the working funds (工作经费): each town's budget lines by what they pay for
(staff, purchased services, training, the platform), and the spending out of them, each
entry with its voucher (docs/policy/county-opinions.md#capacity)."""

import datetime as dt
import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from jiuzhu.cases.services import FILE_SIGNATURES, MAX_UPLOAD_BYTES
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.funds.models import WorkingBudget, WorkingFundKind, WorkingSpending


def evidence_root() -> Path:
    """Where the vouchers are kept: outside the web root, served by a view that checks the
    area."""
    return Path(settings.DATA_DIR) / "uploads" / "funds"


def _town(town: Region) -> None:
    if town.level != RegionLevel.TOWN:
        raise DomainError("工作经费按乡镇（街道）设置。", field="town")


def _kind(kind: str) -> WorkingFundKind:
    if kind not in WorkingFundKind.values:
        raise DomainError("请选择经费类别。", field="kind")
    return WorkingFundKind(kind)


def set_working_budget(
    actor: User, year: int, town: Region, kind: str, amount_fen: int, note: str = ""
) -> WorkingBudget:
    """Set (or change) a town's working-funds budget line of a year."""
    require(actor, Capability.MANAGE_BUDGETS)
    if not 2000 <= year <= 2100:
        raise DomainError("年度不正确。", field="year")
    _town(town)
    _kind(kind)
    if amount_fen < 0:
        raise DomainError("预算金额不能为负数。", field="amount")
    with transaction.atomic():
        line, created = WorkingBudget.objects.update_or_create(
            year=year,
            town=town,
            kind=kind,
            defaults={
                "town_code": town.code,
                "amount_fen": amount_fen,
                "note": note.strip()[:200],
                "updated_by": actor,
            },
        )
        record_audit(
            actor,
            "set_working_budget" if created else "change_working_budget",
            line,
            {"year": year, "town": town.code, "kind": kind, "amount_fen": amount_fen},
        )
    return line


def _voucher(upload: UploadedFile | None) -> tuple[bytes, str, str]:
    """The voucher's bytes, content type and extension: a JPG, PNG or PDF scan, recognised
    by its first bytes, refused before anything is written."""
    if upload is None:
        raise DomainError("请上传支出凭证（发票、合同或签收单的扫描件）。", field="evidence")
    size = upload.size or 0
    if size == 0 or size > MAX_UPLOAD_BYTES:
        raise DomainError(
            f"凭证“{upload.name}”为空或超过{MAX_UPLOAD_BYTES // 1024 // 1024}MB。",
            field="evidence",
        )
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    for signature, (content_type, extension) in FILE_SIGNATURES.items():
        if content.startswith(signature):
            return content, content_type, extension
    raise DomainError(
        f"凭证“{upload.name}”的格式不被接受，只能上传JPG、PNG图片或PDF。", field="evidence"
    )


def record_spending(
    actor: User,
    town: Region,
    kind: str,
    spent_on: dt.date,
    amount_fen: int,
    purpose: str,
    evidence: UploadedFile | None,
    voucher_no: str = "",
) -> WorkingSpending:
    """A payment out of a town's working funds, within its budget line of the year."""
    require(actor, Capability.RECORD_WORKING_FUNDS)
    _town(town)
    require_area(actor, town.code)
    label = _kind(kind).label
    if amount_fen <= 0:
        raise DomainError("支出金额应大于0。", field="amount")
    if spent_on > timezone.localdate():
        raise DomainError("支出日期不能晚于今天。", field="spent_on")
    purpose = purpose.strip()
    if not purpose:
        raise DomainError("请填写用途与收款方。", field="purpose")
    content, content_type, extension = _voucher(evidence)
    name = Path(getattr(evidence, "name", "") or "voucher").name[:120]
    with transaction.atomic():
        # The town's line is locked: two entries at once cannot both fit in what is left.
        line = (
            WorkingBudget.objects.select_for_update()
            .filter(year=spent_on.year, town=town, kind=kind)
            .first()
        )
        if line is None:
            raise DomainError(f"{town.name}{spent_on.year}年没有{label}预算，不能登记支出。")
        spent = (
            WorkingSpending.objects.filter(
                town=town, kind=kind, spent_on__year=spent_on.year
            ).aggregate(total=Sum("amount_fen"))["total"]
            or 0
        )
        if spent + amount_fen > line.amount_fen:
            raise DomainError(
                f"{label}预算余额 {format_yuan(line.amount_fen - spent)} 元，"
                f"不足支出 {format_yuan(amount_fen)} 元。",
                field="amount",
            )
        relative = Path(town.code) / f"{uuid.uuid4().hex}{extension}"
        target = evidence_root() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        entry = WorkingSpending.objects.create(
            town=town,
            town_code=town.code,
            kind=kind,
            spent_on=spent_on,
            amount_fen=amount_fen,
            purpose=purpose[:200],
            voucher_no=voucher_no.strip()[:40],
            evidence_path=str(relative),
            evidence_name=name,
            evidence_type=content_type,
            evidence_sha256=hashlib.sha256(content).hexdigest(),
            recorded_by=actor,
        )
        record_audit(
            actor,
            "record_working_spending",
            entry,
            {"town": town.code, "kind": kind, "amount_fen": amount_fen},
        )
    return entry
