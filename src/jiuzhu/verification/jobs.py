"""Run a verification job: prepare once, then chunk by chunk, resumable.

Preparation freezes the inputs (registry snapshot, extract list, thresholds) on the job.
Each chunk's reports and findings are replaced and the progress advanced in one
transaction, so a job killed at any point resumes at the first unfinished chunk and never
holds a finding twice. A running job's heartbeat (core/tasks.py) shows its worker alive;
the supervisor's `sweep_jobs` marks a job without one interrupted and resumes it.
"""

import datetime as dt
import json
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jiuzhu.batch.engine import make_engine
from jiuzhu.core import bulk, tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.services import record_audit
from jiuzhu.policy.accessors import AssetLimits
from jiuzhu.registry.models import HukouType
from jiuzhu.registry.snapshot import export_registry
from jiuzhu.verification import matching, services
from jiuzhu.verification.models import (
    ExtractImport,
    Finding,
    JobStatus,
    VerificationJob,
    VerificationReport,
)
from jiuzhu.verification.sources import FACT_COLUMNS

CHUNK_HOUSEHOLDS = 10_000
# A running job whose heartbeat is older than this is taken to have died (the setting
# JIUZHU_WORKER_STALE_SECONDS, as read when this module was loaded; claims read it anew).
STALE_AFTER = tasks.stale_after()

Progress = Callable[[VerificationJob], None]


def job_dir(job_id: int) -> Path:
    return services.data_dir() / "jobs" / str(job_id)


def claim(job_id: int, force: bool = False) -> VerificationJob:
    """Mark the job running for this process; refuse if another live process has it."""
    now = timezone.now()
    claimable = Q(status__in=[JobStatus.QUEUED, JobStatus.FAILED, JobStatus.INTERRUPTED]) | _dead(
        now
    )
    if force:
        claimable |= Q(status=JobStatus.RUNNING)
    updated = (
        VerificationJob.objects.filter(pk=job_id)
        .filter(claimable)
        .update(status=JobStatus.RUNNING, heartbeat_at=now, error="", attempts=F("attempts") + 1)
    )
    job = VerificationJob.objects.filter(pk=job_id).first()
    if job is None:
        raise DomainError(f"核对任务 #{job_id} 不存在。")
    if not updated:
        state = "已完成" if job.status == JobStatus.DONE else "正在由其他进程运行"
        raise DomainError(f"核对任务 #{job_id} {state}。")
    if job.started_at is None:
        VerificationJob.objects.filter(pk=job_id).update(started_at=now)
        job.started_at = now
    return job


def _dead(now: dt.datetime) -> Q:
    """Running (or interrupted and not claimed since), but no worker has beaten for the
    stale period."""
    return Q(status__in=[JobStatus.RUNNING, JobStatus.INTERRUPTED]) & (
        Q(heartbeat_at__lt=now - tasks.stale_after()) | Q(heartbeat_at__isnull=True)
    )


def prepare(job: VerificationJob, chunk_size: int | None = None) -> None:
    """Freeze the job's inputs once; a resumed job reuses them."""
    if job.prepared:
        return
    chunk_size = chunk_size or CHUNK_HOUSEHOLDS
    thresholds = [asdict(AssetLimits.on(job.as_of, area)) for area in HukouType]
    in_scope = services.scope_households(job)
    eligible = services.authorised(in_scope)
    snapshot = export_registry(
        eligible.model.objects.filter(pk__in=eligible.values("pk")),
        job_dir(job.pk) / "registry",
        chunk_size,
    )
    extracts = services.current_extracts(job.as_of)
    job.thresholds = {"rows": thresholds}
    job.extract_ids = [e.pk for e in extracts]
    job.households_total = snapshot.households
    job.skipped_unauthorised = in_scope.count() - snapshot.households
    job.chunks_total = snapshot.chunks
    job.chunks_done = 0
    job.households_done = 0
    job.prepared = True
    job.save(
        update_fields=[
            "thresholds",
            "extract_ids",
            "households_total",
            "skipped_unauthorised",
            "chunks_total",
            "chunks_done",
            "households_done",
            "prepared",
        ]
    )


