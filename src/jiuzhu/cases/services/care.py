"""The care facts recorded with the policy's limits (registry/care/services.py writes them),
and the children's recipients ended at the age limit by the monthly run."""

import datetime as dt
from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from jiuzhu.cases import care as rules
from jiuzhu.cases import notifications
from jiuzhu.cases.models import (
    ACTIVE_RECIPIENT_STATUSES,
    Action,
    Case,
    Recipient,
    RecipientStatus,
    Status,
)
from jiuzhu.cases.services.common import record_event
from jiuzhu.core.models import User
from jiuzhu.core.months import add_months
from jiuzhu.core.programmes import Programme
from jiuzhu.policy.accessors import Care
from jiuzhu.registry.care import services as registry_care
from jiuzhu.registry.care.models import ChildHardship, SelfCareAssessment
from jiuzhu.registry.care.selectors import care_facts
from jiuzhu.registry.models import Person

ENDED_BECAUSE = "年满18周岁（或全日制学校毕业）"
AGE_LIMIT_REASON = f"{ENDED_BECAUSE}，孤困儿童基本生活保障终止"


def assess_self_care(
    actor: User,
    person: Person,
    assessed_on: dt.date,
    assessor: str,
    assessor_unit: str,
    unable: Collection[str],
    reassess_by: dt.date | None = None,
    note: str = "",
) -> SelfCareAssessment:
    """A self-care assessment; the next one is due at most `tekun.reassessment_months`
    later (the default when none is given)."""
    latest = add_months(assessed_on, Care.on(assessed_on).reassessment_months)
    return registry_care.assess_self_care(
        actor,
        person,
        assessed_on,
        assessor,
        assessor_unit,
        unable,
        reassess_by or latest,
        latest,
        timezone.localdate(),
        note,
    )


def record_child(
    actor: User,
    child: Person,
    father_status: str,
    mother_status: str,
    evidence: str,
    recorded_on: dt.date,
    guardian: Person | None = None,
    guardian_relation: str = "",
    education_until: dt.date | None = None,
) -> ChildHardship:
    """A child's hardship record; a child past the age limit (and not at school) is refused."""
    limit = rules.birthday(child.birth_date, Care.on(recorded_on).children_max_age)
    return registry_care.record_child(
        actor,
        child,
        father_status,
        mother_status,
        evidence,
        recorded_on,
        limit,
        timezone.localdate(),
        guardian=guardian,
        guardian_relation=guardian_relation,
        education_until=education_until,
    )


def end_children_at_age_limit(prefix: str, month: dt.date) -> int:
    """The monthly run: children's recipients of the area whose support ends before the end
    of `month` (18th birthday, or the day after school ends) are ended on that day — the
    payroll pays the month up to it — and their case is closed with an event and a message.
    Returns how many were ended."""
    next_month = add_months(month, 1)
    candidates = list(
        Recipient.objects.filter(
            region_code__startswith=prefix,
            programme=Programme.CHILDREN,
            status__in=ACTIVE_RECIPIENT_STATUSES,
            person__birth_date__lt=add_months(next_month, -12 * Care.on(month).children_max_age),
        ).select_related("case", "person")
    )
    facts = care_facts([r.person_id for r in candidates if r.person_id])
    ended = 0
    for recipient in candidates:
        assert recipient.person is not None
        ends = rules.support_ends(recipient.person, facts[recipient.person.pk], month)
        if ends >= next_month or (recipient.end_month and recipient.end_month <= ends):
            continue
        with transaction.atomic():
            Recipient.objects.filter(pk=recipient.pk).update(
                status=RecipientStatus.ENDED,
                end_month=ends,
                end_reason=AGE_LIMIT_REASON,
                updated_at=timezone.now(),
            )
            case: Case = recipient.case
            Case.objects.filter(pk=case.pk).update(status=Status.ENDED, version=case.version + 1)
            record_event(
                case,
                None,
                Action.TERMINATE,
                case.status,
                Status.ENDED,
                AGE_LIMIT_REASON,
                {"ends": str(ends)},
            )
            notifications.notify(
                case,
                f"您的{case.get_programme_display()}（{case.number}）"
                f"因{ENDED_BECAUSE}，自{ends:%Y年%m月%d日}起停止发放。",
            )
        ended += 1
    return ended
