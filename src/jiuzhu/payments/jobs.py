"""The payroll as a background task: a county-wide run prepares one payroll per town."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, Task, User
from jiuzhu.core.months import first_of_month
from jiuzhu.core.tasks import task
from jiuzhu.payments import services
from jiuzhu.payments.models import Payroll, PayrollKind


def prepare_towns(
    actor: User,
    month: dt.date,
    town_code: str = "",
    progress: Callable[[int], None] = lambda p: None,
    resumed_since: dt.datetime | None = None,
) -> dict[str, Any]:
    """Each town in its own transaction: one town refused (already prepared) does not stop
    the others; the refusals are listed in the result. A run resumed after its worker died
    (`resumed_since`: when the task was queued) counts the towns the killed run committed
    as prepared, so its result is the uninterrupted run's."""
    towns = services.towns_in_scope(actor, town_code)
    done, refused = [], []
    for i, town in enumerate(towns):

        def report(percent: int, i: int = i) -> None:
            progress(int((i + percent / 100) * 100 / max(len(towns), 1)))

        committed = resumed_since and _prepared_by_this_run(actor, month, town, resumed_since)
        if committed:
            done.append({**describe(committed), "town_name": town.name})
            continue
        try:
            payroll = services.prepare_payroll(actor, month, town, report)
        except DomainError as error:
            refused.append({"town": town.name, "error": error.message})
        else:
            done.append({**describe(payroll), "town_name": town.name})
    return {"month": f"{month:%Y-%m}", "prepared": done, "refused": refused}


def _prepared_by_this_run(
    actor: User, month: dt.date, town: Region, since: dt.datetime
) -> Payroll | None:
    return Payroll.objects.filter(
        month=first_of_month(month),
        town=town,
        kind=PayrollKind.REGULAR,
        prepared_by=actor,
        prepared_at__gte=since,
    ).first()


@task("payments.prepare")
def prepare_task(params: dict[str, Any], report: Callable[[int], None]) -> dict[str, Any]:
    """The background task behind the prepare page; it fails as a whole only when every
    town was refused."""
    actor = User.objects.get(pk=params["actor"])
    month = dt.date.fromisoformat(params["month"])
    current = Task.objects.get(pk=params["task_id"]) if "task_id" in params else None
    resumed_since = current.created_at if current and current.attempts > 1 else None
    result = prepare_towns(actor, month, params.get("town", ""), report, resumed_since)
    if not result["prepared"] and result["refused"]:
        raise DomainError("；".join(f"{r['town']}：{r['error']}" for r in result["refused"]))
    return result


def describe(payroll: Payroll) -> dict[str, Any]:
    """A prepared payroll in a few plain values, for task results and the command line."""
    return {
        "id": payroll.pk,
        "month": f"{payroll.month:%Y-%m}",
        "town": payroll.town_code,
        "lines": payroll.line_count,
        "total_fen": payroll.total_fen,
        "seconds": payroll.seconds,
    }
