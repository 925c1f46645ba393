"""Background tasks for work too long for a web request (a DB-backed queue, no broker).

A page enqueues a task and polls its progress; the task runs in its own process
(`jiuzhu run_task ID`), so no request waits and a crashed web worker loses nothing.
Tests and small installations can run tasks inline (JIUZHU_TASKS_INLINE).
"""

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models, transaction
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
    """Run a queued task once; a second runner finds it claimed and does nothing."""
    if not Task.objects.filter(pk=task_id, status=Task.Status.QUEUED).update(
        status=Task.Status.RUNNING
    ):
        return
    current = Task.objects.get(pk=task_id)

    def report(percent: int) -> None:
        Task.objects.filter(pk=task_id).update(progress=max(0, min(100, percent)))

    try:
        result = _RUNNERS[current.kind](current.params, report)
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
    """A user sees their own tasks only."""
    try:
        return Task.objects.get(pk=int(task_id), kind=kind, created_by=user)
    except (Task.DoesNotExist, ValueError, TypeError):
        return None
