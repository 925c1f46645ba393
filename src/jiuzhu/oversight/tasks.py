"""The task plan (任务分工): the annex's twelve tasks shipped as data (data/tasks.toml),
each department's progress reports, and which tasks are overdue."""

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db import transaction

from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import plain_text
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability, Role
from jiuzhu.core.services import record_audit
from jiuzhu.oversight.models import TaskProgress

TASKS_FILE = Path(__file__).with_name("data") / "tasks.toml"
CIVIL_AFFAIRS = "县民政局"


@dataclass(frozen=True)
class PlannedTask:
    number: int
    title: str
    lead: str
    responsible: tuple[str, ...]
    deadline: dt.date | None  # None: ongoing

    @property
    def units(self) -> tuple[str, ...]:
        return (self.lead, *self.responsible)


@cache
def planned() -> tuple[PlannedTask, ...]:
    rows = tomllib.loads(TASKS_FILE.read_text(encoding="utf-8"))["task"]
    return tuple(
        PlannedTask(
            number=row["number"],
            title=row["title"],
            lead=row["lead"],
            responsible=tuple(row["responsible"]),
            deadline=row.get("deadline"),
        )
        for row in rows
    )


def task(number: int) -> PlannedTask | None:
    return next((t for t in planned() if t.number == number), None)


def unit_of(user: User) -> str:
    """The unit a user reports for: the county's civil affairs staff for the bureau, a
    department's officer for their department ("" for everyone else)."""
    if user.role in (Role.COUNTY_ADMIN, Role.COUNTY_SUPERVISOR):
        return CIVIL_AFFAIRS
    if user.role == Role.DEPARTMENT_OFFICER and user.department:
        return user.department if user.department.startswith("县") else f"县{user.department}"
    return ""


def report(actor: User, number: int, percent: int, text: str, evidence: str = "") -> TaskProgress:
    """A unit's progress on a task it leads or shares."""
    require(actor, Capability.TRACK_TASKS)
    planned_task = task(number)
    if planned_task is None:
        raise DomainError("没有这项任务。", field="task")
    unit = unit_of(actor)
    if unit not in planned_task.units:
        raise PermissionError("本单位不是这项任务的牵头或责任单位。")
    if not 0 <= percent <= 100:
        raise DomainError("完成进度应在0到100之间。", field="percent")
    text = plain_text(text or "", "进展情况", "report").strip()
    evidence = plain_text(evidence or "", "佐证材料", "evidence").strip()
    if not text:
        raise DomainError("请填写进展情况。", field="report")
    if len(text) > 2000 or len(evidence) > 2000:
        raise DomainError("进展情况和佐证材料各不能超过2000字。", field="report")
    with transaction.atomic():
        progress = TaskProgress.objects.create(
            task_number=number,
            department=unit,
            percent=percent,
            report=text,
            evidence=evidence,
            reported_by=actor,
        )
        record_audit(actor, "report_task", progress, {"task": number, "percent": percent})
    return progress


@dataclass
class TaskRow:
    task: PlannedTask
    latest: dict[str, TaskProgress] = field(default_factory=dict)  # by unit
    overdue: bool = False

    @property
    def percent(self) -> int:
        """The lead unit's latest figure (the lead answers for the task)."""
        lead = self.latest.get(self.task.lead)
        return lead.percent if lead else 0


def board(today: dt.date) -> list[TaskRow]:
    """Every task with each unit's latest report; overdue when its deadline has passed and
    the lead unit has not reported it done."""
    rows = {t.number: TaskRow(t) for t in planned()}
    for progress in TaskProgress.objects.order_by("reported_at", "pk").select_related(
        "reported_by"
    ):
        row = rows.get(progress.task_number)
        if row is not None:
            row.latest[progress.department] = progress
    for row in rows.values():
        row.overdue = (
            row.task.deadline is not None and row.task.deadline < today and row.percent < 100
        )
    return list(rows.values())
