"""Every write of verification: authorisations, extract imports, jobs.

Rules broken raise DomainError (Chinese); permission failures raise PermissionError.
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.months import long_date, long_moment
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.registry.models import Household, Membership, Person
from jiuzhu.registry.selectors import households_in_scope
from jiuzhu.verification import importer, poverty
from jiuzhu.verification.models import (
    Authorisation,
    Engine,
    ExtractChannel,
    ExtractImport,
    ExtractStatus,
    JobScope,
    JobStatus,
    VerificationJob,
)
from jiuzhu.verification.sources import get_source


def data_dir() -> Path:
    return Path(settings.DATA_DIR) / "verification"


def extracts_dir() -> Path:
    return Path(settings.DATA_DIR) / "extracts"


# ------------------------------------------------------------------ authorisation


NO_SIGNED_DOCUMENT = "核对授权书须有家庭成员签字的授权书扫描件，不能只勾选确认。"
NO_SIGNER = "请注明授权书的签字人（须为该户的现有成员）。"
NOT_CHECKED = "该家庭的核对授权书尚未经负责的镇（街道）核验，不能核对。"
NO_DEPARTMENT_DATA = "尚未导入任何部门的核对数据，无法核对：请先由部门数据专员导入数据。"


def record_authorisation(
    actor: User,
    household: Household,
    signed_on: dt.date,
    *,
    signed_by: Person | None = None,
    document: str = "",
    document_sha256: str = "",
    notes: str = "",
    covers_legal_supporters: bool = False,
    at_intake: bool = False,
) -> Authorisation:
    """Record the household's signed 授权书: the stored scan (path and SHA-256), the member
    who signed it and when. It counts only once the town responsible has checked it
    (`check_authorisations`).

    At intake any town's window may record it (就近能办): the case's intake checks apply.
    """
    require(actor, Capability.EDIT_HOUSEHOLDS)
    if not at_intake and not households_in_scope(actor).filter(pk=household.pk).exists():
        raise DomainError("该家庭不在您的管辖范围内。")
    if not document.strip() or not document_sha256.strip():
        raise DomainError(NO_SIGNED_DOCUMENT, field="document")
    current = Membership.objects.filter(household=household, end_date__isnull=True)
    if signed_by is None or not current.filter(person=signed_by).exists():
        raise DomainError(NO_SIGNER, field="signed_by")
    if signed_on > timezone.localdate():
        raise DomainError("授权书签署日期不能晚于今天。", field="signed_on")
    with transaction.atomic():
        authorisation = Authorisation.objects.create(
            household=household,
            signed_on=signed_on,
            signed_by=signed_by,
            document=document.strip()[:200],
            document_sha256=document_sha256.strip()[:64],
            notes=notes.strip()[:200],
            covers_legal_supporters=covers_legal_supporters,
            recorded_by=actor,
        )
        record_audit(
            actor,
            "record_authorisation",
            household,
            {
                "signed_on": signed_on.isoformat(),
                "signed_by": signed_by.pk,
                "sha256": authorisation.document_sha256,
                "legal_supporters": covers_legal_supporters,
            },
        )
    return authorisation


def check_authorisations(actor: User, household: Household) -> int:
    """The town responsible has checked the household's signed 授权书 against the scan
    (the reviewer: never a window outside the household's area); returns how many."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    if not households_in_scope(actor).filter(pk=household.pk).exists():
        raise DomainError("该家庭不在您的管辖范围内。")
    with transaction.atomic():
        count = Authorisation.objects.filter(
            household=household, revoked_at__isnull=True, checked_at__isnull=True
        ).update(checked_by=actor, checked_at=timezone.now())
        if count:
            record_audit(actor, "check_authorisation", household, {"count": count})
    return count


def revoke_authorisation(actor: User, household: Household) -> int:
    """Revoke the household's active authorisations; returns how many were revoked."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    if not households_in_scope(actor).filter(pk=household.pk).exists():
        raise DomainError("该家庭不在您的管辖范围内。")
    with transaction.atomic():
        count = Authorisation.objects.filter(household=household, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        record_audit(actor, "revoke_authorisation", household, {"count": count})
    return count


def authorised(households: QuerySet[Household]) -> QuerySet[Household]:
    """The households with a signed authorisation, checked and not revoked."""
    active = Authorisation.objects.filter(
        household=OuterRef("pk"), revoked_at__isnull=True, checked_at__isnull=False
    )
    return households.filter(Exists(active))


# ------------------------------------------------------------------ extracts


@dataclass
class ImportOutcome:
    extract: ExtractImport
    message: str


def _latest_accepted_date(source: str) -> dt.date | None:
    return ExtractImport.objects.filter(source=source, status=ExtractStatus.ACCEPTED).aggregate(
        latest=Max("extract_date")
    )["latest"]


def _check_not_older(source: str, extract_date: dt.date) -> None:
    latest = _latest_accepted_date(source)
    if latest is not None and extract_date < latest:
        raise DomainError(
            f"该数据截止日期（{long_date(extract_date)}）早于已导入的最新数据"
            f"（{long_date(latest)}），不予导入。"
        )


class OnErrors(StrEnum):
    """What import_extract does with a file that has bad rows."""

    ASK = "ask"  # leave it pending the officer's choice (the pages)
    REJECT = "reject"  # reject the whole file at once
    KEEP_VALID = "keep_valid"  # keep its valid rows at once (the API, the demo)


def _refuse_repeated(sha256: str) -> None:
    existing = ExtractImport.objects.filter(
        sha256=sha256, status__in=[ExtractStatus.PENDING, ExtractStatus.ACCEPTED]
    ).first()
    if existing is not None:
        raise DomainError(f"该文件已于{long_moment(existing.imported_at)}导入，未重复导入。")


def _extract_fields(
    actor: User,
    source_code: str,
    extract_date: dt.date,
    path: Path,
    file_name: str,
    channel: str,
    result: importer.ValidationResult,
) -> dict[str, Any]:
    """The ExtractImport's fields that record the file and its validation."""
    return {
        "source": source_code,
        "extract_date": extract_date,
        "file_name": file_name[:200],
        "file_size": path.stat().st_size,
        "sha256": result.sha256,
        "encoding": result.encoding,
        "channel": channel,
        "rows_total": result.rows_total,
        "rows_valid": result.rows_valid,
        "rows_invalid": result.rows_invalid,
        "error_count": result.error_count,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors],
        "imported_by": actor,
    }


