"""County supervisors' spot checks of decided cases."""

import random

from django.db import transaction
from django.utils import timezone

from jiuzhu.cases import rules
from jiuzhu.cases.models import (
    Action,
    Case,
    SpotCheck,
)
from jiuzhu.cases.services.common import record_event, require_text
from jiuzhu.core.models import Region, User
from jiuzhu.core.roles import Role
from jiuzhu.core.services import record_audit


def select_spot_checks(actor: User, town: Region | None = None) -> list[SpotCheck]:
    """County supervisors draw a random share of decided cases to re-examine."""
    if actor.role != Role.COUNTY_SUPERVISOR:
        raise PermissionError("只有县级监管人员可以抽查。")
    share = rules.spot_check_share(timezone.localdate())
    decided = Case.objects.filter(
        decided_at__isnull=False,
        spot_checks__isnull=True,
        responsible_code__startswith=(town.prefix if town else actor.scope_prefix),
    ).values_list("pk", flat=True)
    ids = list(decided)
    count = round(len(ids) * share)
    chosen = random.sample(ids, count) if count else []
    with transaction.atomic():
        checks = [SpotCheck.objects.create(case_id=pk, checker=actor) for pk in chosen]
        record_audit(
            actor, "select_spot_checks", SpotCheck(), {"count": count, "share": str(share)}
        )
    return checks


def record_spot_check(
    actor: User, check: SpotCheck, finding: str, problem_found: bool
) -> SpotCheck:
    """The supervisor's finding on a spot-checked case, with its event."""
    if actor.role != Role.COUNTY_SUPERVISOR:
        raise PermissionError("只有县级监管人员可以登记抽查意见。")
    finding = require_text(finding, "抽查意见")
    with transaction.atomic():
        check.finding, check.problem_found, check.recorded_at = (
            finding,
            problem_found,
            timezone.now(),
        )
        check.save(update_fields=["finding", "problem_found", "recorded_at"])
        record_event(
            check.case,
            actor,
            Action.SPOT_CHECK,
            check.case.status,
            check.case.status,
            finding,
            {"problem_found": problem_found},
        )
    return check
