"""The payroll as a background task: a county-wide run prepares one payroll per town."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.tasks import task
from jiuzhu.payments import services


def prepare_towns(
    actor: User,
    month: dt.date,
    town_code: str = "",
    progress: Callable[[int], None] = lambda p: None,
) -> dict[str, Any]:
    """Each town in its own transaction: one town refused (already prepared) does not stop
    the others; the refusals are listed in the result."""
    towns = services.towns_in_scope(actor, town_code)
    done, refused = [], []
    for i, town in enumerate(towns):

        def report(percent: int, i: int = i) -> None:
            progress(int((i + percent / 100) * 100 / max(len(towns), 1)))

        try:
            payroll = services.prepare_payroll(actor, month, town, report)
        except DomainError as error:
            refused.append({"town": town.name, "error": error.message})
        else:
            done.append({**services.describe(payroll), "town_name": town.name})
    return {"month": f"{month:%Y-%m}", "prepared": done, "refused": refused}


@task("payments.prepare")
def prepare_task(params: dict[str, Any], report: Callable[[int], None]) -> dict[str, Any]:
    """The background task behind the prepare page; it fails as a whole only when every
    town was refused."""
    actor = User.objects.get(pk=params["actor"])
    month = dt.date.fromisoformat(params["month"])
    result = prepare_towns(actor, month, params.get("town", ""), report)
    if not result["prepared"] and result["refused"]:
        raise DomainError("；".join(f"{r['town']}：{r['error']}" for r in result["refused"]))
    return result
