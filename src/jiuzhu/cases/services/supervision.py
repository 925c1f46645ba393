"""Acts of the county's supervision on a case: a complaint or a risk alert found something
wrong and asks the town for a review of the recipient (监督发起复核)."""

from django.db import transaction
from django.utils import timezone

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Action, Case, Recipient
from jiuzhu.cases.services.common import record_event, require_text
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit


def request_review(actor: User, case: Case, reason: str) -> Recipient:
    """The recipient's review falls due today, so the town reviews it now (its review list,
    then the review act recomputes the amount); the case's history says who asked and why.
    Nobody asks for a review of a case they investigated or decided themselves."""
    if not (actor.can(Capability.HANDLE_COMPLAINTS) or actor.can(Capability.HANDLE_ALERTS)):
        raise PermissionError("无权发起复核。")
    require_area(actor, case.responsible_code)
    if actor.pk in (case.investigator_id, case.decided_by_id, case.created_by_id):
        raise PermissionError("本人经办的案件，不能由本人发起复核，请交由其他人员办理。")
    reason = require_text(reason, "复核原因")
    recipient = Recipient.objects.filter(case=case, status__in=ACTIVE_RECIPIENT_STATUSES).first()
    if recipient is None:
        raise DomainError(f"申请 {case.number} 没有正在享受的救助，无需复核。")
    today = timezone.localdate()
    with transaction.atomic():
        Recipient.objects.filter(pk=recipient.pk).update(
            next_review_on=today, updated_at=timezone.now()
        )
        record_event(case, actor, Action.REQUEST_REVIEW, case.status, case.status, reason)
        record_audit(actor, "request_review", case, {"reason": reason})
    recipient.refresh_from_db()
    return recipient