def _decided(actor: User, extract: ExtractImport, on_errors: OnErrors) -> ImportOutcome:
    """A pending extract kept or rejected at once when `on_errors` (or no error) says so."""
    if extract.error_count == 0 or on_errors == OnErrors.KEEP_VALID:
        with transaction.atomic():
            decide_extract(actor, extract.pk, keep_valid=True)
            extract.refresh_from_db()
            # A complete list (the poverty bureau's) sets and ends the households' flags.
            listed = (
                poverty.apply_extract(actor, extract)
                if get_source(extract.source).complete_list
                else None
            )
        kept = f"已导入 {extract.rows_valid:,} 行。"
        if extract.error_count:
            kept += f" 另有 {extract.rows_invalid:,} 行有错误，已舍弃。"
        if listed is not None:
            kept += listed.message
        return ImportOutcome(extract, kept)
    if on_errors == OnErrors.REJECT:
        decide_extract(actor, extract.pk, keep_valid=False)
        extract.refresh_from_db()
        return ImportOutcome(extract, f"文件有 {extract.rows_invalid:,} 行错误，已整体退回。")
    return ImportOutcome(
        extract,
        f"文件有 {extract.rows_invalid:,} 行错误、{extract.rows_valid:,} 行有效，"
        "请选择整体退回或仅导入有效行。",
    )