def inputs_for(job: VerificationJob) -> matching.JobInputs:
    """The job's frozen inputs; DomainError if an extract's file has gone missing."""
    directory = job_dir(job.pk) / "registry"
    extracts = ExtractImport.objects.filter(pk__in=job.extract_ids).order_by("pk")
    missing = [e for e in extracts if not Path(e.parquet_path).exists()]
    if missing:
        raise DomainError(f"部门数据文件缺失：批次 #{missing[0].pk}（{missing[0].parquet_path}）。")
    return matching.JobInputs(
        households_path=directory / "households.parquet",
        persons_path=directory / "persons.parquet",
        extracts=[(e.pk, Path(e.parquet_path)) for e in extracts],
        thresholds=pa.Table.from_pylist(job.thresholds["rows"]),
    )


# The matching job's result columns stored as they come (see matching.Chunks).
_REPORT_FIELDS = (
    "household_id",
    "town_code",
    "area_type",
    "members",
    "conclusion",
    "income_fen",
    "declared_income_fen",
    "financial_fen",
    "declared_financial_fen",
    "vehicles",
    "houses",
    "businesses",
    "deaths",
    "payroll_members",
    "fuzzy_findings",
    "findings_count",
)
# A finding keeps the fact, not the identity it was matched on (that is the member's now);
# its detail is cut to the field's length.
_NOT_KEPT = ("id_digest", "name", "birth_date")
_FINDING_FIELDS = (
    "household_id",
    "person_id",
    "confidence",
    *(column for column in FACT_COLUMNS if column not in _NOT_KEPT),
)


def _bulk_columns(table: pa.Table, names: tuple[str, ...]) -> list[bulk.Column]:
    """The named result columns as bulk.write_table takes them (text, dates or integers)."""
    columns = []
    for name in names:
        values = table.column(name).combine_chunks()
        if pa.types.is_string(values.type):
            columns.append(bulk.Column(name, "text", values.to_pylist()))
        elif pa.types.is_date(values.type):
            columns.append(bulk.Column(name, "date", values.to_numpy(zero_copy_only=False)))
        else:
            columns.append(bulk.Column(name, "int", values.to_numpy(zero_copy_only=False)))
    return columns


def _reasons_json(reasons: pa.ChunkedArray) -> list[str]:
    """Each report's reasons (matching.reasons_of its bits) as JSON, one text per distinct
    set: a job has a few dozen of them among a million households."""
    bits = reasons.to_numpy()
    distinct, inverse = np.unique(bits, return_inverse=True)
    texts = [json.dumps(matching.reasons_of({"reasons": int(b)})) for b in distinct]
    return [texts[i] for i in inverse.tolist()]


def _of_chunk(job: VerificationJob, chunk: int, rows: int) -> list[bulk.Column]:
    return [
        bulk.Column("job_id", "int", np.full(rows, job.pk, np.int64)),
        bulk.Column("chunk", "int", np.full(rows, chunk, np.int64)),
    ]


