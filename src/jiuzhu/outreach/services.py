"""Every write of the outreach app: a lead reported and triaged, people put on (and taken
off) a visit plan, a visit recorded. Each in a transaction, audited; a broken rule raises
DomainError (Chinese) and nothing is written."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from jiuzhu.cases import services as cases
from jiuzhu.cases.models import Case, Channel
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach import photos, referrals
from jiuzhu.outreach.inputs import next_number, text
from jiuzhu.outreach.models import (
    Hardship,
    Lead,
    LeadStatus,
    Service,
    TargetGroup,
    Urgency,
    Visit,
    VisitTarget,
)
from jiuzhu.outreach.parameters import Outreach
from jiuzhu.registry.models import Household, Membership, Person

LEAD_PREFIX = "XS"  # 线索


@dataclass
class LeadInput:
    """What a reporter enters on the phone."""

    region: Region
    person_name: str
    address: str
    hardship: str
    urgency: str
    description: str
    phone: str = ""
    photos: list[UploadedFile] = field(default_factory=list)


def report_lead(actor: User, data: LeadInput) -> Lead:
    """A lead filed from the field, for a village of the reporter's area; the town must
    triage it within the parameter's working days."""
    require(actor, Capability.REPORT_LEADS)
    if data.region.level != RegionLevel.VILLAGE:
        raise DomainError("请选择困难群众所在的村（社区）。", field="region")
    if not data.region.code.startswith(actor.scope_prefix):
        raise DomainError("该村（社区）不在您的服务区域内，不能上报。", field="region")
    name = text(data.person_name, "困难群众姓名", "person_name", 40)
    address = text(data.address, "详细地址", "address", 120)
    description = text(data.description, "困难情况", "description", 2000)
    phone = text(data.phone, "联系电话", "phone", 20, required=False)
    if phone and not phone.replace("-", "").isdigit():
        raise DomainError("联系电话只能包含数字和“-”。", field="phone")
    if data.hardship not in Hardship.values:
        raise DomainError("请选择困难类别。", field="hardship")
    if data.urgency not in Urgency.values:
        raise DomainError("请选择紧急程度。", field="urgency")
    checked = photos.checked(data.photos)
    now = timezone.now()
    today = timezone.localdate(now)
    due = Calendar().add_working_days(today, Outreach.on(today).triage_working_days)
    with transaction.atomic():
        # Numbers run per day across the county: lock the county row while drawing one.
        Region.objects.select_for_update().filter(level=RegionLevel.COUNTY).first()
        lead = Lead.objects.create(
            number=next_number(Lead.objects.all(), LEAD_PREFIX, today, 4),
            reporter=actor,
            region=data.region,
            region_code=data.region.code,
            person_name=name,
            phone=phone,
            address=address,
            hardship=data.hardship,
            urgency=data.urgency,
            description=description,
            reported_at=now,
            triage_due=due,
        )
        photos.store(actor, checked, lead=lead)
        record_audit(
            actor,
            "report_lead",
            lead,
            {"region": data.region.code, "hardship": data.hardship, "photos": len(checked)},
        )
    return lead


def _open_lead_in_area(actor: User, lead: Lead) -> Lead:
    """The lead, locked, when the actor may triage it and it still waits for triage."""
    require(actor, Capability.TRIAGE_LEADS)
    require_area(actor, lead.region_code)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.status != LeadStatus.OPEN:
        raise DomainError(f"该线索已处置（{locked.get_status_display()}），不能再处置。")
    return locked


def link_household(actor: User, lead: Lead, household: Household) -> Lead:
    """Tie the lead to the household file of the person reported (found or just created)."""
    if not (
        household.registered_code.startswith(actor.scope_prefix)
        or household.residence_code.startswith(actor.scope_prefix)
    ):
        raise DomainError("该家庭不在本乡镇，不能关联。", field="household")
    with transaction.atomic():
        lead = _open_lead_in_area(actor, lead)
        lead.household = household
        lead.save(update_fields=["household"])
        record_audit(actor, "link_lead_household", lead, {"household": household.number})
    return lead


def _finish(actor: User, lead: Lead, status: str, outcome: str, **fields: object) -> None:
    lead.status = status
    lead.outcome = outcome
    lead.triaged_by = actor
    lead.triaged_at = timezone.now()
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.save()
    record_audit(
        actor,
        f"lead_{status}",
        lead,
        {
            "outcome": outcome,
            **{name: getattr(value, "pk", value) for name, value in fields.items()},
        },
    )


def start_application(
    actor: User,
    lead: Lead,
    programme: str,
    applicant: Person | None,
    temporary_kind: str = "",
    special_hardship: bool = False,
) -> Case:
    """Open an application for the lead's household (channel: proactive discovery); the
    lead is its origin and shows its number."""
    with transaction.atomic():
        locked = _open_lead_in_area(actor, lead)
        if locked.household is None:
            raise DomainError("请先关联或新建该困难群众的家庭档案。", field="household")
        if (
            applicant is None
            or not Membership.objects.filter(
                household=locked.household, person=applicant, end_date__isnull=True
            ).exists()
        ):
            raise DomainError("申请人须为该户的现有成员。", field="applicant")
        case = cases.submit_application(
            actor,
            cases.ApplicationInput(
                household=locked.household,
                applicant=applicant,
                programme=programme,
                temporary_kind=temporary_kind,
                reason=f"主动发现线索{locked.number}：{locked.description}"[:2000],
                channel=Channel.REFERRAL,
                special_hardship=special_hardship,
            ),
        )
        _finish(
            actor,
            locked,
            LeadStatus.APPLICATION,
            f"已转入{case.get_programme_display()}申请",
            case=case,
        )
    return case