def _incomplete_list(result: importer.ValidationResult) -> str:
    """Why a complete list with bad rows is refused whole: its first errors, by row."""
    first = "；".join(
        f"第{error.row}行{error.column}：{error.message}"
        if error.column
        else f"第{error.row}行：{error.message}"
        for error in result.errors[:3]
    )
    return (
        f"名单有 {result.rows_invalid:,} 行错误（{first}），须整份无误才能导入，"
        "未导入，原有标识未改变。"
    )


def import_extract(
    actor: User,
    source_code: str,
    extract_date: dt.date,
    path: Path,
    file_name: str,
    *,
    on_errors: str = OnErrors.ASK,
    channel: str = ExtractChannel.UPLOAD,
) -> ImportOutcome:
    """Validate an uploaded file and store its valid rows as a Parquet snapshot.

    on_errors (OnErrors): "ask" leaves a file with bad rows pending the officer's choice;
    "reject" or "keep_valid" decide at once (the API). A file without errors is accepted.
    The file at `path` is not kept; the Parquet snapshot is.
    """
    require(actor, Capability.IMPORT_EXTRACTS)
    source = get_source(source_code)
    if on_errors not in OnErrors._value2member_map_:
        raise DomainError("错误处理方式无效。")
    if extract_date > timezone.localdate():
        raise DomainError("数据截止日期不能晚于今天。", field="extract_date")
    _check_not_older(source.code, extract_date)
    sha256 = importer.file_sha256(path)
    _refuse_repeated(sha256)
    staged = extracts_dir() / "staging" / f"{uuid.uuid4().hex}.parquet"
    result = importer.validate_file(
        path,
        file_name,
        source,
        staged,
        extract_date,
        provenance={"imported_by": actor.username, "file_name": file_name[:200]},
        sha256=sha256,
    )
    if source.complete_list and result.error_count:
        staged.unlink(missing_ok=True)
        raise DomainError(_incomplete_list(result))
    fields = _extract_fields(actor, source.code, extract_date, path, file_name, channel, result)
    if result.rows_valid == 0:
        staged.unlink(missing_ok=True)
        extract = ExtractImport.objects.create(status=ExtractStatus.REJECTED, **fields)
        record_audit(actor, "reject_extract", extract, {"reason": "no_valid_rows"})
        return ImportOutcome(extract, "文件中没有有效数据行，已退回。")
    try:
        with transaction.atomic():
            extract = ExtractImport.objects.create(
                status=ExtractStatus.PENDING, parquet_path=str(staged), **fields
            )
            record_audit(
                actor,
                "upload_extract",
                extract,
                {"source": source.code, "rows": result.rows_total, "errors": result.error_count},
            )
    except IntegrityError:
        staged.unlink(missing_ok=True)
        raise DomainError("该文件正在导入或已导入，未重复导入。") from None
    return _decided(actor, extract, OnErrors(on_errors))


def decide_extract(actor: User, extract_id: int, keep_valid: bool) -> ExtractImport:
    """The officer's choice for a file with bad rows: keep the valid rows or reject all."""
    require(actor, Capability.IMPORT_EXTRACTS)
    with transaction.atomic():
        extract = ExtractImport.objects.select_for_update().filter(pk=extract_id).first()
        if extract is None or extract.status != ExtractStatus.PENDING:
            raise DomainError("该批次不在待确认状态。")
        staged = Path(extract.parquet_path)
        if keep_valid:
            _check_not_older(extract.source, extract.extract_date)
            final = extracts_dir() / extract.source / f"{extract.sha256}.parquet"
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staged), final)
            extract.parquet_path = str(final)
            extract.status = ExtractStatus.ACCEPTED
        else:
            staged.unlink(missing_ok=True)
            extract.parquet_path = ""
            extract.status = ExtractStatus.REJECTED
        extract.decided_by = actor
        extract.decided_at = timezone.now()
        extract.save()
        record_audit(
            actor,
            "accept_extract" if keep_valid else "reject_extract",
            extract,
            {"rows_valid": extract.rows_valid, "rows_invalid": extract.rows_invalid},
        )
    return extract


