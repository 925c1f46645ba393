"""The bureau's extract imported as a background task: the page stores the upload in the
data directory and queues the task, which reads the file, checks it and records it
(importer.read, bulk.record_extract), reporting its progress to the page.

All or nothing: a refused file is the task's result, with the bad lines named, and nothing
is written.
Resumable: when the worker dies the supervisor runs the task again from the stored file;
the import commits whole, together with its result on the task's row, so a run that finds
the result already there (its predecessor died after the commit) returns it instead of
importing the bills twice."""

import threading
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from jiuzhu.core import tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Task, User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.medical import bulk, importer

TASK_KIND = "medical.import"
SUFFIXES = (".csv", ".xlsx")
READ_SHARE = 10  # percent of the progress bar for reading and checking the file


def uploads_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads" / "medical"


def queue_import(actor: User, name: str, chunks: Iterable[bytes]) -> Task:
    """Store the uploaded extract and queue its import; the task's page follows it."""
    require(actor, Capability.PREPARE_PAYROLL)
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError("请上传 CSV 或 xlsx 格式的文件。")
    uploads_dir().mkdir(parents=True, exist_ok=True)
    path = uploads_dir() / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    if not path.stat().st_size:
        path.unlink()
        raise DomainError("文件为空，请选择医保局导出的结算数据文件。")
    return tasks.enqueue(actor, TASK_KIND, {"actor": actor.pk, "path": str(path), "name": name})


def _outside(report: Callable[[int], None], percent: int) -> None:
    """Report from a thread of its own (its own connection): the import's transaction holds
    its writes until it commits, and the page must see the percentage move before. SQLite
    has one writer at a time: there the percentage waits for the commit."""
    if connection.vendor != "postgresql":
        report(percent)
        return

    def write() -> None:
        try:
            report(percent)
        finally:
            connection.close()  # the thread's own

    thread = threading.Thread(target=write, name="import-progress")
    thread.start()
    thread.join()


@tasks.task(TASK_KIND)
def import_task(params: dict[str, Any], report: Callable[[int], None]) -> dict[str, Any]:
    """Read the stored file and record its bills; the result is what the page shows."""
    current = Task.objects.get(pk=params["task_id"])
    if current.result:  # a killed run committed the bills before it could say so
        return dict(current.result)
    actor = User.objects.get(pk=params["actor"])
    path = Path(params["path"])
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise DomainError("上传的文件已不存在，请重新上传。") from None
    try:
        extract = importer.read(params["name"], content)
        del content
        report(READ_SHARE)

        def progress(percent: int) -> None:
            _outside(report, READ_SHARE + percent * (100 - READ_SHARE) // 100)

        def committed_with(bills: int, fen: int) -> None:
            Task.objects.filter(pk=current.pk).update(result={"bills": bills, "total_fen": fen})

        made, total = bulk.record_extract(actor, extract, progress, committed_with)
    except DomainError as refused:
        # In the result, not the task's error: the bad lines named can be longer than it.
        return {"refused": refused.message}
    finally:
        # Done or refused, the file has served (a refused file is corrected and uploaded
        # again); only a killed worker leaves it, for the run that resumes.
        path.unlink(missing_ok=True)
    return {"bills": made, "total_fen": total}
