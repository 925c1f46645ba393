"""A payroll prepare task whose worker dies (issue 19): the supervisor marks it interrupted
and runs it again, ending with exactly the payrolls, lines and result of an uninterrupted
run. In-process (a BaseException stands for the kill) on both databases; a real worker
process killed with SIGKILL on PostgreSQL."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core import tasks
from jiuzhu.core.models import Task
from jiuzhu.payments import services
from jiuzhu.payments.models import Payroll, PayrollLine
from tests.conftest import client_for
from tests.payments.conftest import MONTH, make_household, make_recipient

ROOT = Path(__file__).resolve().parents[2]
# A worker process shares the test database on PostgreSQL only (SQLite's is in memory);
# decided before the database is set up, so that SQLite runs never flush it for nothing.
ON_POSTGRES_ONLY = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a worker process shares the test database on PostgreSQL only",
)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no `except Exception` in the worker sees it."""


def _params() -> dict:
    return {"month": MONTH.isoformat(), "town": ""}


def _two_towns(pay_staff, dong_e_village, meigui_village):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village, "东阿户"), "500.00")
    make_recipient(admin, make_household(admin, dong_e_village, "东阿二户"), "320.50")
    make_recipient(admin, make_household(admin, meigui_village, "玫瑰户"), "410.00")


def _outcome(result: dict) -> tuple:
    """The payrolls and lines by content (ids and refs differ between runs), and the result
    without ids and timings."""
    lines = sorted(
        PayrollLine.objects.filter(payroll__month=MONTH).values_list(
            "payroll__town_code", "payee_name", "id_number", "programme", "net_fen", "kind"
        )
    )
    payrolls = sorted(
        Payroll.objects.filter(month=MONTH).values_list("town_code", "line_count", "total_fen")
    )
    described = [
        {k: v for k, v in town.items() if k not in ("id", "seconds")} for town in result["prepared"]
    ]
    return payrolls, lines, described, result["refused"]


def _uninterrupted(admin) -> tuple:
    """The outcome of a run that nobody killed, rolled back afterwards."""
    with transaction.atomic():
        done = tasks.enqueue(admin, "payments.prepare", {**_params(), "actor": admin.pk})
        assert done.status == Task.Status.DONE
        outcome = _outcome(done.result)
        transaction.set_rollback(True)
    return outcome


def prepare_task(admin, status: str = Task.Status.QUEUED, **fields) -> Task:
    """A payroll prepare task (month MONTH, every town) in the given state."""
    return Task.objects.create(
        kind="payments.prepare",
        params={**_params(), "actor": admin.pk},
        created_by=admin,
        status=status,
        **fields,
    )


def resumed(task: Task) -> str:
    return f"任务 #{task.pk}（payments.prepare）工作进程中断，已续跑"


