"""A verification job whose worker dies (issue 19): the supervisor marks it interrupted and
resumes it from its first unfinished chunk, ending with exactly the reports and findings of
an uninterrupted run; `jiuzhu verify --resume` needs no --force once the heartbeat is stale.
In-process (a BaseException stands for the kill) on both databases; a real worker process
killed with SIGKILL on PostgreSQL."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiuzhu.core import tasks
from jiuzhu.verification import jobs, services
from jiuzhu.verification.models import Finding, JobStatus, VerificationJob, VerificationReport
from tests.conftest import client_for
from tests.payments.test_kill_and_resume import ON_POSTGRES_ONLY, run_killed_worker
from tests.verification.conftest import AS_OF, import_rows
from tests.verification.test_matching import family, ident, new_id


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no `except Exception` in the worker sees it."""


REPORT_FIELDS = ("chunk", "household_id", "conclusion", "income_fen", "findings_count", "reasons")
FINDING_FIELDS = ("chunk", "household_id", "person_id", "source", "kind", "confidence", "detail")


def outcome(job: VerificationJob) -> tuple[list, list]:
    reports = sorted(
        VerificationReport.objects.filter(job=job).values_list(*REPORT_FIELDS), key=repr
    )
    findings = sorted(Finding.objects.filter(job=job).values_list(*FINDING_FIELDS), key=repr)
    return reports, findings


@pytest.fixture
def five_households(county_admin, officer, tmp_path, monkeypatch):
    numbers = [new_id() for _ in range(5)]
    homes = [family(county_admin, (f"户{i}", n)) for i, n in enumerate(numbers)]
    import_rows(
        officer,
        tmp_path,
        "employment",
        [
            {**ident(n, f"户{i}"), "employer": "厂", "monthly_wage": str(10 + i)}
            for i, n in enumerate(numbers)
        ],
    )
    monkeypatch.setattr(jobs, "CHUNK_HOUSEHOLDS", 2)  # three chunks: 2 + 2 + 1
    return homes


def uninterrupted(admin) -> tuple[list, list]:
    done = jobs.run_job(services.create_job(admin, as_of=AS_OF).pk)
    assert (done.status, done.chunks_total, done.households_done) == (JobStatus.DONE, 3, 5)
    return outcome(done)


def make_stale(job_id: int, by: dt.timedelta | None = None) -> None:
    VerificationJob.objects.filter(pk=job_id).update(
        heartbeat_at=timezone.now() - (by or tasks.stale_after() + dt.timedelta(seconds=1))
    )


def killed_after_first_chunk(admin) -> VerificationJob:
    job = services.create_job(admin, as_of=AS_OF)

    def kill(current: VerificationJob) -> None:
        if current.chunks_done == 1:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        jobs.run_job(job.pk, progress=kill)
    job.refresh_from_db()
    assert (job.status, job.chunks_done, job.attempts) == (JobStatus.RUNNING, 1, 1)
    return job


@pytest.mark.django_db
def test_a_killed_job_is_resumed_by_the_supervisor(county_admin, five_households):
    expected = uninterrupted(county_admin)
    assert len(expected[0]) == 5 and len(expected[1]) == 5
    job = killed_after_first_chunk(county_admin)
    assert tasks.supervise(inline=True) == []  # its heartbeat is fresh: left alone
    make_stale(job.pk)
    assert tasks.supervise(inline=True) == [f"核对任务 #{job.pk} 工作进程中断，已从第 2 块续跑"]
    job.refresh_from_db()
    assert (job.status, job.chunks_done, job.households_done, job.attempts, job.error) == (
        JobStatus.DONE,
        3,
        5,
        2,
        "",
    )
    assert outcome(job) == expected


@pytest.mark.django_db
def test_the_job_page_poll_resumes_a_dead_job(county_admin, five_households, monkeypatch):
    expected = uninterrupted(county_admin)
    job = killed_after_first_chunk(county_admin)
    make_stale(job.pk)
    monkeypatch.setattr(tasks, "_last_round", 0.0)
    response = client_for(county_admin).get(f"/verification/jobs/{job.pk}/progress/")
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert "已核对 5 / 5 户" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert outcome(job) == expected


@pytest.mark.django_db
def test_verify_resume_needs_no_force_once_the_heartbeat_is_stale(
    county_admin, five_households, capsys
):
    expected = uninterrupted(county_admin)
    job = killed_after_first_chunk(county_admin)
    # Three minutes without a heartbeat (the stale period is two): dead, no --force needed.
    make_stale(job.pk, by=dt.timedelta(minutes=3))
    call_command("verify", resume=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert outcome(job) == expected
    assert f"任务 #{job.pk} 完成：核对 5 户，未授权跳过 0 户。" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_job_interrupted_too_often_fails_with_a_chinese_message(
    county_admin, settings, department_data
):
    settings.JIUZHU_TASK_MAX_ATTEMPTS = 2
    job = services.create_job(county_admin, as_of=AS_OF)
    VerificationJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=2)
    make_stale(job.pk)
    assert tasks.supervise(inline=True) == [f"核对任务 #{job.pk} 多次中断，已标记失败"]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "核对任务已中断 2 次，不再自动续跑，请检查后续跑。"


@ON_POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_after_a_chunk_is_resumed(
    shipped_parameters,
    county_admin,
    five_households,
    settings,
):
    expected = uninterrupted(county_admin)
    job = services.create_job(county_admin, as_of=AS_OF)
    run_killed_worker(settings, "job", job.pk, 1, 2)  # dies after chunk 1 of 3
    job.refresh_from_db()
    assert (job.status, job.chunks_done, job.chunks_total) == (JobStatus.RUNNING, 1, 3)
    make_stale(job.pk)
    assert tasks.supervise(inline=True) == [f"核对任务 #{job.pk} 工作进程中断，已从第 2 块续跑"]
    job.refresh_from_db()
    assert (job.status, job.households_done, job.attempts) == (JobStatus.DONE, 5, 2)
    assert outcome(job) == expected
