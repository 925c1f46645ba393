"""What every act on a case shares: the permission check against the transition table,
the optimistic move of the status with its event, required texts."""

from typing import Any

from django.db.models import F
from django.utils import timezone

from jiuzhu.cases.models import (
    Case,
    CaseEvent,
)
from jiuzhu.cases.workflow import TRANSITIONS, Transition
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User

STALE = "该申请刚被其他人办理，内容已变化，请刷新后重试。"


def record_event(
    case: Case,
    actor: User | None,
    action: str,
    from_status: str,
    to_status: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """The event of an act on a case, with the statuses before and after."""
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        data=data or {},
    )


def in_responsible_area(actor: User, case: Case) -> bool:
    """Whether the case is handled by a town within the actor's region."""
    return actor.region is not None and actor.region.contains(case.responsible_code)


def taken_in_only(actor: User, case: Case) -> bool:
    """Whether the actor's region took the case in but does not handle it: it follows the
    case's progress and may not act on it (the case is routed to the town responsible)."""
    return (
        actor.region is not None
        and actor.region.contains(case.intake_code)
        and not in_responsible_area(actor, case)
    )


def routed_away(case: Case, what: str) -> PermissionError:
    """The refusal told to the intake town when it tries to act on a routed case."""
    return PermissionError(f"该申请已转{case.responsible_town.name}办理，受理地不能{what}。")


def check_allowed(actor: User, case: Case, action: str) -> Transition:
    """The transition for `action`, if the actor's role and region may take it from the
    case's status; PermissionError or DomainError (Chinese) otherwise. Only the town
    responsible acts: the intake town is told the case went there."""
    transition = TRANSITIONS[action]
    if actor.role not in transition.roles:
        raise PermissionError(f"您的角色不能执行“{transition.label}”。")
    if taken_in_only(actor, case):
        raise routed_away(case, f"执行“{transition.label}”")
    if not in_responsible_area(actor, case):
        raise PermissionError(f"该申请不由您所在的区划负责，不能执行“{transition.label}”。")
    if case.status not in transition.sources:
        raise DomainError(
            f"申请当前为“{case.get_status_display()}”，不能执行“{transition.label}”。"
        )
    return transition


def move(
    actor: User,
    case: Case,
    action: str,
    version: int,
    target: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> CaseEvent:
    """Move the case if nobody else has moved it since the caller read `version`."""
    from_status = case.status
    updated = Case.objects.filter(pk=case.pk, version=version, status=from_status).update(
        status=target, version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        raise DomainError(STALE)
    case.refresh_from_db()
    return record_event(case, actor, action, from_status, target, comment, data)


def require_text(value: str, what: str, limit: int = 2000) -> str:
    """The stripped text, required and at most `limit` characters (a DomainError otherwise)."""
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{what}。", field="comment")
    if len(value) > limit:
        raise DomainError(f"{what}过长（最多{limit}字）。", field="comment")
    return value