def current_extracts(as_of: dt.date | None = None) -> list[ExtractImport]:
    """The latest accepted extract of each source (each extract replaces the previous)."""
    accepted = ExtractImport.objects.filter(status=ExtractStatus.ACCEPTED)
    if as_of is not None:
        accepted = accepted.filter(extract_date__lte=as_of)
    latest: dict[str, ExtractImport] = {}
    for extract in accepted.order_by("source", "extract_date", "decided_at", "pk"):
        latest[extract.source] = extract
    return list(latest.values())


# ------------------------------------------------------------------ jobs


def create_job(
    actor: User,
    *,
    household: Household | None = None,
    region: Region | None = None,
    engine: str = Engine.DUCKDB,
    as_of: dt.date | None = None,
    note: str = "",
) -> VerificationJob:
    """Queue a verification of one household, a region's households, or all in scope."""
    require(actor, Capability.RUN_VERIFICATION)
    if engine not in Engine.values:
        raise DomainError("计算引擎无效。")
    if household is not None:
        if not households_in_scope(actor).filter(pk=household.pk).exists():
            raise DomainError("该家庭不在您的管辖范围内。")
        if not authorised(Household.objects.filter(pk=household.pk)).exists():
            recorded = Authorisation.objects.filter(household=household, revoked_at__isnull=True)
            if recorded.exists():
                raise DomainError(NOT_CHECKED)
            raise DomainError("该家庭尚未签署家庭经济状况核对授权书，不能核对。")
        scope = JobScope.HOUSEHOLD
    elif region is not None:
        if not region.code.startswith(actor.scope_prefix):
            raise DomainError("该区域不在您的管辖范围内。")
        scope = JobScope.REGION
    else:
        region = actor.region
        scope = (
            JobScope.ALL
            if region is not None and region.level == RegionLevel.COUNTY
            else JobScope.REGION
        )
    if not current_extracts(as_of or timezone.localdate()):
        # Without any department's data every household would come out "一致".
        raise DomainError(NO_DEPARTMENT_DATA)
    with transaction.atomic():
        job = VerificationJob.objects.create(
            scope=scope,
            region=region,
            household=household,
            engine=engine,
            as_of=as_of or timezone.localdate(),
            note=note[:200],
            created_by=actor,
        )
        record_audit(
            actor,
            "create_verification_job",
            job,
            {
                "scope": scope,
                "household": household.pk if household else None,
                "region": region.code if region else None,
                "engine": engine,
            },
        )
    return job


def scope_households(job: VerificationJob) -> QuerySet[Household]:
    if job.household_id is not None:
        return Household.objects.filter(pk=job.household_id)
    prefix = job.region.prefix if job.region is not None else ""
    return Household.objects.filter(
        Q(registered_code__startswith=prefix) | Q(residence_code__startswith=prefix)
    )


def launch_in_background(job: VerificationJob) -> None:
    """Start the job in its own detached process, so no web request waits for it.

    The process survives the web worker; if it dies, `jiuzhu verify --resume` or the
    job page's resume button continues from the last finished chunk.
    """
    if not getattr(settings, "JIUZHU_VERIFICATION_SPAWN", True):
        return
    log_dir = data_dir() / "jobs" / str(job.pk)
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "worker.log", "ab") as log:
        subprocess.Popen(
            [sys.executable, "-m", "jiuzhu", "run_verification_job", str(job.pk)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": os.environ.get(
                    "DJANGO_SETTINGS_MODULE", "jiuzhu.settings"
                ),
            },
        )


def fail_job(job_id: int, message: str) -> None:
    VerificationJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )
