"""The heartbeat thread and the `jiuzhu supervise` command (issue 19)."""

import datetime as dt
import os
import threading
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiuzhu.core import tasks
from jiuzhu.core.models import Task


def test_the_heartbeat_beats_while_the_block_runs_and_stops_after(settings):
    settings.JIUZHU_HEARTBEAT_SECONDS = 0.02
    beats = []
    with tasks.heartbeat(lambda: beats.append(threading.current_thread().name)):
        time.sleep(0.2)
    after = len(beats)
    assert after >= 3 and set(beats) == {"heartbeat"}
    time.sleep(0.1)
    assert len(beats) == after  # the thread is gone with the block


def test_a_failing_beat_does_not_stop_the_heartbeat(settings):
    settings.JIUZHU_HEARTBEAT_SECONDS = 0.02
    calls = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")

    with tasks.heartbeat(flaky):
        time.sleep(0.2)
    assert len(calls) >= 3


@tasks.task("test.resumable")
def resumable(params, report):
    return {"ran": params["n"]}


def resumable_task(admin, n: int, status: str, beat_minutes_ago: int) -> Task:
    return Task.objects.create(
        kind="test.resumable",
        params={"n": n},
        created_by=admin,
        status=status,
        attempts=1,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=beat_minutes_ago),
    )


@pytest.mark.django_db
def test_supervise_command_resumes_a_dead_task_and_purges_old_files(county_admin, settings, capsys):
    settings.JIUZHU_FILE_RETENTION_DAYS = 30
    dead = resumable_task(county_admin, 4, Task.Status.RUNNING, 10)
    alive = resumable_task(county_admin, 5, Task.Status.RUNNING, 0)
    payments_dir = settings.DATA_DIR / "payments"
    payments_dir.mkdir()
    old_file = payments_dir / "payroll1_1_20260101000000.csv"
    old_file.write_text("参考号\n")
    long_ago = time.time() - 40 * 86400
    os.utime(old_file, (long_ago, long_ago))

    call_command("supervise", once=True, inline=True)

    assert capsys.readouterr().out.splitlines() == [
        f"任务 #{dead.pk}（test.resumable）工作进程中断，已续跑",
        "已删除超过保留期限的发放文件：payroll1_1_20260101000000.csv",
    ]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.result, dead.attempts) == (Task.Status.DONE, {"ran": 4}, 2)
    assert alive.status == Task.Status.RUNNING
    assert not old_file.exists()


@pytest.mark.django_db
def test_an_interrupted_task_nobody_claimed_is_started_again(county_admin, monkeypatch):
    """The supervisor's spawn failed (or the machine restarted right after): the next
    round starts it again; one claimed since (fresh heartbeat) is left to its worker."""
    orphan = resumable_task(county_admin, 6, Task.Status.INTERRUPTED, 10)
    spawned = []
    monkeypatch.setattr(tasks, "_spawn", spawned.append)
    assert tasks.supervise(inline=False) == [
        f"任务 #{orphan.pk}（test.resumable）工作进程中断，已续跑"
    ]
    assert spawned == [orphan.pk]
    Task.objects.filter(pk=orphan.pk).update(heartbeat_at=timezone.now())
    assert tasks.supervise(inline=False) == []
    assert spawned == [orphan.pk]