def write_chunk(job: VerificationJob, chunk: int, reports: pa.Table, findings: pa.Table) -> None:
    """Replace this chunk's results and advance progress, atomically. The rows go in by
    binary COPY on PostgreSQL (one statement per table, not an INSERT per thousand rows):
    a job over every household of a county writes a report for each."""
    findings = findings.set_column(
        findings.schema.get_field_index("detail"),
        "detail",
        pc.utf8_slice_codeunits(
            pc.fill_null(findings.column("detail"), ""),
            0,
            Finding._meta.get_field("detail").max_length,
        ),
    )
    report_table = bulk.Table(
        VerificationReport._meta.db_table,
        [
            *_of_chunk(job, chunk, reports.num_rows),
            *_bulk_columns(reports, _REPORT_FIELDS),
            bulk.Column("reasons", "text", _reasons_json(reports.column("reasons"))),
        ],
        binary=True,
    )
    finding_table = bulk.Table(
        Finding._meta.db_table,
        [*_of_chunk(job, chunk, findings.num_rows), *_bulk_columns(findings, _FINDING_FIELDS)],
        binary=True,
    )
    with transaction.atomic():
        Finding.objects.filter(job=job, chunk=chunk).delete()
        VerificationReport.objects.filter(job=job, chunk=chunk).delete()
        bulk.write_table(report_table, {"created_at": bulk.timestamps()["created_at"]})
        bulk.write_table(finding_table, {})
        VerificationJob.objects.filter(pk=job.pk).update(
            chunks_done=chunk + 1,
            households_done=F("households_done") + reports.num_rows,
            heartbeat_at=timezone.now(),
        )
    job.chunks_done = chunk + 1
    job.households_done += reports.num_rows


def run_job(
    job_id: int,
    progress: Progress | None = None,
    force: bool = False,
    engine_options: dict[str, Any] | None = None,
) -> VerificationJob:
    """Claim, prepare and run a job to the end; `progress` is called after each chunk."""
    job = claim(job_id, force=force)

    def beat() -> None:
        VerificationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            heartbeat_at=timezone.now()
        )

    with tasks.heartbeat(beat):
        return _run_claimed(job, progress, engine_options)


def _run_claimed(
    job: VerificationJob, progress: Progress | None, engine_options: dict[str, Any] | None
) -> VerificationJob:
    try:
        prepare(job)
        if progress:
            progress(job)
        if job.chunks_done < job.chunks_total:
            engine = make_engine(job.engine, **(engine_options or {}))
            try:
                results = matching.prepare(engine, inputs_for(job))
                for chunk in range(job.chunks_done, job.chunks_total):
                    reports, findings = results.get(chunk)
                    write_chunk(job, chunk, reports, findings)
                    if progress:
                        progress(job)
            finally:
                engine.close()
        with transaction.atomic():
            VerificationJob.objects.filter(pk=job.pk).update(
                status=JobStatus.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now()
            )
            job.refresh_from_db()
            record_audit(
                job.created_by,
                "finish_verification_job",
                job,
                {"households": job.households_done, "skipped": job.skipped_unauthorised},
            )
    except DomainError as error:
        services.fail_job(job.pk, error.message)
        raise
    except Exception:
        services.fail_job(job.pk, traceback.format_exc(limit=5))
        raise
    return job


@tasks.supervised
def sweep_jobs(inline: bool) -> list[str]:
    """Jobs whose worker stopped beating: marked interrupted and resumed from their first
    unfinished chunk (in this process when `inline`, else in a new worker process). A job
    interrupted JIUZHU_TASK_MAX_ATTEMPTS times is failed instead."""
    now = timezone.now()
    said = []
    for stale in VerificationJob.objects.filter(_dead(now)).order_by("pk"):
        still_dead = VerificationJob.objects.filter(pk=stale.pk).filter(_dead(now))
        if stale.attempts >= tasks.max_attempts():
            if still_dead.update(
                status=JobStatus.FAILED,
                error=f"核对任务已中断 {stale.attempts} 次，不再自动续跑，请检查后续跑。",
                finished_at=now,
            ):
                said.append(f"核对任务 #{stale.pk} 多次中断，已标记失败")
            continue
        if not still_dead.update(status=JobStatus.INTERRUPTED, error="工作进程中断，自动续跑。"):
            continue
        said.append(f"核对任务 #{stale.pk} 工作进程中断，已从第 {stale.chunks_done + 1} 块续跑")
        if inline:
            try:
                run_job(stale.pk)
            except DomainError as error:  # recorded on the job by run_job
                said.append(f"核对任务 #{stale.pk} 续跑失败：{error.message}")
        else:
            services.launch_in_background(stale)
    return said
