"""Background tasks for work too long for a web request (a DB-backed queue, no broker).

A page enqueues a task and polls its progress; the task runs in its own process
(`jiuzhu run_task ID`), so no request waits and a crashed web worker loses nothing.
Tests and small installations can run tasks inline (JIUZHU_TASKS_INLINE).

A worker proves it is alive with a heartbeat (a thread stamping the row every
JIUZHU_HEARTBEAT_SECONDS). The supervisor (`supervise`: the `jiuzhu supervise` command, and
opportunistically a task page's poll or a new task) takes a running task whose heartbeat is
older than JIUZHU_WORKER_STALE_SECONDS for dead, marks it interrupted and runs it again; a
task's work is then either committed whole or not at all (the payroll prepares each town
in one transaction and skips the towns a killed run already committed). Other apps register
their own sweeps (verification jobs, expired files) with `supervised`.
"""

import datetime as dt
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Task, User

logger = logging.getLogger(__name__)


Report = Callable[[int], None]
Runner = Callable[[dict[str, Any], Report], dict[str, Any]]
_RUNNERS: dict[str, Runner] = {}


def task(kind: str) -> Callable[[Runner], Runner]:
    """Register a function (params, report_percent) -> JSON result as a task kind."""

    def register(fn: Runner) -> Runner:
        _RUNNERS[kind] = fn
        return fn

    return register


def enqueue(actor: User, kind: str, params: dict[str, Any]) -> Task:
    """Queue a background task of a known kind; it runs after the transaction commits (or at
    once when JIUZHU_TASKS_INLINE is set, as in tests)."""
    if kind not in _RUNNERS:
        raise DomainError("未知的后台任务类型。")
    supervise_now_and_then()
    created = Task.objects.create(kind=kind, params=params, created_by=actor)
    if getattr(settings, "JIUZHU_TASKS_INLINE", False):
        run(created.pk)
    else:
        transaction.on_commit(lambda: _spawn(created.pk))
    created.refresh_from_db()
    return created


def _spawn(task_id: int) -> None:
    subprocess.Popen(
        [sys.executable, "-m", "jiuzhu", "run_task", str(task_id)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ},
    )