def _make_stale(task_id: int) -> None:
    Task.objects.filter(pk=task_id).update(
        heartbeat_at=timezone.now() - tasks.stale_after() - dt.timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_prepare_killed_after_the_first_town_resumes_to_the_same_end(
    pay_staff, dong_e_village, meigui_village, monkeypatch
):
    admin = pay_staff["admin"]
    _two_towns(pay_staff, dong_e_village, meigui_village)
    expected = _uninterrupted(admin)
    assert len(expected[0]) == 2 and len(expected[1]) == 3 and expected[3] == []

    real_prepare = services.prepare_payroll
    calls = []

    def killed_after_first_town(*args, **kwargs):
        if calls:
            raise WorkerKilled
        calls.append(1)
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(services, "prepare_payroll", killed_after_first_town)
    with pytest.raises(WorkerKilled):
        tasks.enqueue(admin, "payments.prepare", {**_params(), "actor": admin.pk})
    task = Task.objects.get(kind="payments.prepare")
    assert (task.status, task.attempts) == (Task.Status.RUNNING, 1)
    assert Payroll.objects.filter(month=MONTH).count() == 1  # the first town committed
    monkeypatch.setattr(services, "prepare_payroll", real_prepare)

    # A worker that still beats is left alone …
    assert tasks.supervise(inline=True) == []
    task.refresh_from_db()
    assert task.status == Task.Status.RUNNING
    # … one that stopped is marked interrupted and run again.
    _make_stale(task.pk)
    assert tasks.supervise(inline=True) == [
        f"任务 #{task.pk}（payments.prepare）工作进程中断，已续跑"
    ]
    task.refresh_from_db()
    assert (task.status, task.progress, task.attempts, task.error) == (
        Task.Status.DONE,
        100,
        2,
        "",
    )
    assert _outcome(task.result) == expected


@pytest.mark.django_db
def test_the_polling_page_wakes_the_supervisor(
    pay_staff, dong_e_village, meigui_village, monkeypatch
):
    admin = pay_staff["admin"]
    _two_towns(pay_staff, dong_e_village, meigui_village)
    task = prepare_task(admin, Task.Status.RUNNING, progress=40, attempts=1)
    _make_stale(task.pk)
    monkeypatch.setattr(tasks, "_last_round", 0.0)
    polled = tasks.task_for(admin, task.pk, "payments.prepare")
    assert polled is not None
    assert (polled.status, polled.progress) == (Task.Status.DONE, 100)
    assert len(polled.result["prepared"]) == 2


@pytest.mark.django_db
def test_the_progress_partial_shows_the_resumed_result(
    pay_staff, dong_e_village, meigui_village, monkeypatch
):
    admin = pay_staff["admin"]
    _two_towns(pay_staff, dong_e_village, meigui_village)
    task = prepare_task(admin, Task.Status.RUNNING, progress=50, attempts=1)
    _make_stale(task.pk)
    monkeypatch.setattr(tasks, "_last_round", 0.0)
    page = client_for(admin).get(f"/payments/?task={task.pk}&partial=1").content.decode()
    assert "<h2>2026年12月名册已生成</h2>" in page
    assert page.count("笔，用时") == 2  # both towns, as prepared
    assert "正在生成名册" not in page and "hx-get" not in page  # done: polling stops


@pytest.mark.django_db
def test_an_interrupted_task_keeps_being_polled(pay_staff, monkeypatch):
    admin = pay_staff["admin"]
    task = prepare_task(admin, Task.Status.INTERRUPTED, progress=50, attempts=1)
    monkeypatch.setattr(tasks, "supervise_now_and_then", lambda: None)
    page = client_for(admin).get(f"/payments/?task={task.pk}&partial=1").content.decode()
    assert f'hx-get="?task={task.pk}&partial=1"' in page
    assert "正在生成名册…… 50%" in page


@pytest.mark.django_db
def test_a_task_interrupted_too_often_fails_with_a_chinese_message(pay_staff, settings):
    settings.JIUZHU_TASK_MAX_ATTEMPTS = 3
    admin = pay_staff["admin"]
    task = prepare_task(admin, Task.Status.RUNNING, attempts=3)
    _make_stale(task.pk)
    assert tasks.supervise(inline=True) == [
        f"任务 #{task.pk}（payments.prepare）多次中断，已标记失败"
    ]
    task.refresh_from_db()
    assert task.status == Task.Status.FAILED
    assert task.error == "后台任务已中断 3 次，不再自动续跑，请检查后重新提交。"
    assert not Payroll.objects.exists()


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(settings) -> dict[str, str]:
    """The environment for a worker process on the test database and data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="tests.settings",
        JIUZHU_DATA_DIR=str(settings.DATA_DIR),
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    return env


def run_killed_worker(settings, kind: str, object_id: int, *points: int) -> None:
    """Run tests/core/killed_worker.py on the test database; it must die by SIGKILL."""
    worker = subprocess.run(
        [sys.executable, "-m", "tests.core.killed_worker", kind, str(object_id)]
        + [str(point) for point in points],
        env=worker_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr


@ON_POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_run_is_resumed(
    shipped_parameters, pay_staff, dong_e_village, meigui_village, settings
):
    admin = pay_staff["admin"]
    _two_towns(pay_staff, dong_e_village, meigui_village)
    expected = _uninterrupted(admin)
    settings.JIUZHU_TASKS_INLINE = False
    task = prepare_task(admin)
    run_killed_worker(settings, "task", task.pk, 1)
    task.refresh_from_db()
    assert task.status == Task.Status.RUNNING
    assert Payroll.objects.filter(month=MONTH).count() == 1
    _make_stale(task.pk)
    assert tasks.supervise(inline=True) == [
        f"任务 #{task.pk}（payments.prepare）工作进程中断，已续跑"
    ]
    task.refresh_from_db()
    assert (task.status, task.attempts) == (Task.Status.DONE, 2)
    assert _outcome(task.result) == expected