def refer_lead(actor: User, lead: Lead, department: str, note: str) -> Lead:
    """Refer the person to another department (health, education, …) with a note; the
    referral waits for the department's answer."""
    with transaction.atomic():
        locked = _open_lead_in_area(actor, lead)
        referral = referrals.refer(
            actor,
            department,
            note,
            locked.person_name,
            locked.region_code[:9] + "000",
            lead=locked,
            household=locked.household,
        )
        _finish(actor, locked, LeadStatus.REFERRED, referral.note, department=department)
    return locked


def close_lead(actor: User, lead: Lead, reason: str) -> Lead:
    """Close the lead without action, saying why (not in difficulty, already helped, …)."""
    reason = text(reason, "不予处置的理由", "reason", 500)
    with transaction.atomic():
        locked = _open_lead_in_area(actor, lead)
        _finish(actor, locked, LeadStatus.CLOSED, reason)
    return locked


# --- visits ------------------------------------------------------------------------------


def add_visit_target(actor: User, person: Person, group: str, since: dt.date) -> VisitTarget:
    """Put a person of the actor's area on the visit plan of the village they live in."""
    require(actor, Capability.PLAN_VISITS)
    if group not in TargetGroup.values:
        raise DomainError("请选择探访对象类别。", field="group")
    if since > timezone.localdate():
        raise DomainError("纳入日期不能晚于今天。", field="since")
    membership = (
        Membership.objects.filter(person=person, end_date__isnull=True)
        .select_related("household__residence_region")
        .first()
    )
    if membership is None:
        raise DomainError("该人员没有现有家庭档案，不能纳入探访。", field="person")
    household = membership.household
    require_area(actor, household.residence_code)
    with transaction.atomic():
        if VisitTarget.objects.filter(person=person, group=group, ended_on__isnull=True).exists():
            raise DomainError(f"该人员已是{TargetGroup(group).label}探访对象。", field="group")
        target = VisitTarget.objects.create(
            person=person,
            household=household,
            group=group,
            village=household.residence_region,
            village_code=household.residence_code,
            since=since,
            created_by=actor,
        )
        record_audit(actor, "add_visit_target", target, {"group": group, "since": str(since)})
    return target


def end_visit_target(actor: User, target: VisitTarget, reason: str) -> VisitTarget:
    """Take a person off the visit plan (moved away, died, no longer in the group)."""
    require(actor, Capability.PLAN_VISITS)
    require_area(actor, target.village_code)
    reason = text(reason, "移出原因", "reason", 100)
    if target.ended_on is not None:
        raise DomainError("该人员已移出探访计划。")
    with transaction.atomic():
        target.ended_on = timezone.localdate()
        target.end_reason = reason
        target.save(update_fields=["ended_on", "end_reason"])
        record_audit(actor, "end_visit_target", target, {"reason": reason})
    return target


@dataclass
class VisitInput:
    visited_on: dt.date
    findings: str
    needs: str = ""
    services: list[str] = field(default_factory=list)
    photos: list[UploadedFile] = field(default_factory=list)


def record_visit(actor: User, target: VisitTarget, data: VisitInput) -> Visit:
    """A visit by staff responsible for the person's village, recorded from the phone."""
    require(actor, Capability.RECORD_VISITS)
    if not target.village_code.startswith(actor.scope_prefix):
        raise DomainError("您不负责该村（社区），不能记录此人的探访。")
    if target.ended_on is not None:
        raise DomainError("该人员已移出探访计划。")
    if data.visited_on > timezone.localdate():
        raise DomainError("探访日期不能晚于今天。", field="visited_on")
    if data.visited_on < target.since:
        raise DomainError("探访日期不能早于纳入探访的日期。", field="visited_on")
    findings = text(data.findings, "探访情况", "findings", 2000)
    needs = text(data.needs, "需求", "needs", 1000, required=False)
    unknown = [name for name in data.services if name not in Service.values]
    if unknown:
        raise DomainError("请从列表中选择提供的服务。", field="services")
    checked = photos.checked(data.photos)
    with transaction.atomic():
        visit = Visit.objects.create(
            target=target,
            visitor=actor,
            visited_on=data.visited_on,
            findings=findings,
            needs=needs,
            services=sorted(set(data.services), key=Service.values.index),
        )
        photos.store(actor, checked, visit=visit)
        if target.last_visited_on is None or data.visited_on > target.last_visited_on:
            VisitTarget.objects.filter(pk=target.pk).update(last_visited_on=data.visited_on)
            target.last_visited_on = data.visited_on
        record_audit(
            actor,
            "record_visit",
            visit,
            {"target": target.pk, "visited_on": str(data.visited_on), "photos": len(checked)},
        )
    return visit