def run(task_id: int) -> None:
    """Run a queued (or interrupted) task once; a second runner finds it claimed and does
    nothing. The task's row is stamped by a heartbeat while it runs."""
    claimed = Task.objects.filter(
        pk=task_id, status__in=[Task.Status.QUEUED, Task.Status.INTERRUPTED]
    ).update(status=Task.Status.RUNNING, heartbeat_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        return
    current = Task.objects.get(pk=task_id)

    def report(percent: int) -> None:
        Task.objects.filter(pk=task_id).update(
            progress=max(0, min(100, percent)), heartbeat_at=timezone.now()
        )

    def beat() -> None:
        Task.objects.filter(pk=task_id, status=Task.Status.RUNNING).update(
            heartbeat_at=timezone.now()
        )

    try:
        with heartbeat(beat):
            # The runner learns its task (a resumed run asks how far the killed one got).
            result = _RUNNERS[current.kind]({**current.params, "task_id": task_id}, report)
    except DomainError as error:
        _finish(task_id, Task.Status.FAILED, error=error.message)
    except Exception as error:
        logger.exception("task %s failed", task_id)
        _finish(task_id, Task.Status.FAILED, error=f"内部错误：{type(error).__name__}")
    else:
        _finish(task_id, Task.Status.DONE, result=result)


def _finish(task_id: int, status: str, result: Any = None, error: str = "") -> None:
    Task.objects.filter(pk=task_id).update(
        status=status,
        progress=100 if status == Task.Status.DONE else models.F("progress"),
        result=result,
        error=error[:500],
        finished_at=timezone.now(),
    )


def task_for(user: User, task_id: int | str, kind: str) -> Task | None:
    """A user sees their own tasks only. A page polling its task also wakes the supervisor,
    so a task whose worker died goes on without anyone running `jiuzhu supervise`."""
    supervise_now_and_then()
    try:
        return Task.objects.get(pk=int(task_id), kind=kind, created_by=user)
    except (Task.DoesNotExist, ValueError, TypeError):
        return None


# --- heartbeat and supervisor --------------------------------------------------------------


def heartbeat_seconds() -> float:
    return float(getattr(settings, "JIUZHU_HEARTBEAT_SECONDS", 15))


def stale_after() -> dt.timedelta:
    """How long without a heartbeat before a worker is taken to have died."""
    return dt.timedelta(seconds=float(getattr(settings, "JIUZHU_WORKER_STALE_SECONDS", 120)))


def max_attempts() -> int:
    return int(getattr(settings, "JIUZHU_TASK_MAX_ATTEMPTS", 3))


@contextmanager
def heartbeat(beat: Callable[[], None]) -> Iterator[None]:
    """Call `beat` every JIUZHU_HEARTBEAT_SECONDS in a thread while the block runs. The thread
    dies with the process, so a killed worker's heartbeat stops; a failed beat (a database
    busy with the worker's own long transaction) is skipped, not fatal."""
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(heartbeat_seconds()):
                try:
                    beat()
                except Exception:  # the next beat tries again; the supervisor waits long
                    logger.warning("heartbeat failed", exc_info=True)
        finally:
            connection.close()  # the thread's own database connection

    thread = threading.Thread(target=loop, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# A sweep finds dead workers of one kind, marks and resumes them (inline: in this process),
# and says what it did, one line each.
Sweep = Callable[[bool], list[str]]
_SWEEPS: list[Sweep] = []


def supervised(sweep: Sweep) -> Sweep:
    """Register a sweep that `supervise` runs after the background tasks' own."""
    if sweep not in _SWEEPS:
        _SWEEPS.append(sweep)
    return sweep


def supervise(inline: bool | None = None) -> list[str]:
    """One round of the supervisor: every registered sweep, the tasks' first. `inline`
    resumes work in this process (the default with JIUZHU_TASKS_INLINE), else each resumed
    task gets its own worker process."""
    if inline is None:
        inline = bool(getattr(settings, "JIUZHU_TASKS_INLINE", False))
    done = []
    for sweep in [sweep_tasks, *_SWEEPS]:
        try:
            done += sweep(inline)
        except Exception:  # one broken sweep must not stop the others
            logger.exception("supervisor sweep %s failed", getattr(sweep, "__name__", sweep))
    return done


_last_round = 0.0


def supervise_now_and_then() -> None:
    """A supervisor round from a web request, at most once per heartbeat period per process
    (polls come every few seconds)."""
    global _last_round
    now = time.monotonic()
    if now - _last_round < heartbeat_seconds():
        return
    _last_round = now
    supervise()


def sweep_tasks(inline: bool) -> list[str]:
    """Background tasks whose worker stopped beating: marked interrupted, then run again
    (a task interrupted JIUZHU_TASK_MAX_ATTEMPTS times is failed instead)."""
    cutoff = timezone.now() - stale_after()
    # Also an interrupted task that no worker has claimed since (its spawn failed).
    dead = models.Q(status__in=[Task.Status.RUNNING, Task.Status.INTERRUPTED]) & (
        models.Q(heartbeat_at__lt=cutoff) | models.Q(heartbeat_at__isnull=True)
    )
    said = []
    for stale in Task.objects.filter(dead).order_by("pk"):
        # Only if still stale: a worker that beat meanwhile keeps its task.
        still_dead = Task.objects.filter(dead, pk=stale.pk)
        if stale.attempts >= max_attempts():
            if still_dead.update(
                status=Task.Status.FAILED,
                error=f"后台任务已中断 {stale.attempts} 次，不再自动续跑，请检查后重新提交。",
                finished_at=timezone.now(),
            ):
                said.append(f"任务 #{stale.pk}（{stale.kind}）多次中断，已标记失败")
            continue
        if not still_dead.update(
            status=Task.Status.INTERRUPTED, error="工作进程中断，已自动续跑。"
        ):
            continue
        said.append(f"任务 #{stale.pk}（{stale.kind}）工作进程中断，已续跑")
        if inline:
            run(stale.pk)
        else:
            _spawn(stale.pk)
    return said
