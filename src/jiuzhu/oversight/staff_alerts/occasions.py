"""What waits for staff, read from the apps that own it, each occasion with its key.

- a case whose decision date is at most two working days away (the town's caseworkers and
  its investigator), keyed by the case and that date: a moved deadline is a new occasion;
- advance aid (先行救助) not granted 12 hours after the application (the town's
  caseworkers);
- a new lead (困难线索) or an unanswered referral (转介) in the area, from the last week;
- a payroll checked and waiting for approval (those who approve it in its area);
- a verification job finished in the last week (whoever started it).

The platform text names the case or payroll number, never a person; the SMS never reads
it (delivery.py).
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from jiuzhu.cases.models import UNDECIDED_STATUSES, Case, Status
from jiuzhu.core.models import RegionLevel, User
from jiuzhu.core.months import long_date
from jiuzhu.core.roles import CAPABILITIES, Capability, Role
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach.models import Lead, LeadStatus, Referral
from jiuzhu.oversight.models import StaffAlertKind as Kind
from jiuzhu.payments.models import Payroll, PayrollStatus
from jiuzhu.verification.models import JobStatus, VerificationJob

DEADLINE_WORKING_DAYS = 2
ADVANCE_AID_HOURS = 12
RECENT_DAYS = 7
CASEWORKERS = (Role.TOWN_ASSISTANT, Role.TOWN_APPROVER)


@dataclass(frozen=True)
class Occasion:
    kind: str
    key: str
    text: str
    link: str
    code: str = ""  # region code: staff of the area are told
    user_id: int | None = None  # or one person only


def _cases(today: dt.date, now: dt.datetime) -> Iterator[Occasion]:
    limit = Calendar().add_working_days(today, DEADLINE_WORKING_DAYS)
    due = Case.objects.filter(
        status__in=UNDECIDED_STATUSES,
        paused_since__isnull=True,
        decision_due__gte=today,
        decision_due__lte=limit,
    ).only("pk", "number", "responsible_code", "decision_due", "investigator_id")
    for case in due:
        assert case.decision_due is not None  # filtered on it
        text = f"申请 {case.number} 将于{long_date(case.decision_due)}到期，请及时办结。"
        link = reverse("cases:detail", args=[case.pk])
        key = f"deadline:{case.pk}:{case.decision_due:%Y%m%d}"
        yield Occasion(Kind.DEADLINE, key, text, link, code=case.responsible_code)
        if case.investigator_id:
            yield Occasion(Kind.DEADLINE, key, text, link, user_id=case.investigator_id)
    late = Case.objects.filter(
        advance_for__isnull=False,
        status__in=[Status.ACCEPTED, Status.INVESTIGATING],
        submitted_at__lte=now - dt.timedelta(hours=ADVANCE_AID_HOURS),
    ).only("pk", "number", "responsible_code")
    for case in late:
        yield Occasion(
            Kind.ADVANCE_AID,
            f"advance:{case.pk}",
            f"先行救助 {case.number} 受理已超过{ADVANCE_AID_HOURS}小时仍未发放。",
            reverse("cases:detail", args=[case.pk]),
            code=case.responsible_code,
        )


def _outreach(today: dt.date, now: dt.datetime) -> Iterator[Occasion]:
    since = now - dt.timedelta(days=RECENT_DAYS)
    for lead in Lead.objects.filter(status=LeadStatus.OPEN, reported_at__gte=since).only(
        "pk", "region_code"
    ):
        yield Occasion(
            Kind.LEAD,
            f"lead:{lead.pk}",
            "本辖区有一条新的困难线索待研判。",
            reverse("outreach:lead", args=[lead.pk]),
            code=lead.region_code,
        )
    recent = Referral.objects.filter(
        answered_on__isnull=True, referred_on__gte=today - dt.timedelta(days=RECENT_DAYS)
    ).only("pk", "town_code", "department", "answer_due")
    for referral in recent:
        yield Occasion(
            Kind.REFERRAL,
            f"referral:{referral.pk}",
            f"本辖区有一条新的转介（{referral.get_department_display()}），"
            f"答复期限{long_date(referral.answer_due)}。",
            reverse("outreach:referrals"),
            code=referral.town_code,
        )


def _payments_and_jobs(today: dt.date, now: dt.datetime) -> Iterator[Occasion]:
    for payroll in Payroll.objects.filter(status=PayrollStatus.CHECKED).only(
        "pk", "month", "town_code"
    ):
        yield Occasion(
            Kind.PAYROLL,
            f"payroll:{payroll.pk}",
            f"{payroll.month:%Y年%m月}的发放名册已审查，等待审批。",
            reverse("payments:detail", args=[payroll.pk]),
            code=payroll.town_code,
        )
    since = now - dt.timedelta(days=RECENT_DAYS)
    for job in VerificationJob.objects.filter(status=JobStatus.DONE, finished_at__gte=since).only(
        "pk", "created_by_id"
    ):
        yield Occasion(
            Kind.VERIFICATION,
            f"verification:{job.pk}",
            "您发起的经济状况核对任务已完成，可以查看核对报告。",
            reverse("verification:job", args=[job.pk]),
            user_id=job.created_by_id,
        )


def occasions(today: dt.date, now: dt.datetime) -> list[Occasion]:
    return [
        *_cases(today, now),
        *_outreach(today, now),
        *_payments_and_jobs(today, now),
    ]


_CAPABILITY: dict[str, Capability] = {
    Kind.LEAD: Capability.TRIAGE_LEADS,
    Kind.REFERRAL: Capability.REFER,
    Kind.PAYROLL: Capability.APPROVE_PAYROLL,
}


def _told(kind: str) -> Q:
    """Who of the staff is told about an occasion of this kind in their area."""
    town_level = ~Q(region__level=RegionLevel.COUNTY)
    if kind in (Kind.DEADLINE, Kind.ADVANCE_AID):
        return Q(role__in=CASEWORKERS) & town_level
    needed = _CAPABILITY[kind]
    roles = Q(role__in=list(CAPABILITIES[needed]))
    return roles if kind == Kind.PAYROLL else roles & town_level


def recipients(found: list[Occasion]) -> list[tuple[User, Occasion]]:
    """(user, occasion) for every member of staff told: the one named, or the area's."""
    staff = list(User.objects.filter(is_active=True, region__isnull=False).select_related("region"))
    by_kind: dict[str, set[int]] = {
        kind: set(User.objects.filter(_told(kind), is_active=True).values_list("pk", flat=True))
        for kind in {o.kind for o in found if o.user_id is None}
    }
    pairs: list[tuple[User, Occasion]] = []
    for occasion in found:
        for user in staff:
            if occasion.user_id is not None:
                if user.pk == occasion.user_id:
                    pairs.append((user, occasion))
            elif user.pk in by_kind[occasion.kind] and occasion.code.startswith(user.scope_prefix):
                pairs.append((user, occasion))
    return pairs
