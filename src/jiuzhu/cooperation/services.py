"""Writes: charity projects, referrals and gifts; applications dispatched to a department
and the department's decision. Each refuses in Chinese and writes nothing when refused."""

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiuzhu.cases.models import Action, Case, Status
from jiuzhu.cases.services.common import move
from jiuzhu.cooperation.models import (
    ApplicationStatus,
    CharityGift,
    CharityProject,
    CharityReferral,
    Department,
    DepartmentApplication,
    GiftKind,
)
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan, parse_yuan
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.registry.models import Household, Person


def _text(value: str, what: str, field: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{what}。", field=field)
    if len(value) > limit:
        raise DomainError(f"{what}过长（最多{limit}字）。", field=field)
    return value


def register_project(
    actor: User, organisation: str, name: str, funds: str, criteria: str, contact: str
) -> CharityProject:
    require(actor, Capability.REFER)
    project = CharityProject(
        organisation=_text(organisation, "慈善组织", "organisation", 80),
        name=_text(name, "项目名称", "name", 80),
        funds_fen=parse_yuan(funds, "可用资金", "funds"),
        criteria=_text(criteria, "救助条件", "criteria", 2000),
        contact=_text(contact, "联系人及电话", "contact", 80),
        created_by=actor,
    )
    with transaction.atomic():
        project.save()
        record_audit(actor, "register_charity_project", project, {"funds_fen": project.funds_fen})
    return project


def refer(
    actor: User,
    project: CharityProject,
    household: Household,
    reason: str,
    case: Case | None = None,
) -> CharityReferral:
    """Refer a household to a project; a charity case in the decision step ends here (the
    charity, not the town, decides what it gives)."""
    require(actor, Capability.REFER)
    require_area(actor, household.registered_code)
    reason = _text(reason, "转介理由", "reason", 2000)
    if case is not None:
        if case.household_id != household.pk or case.programme != Programme.CHARITY:
            raise DomainError("只能转介本户的慈善救助申请。", field="case")
        if case.status != Status.DECIDING:
            raise DomainError("慈善救助申请调查完成、待审核确认时方可转介。", field="case")
    with transaction.atomic():
        referral = CharityReferral.objects.create(
            project=project,
            household=household,
            case=case,
            town_code=household.registered_code,
            reason=reason,
            referred_by=actor,
        )
        if case is not None:
            move(
                actor,
                case,
                Action.REFER_CHARITY,
                case.version,
                Status.ENDED,
                f"转介慈善项目：{project}",
                decided_at=timezone.now(),
                decided_by=actor,
                decision_note=f"转介慈善项目：{project}"[:2000],
            )
        record_audit(actor, "refer_charity", referral, {"project": str(project)})
    return referral


def record_gift(
    actor: User,
    referral: CharityReferral,
    kind: str,
    amount: str,
    given_on: dt.date | None,
    description: str = "",
) -> CharityGift:
    """What the charity gave; the project's funds go down, never below zero."""
    require(actor, Capability.REFER)
    require_area(actor, referral.town_code)
    if kind not in GiftKind.values:
        raise DomainError("请选择给付形式。", field="kind")
    fen = parse_yuan(amount, "给付金额")
    if fen <= 0:
        raise DomainError("给付金额应大于0。", field="amount")
    if given_on is None:
        raise DomainError("请填写给付日期。", field="given_on")
    if given_on > timezone.localdate():
        raise DomainError("给付日期不能晚于今天。", field="given_on")
    description = _text(description, "说明", "description", 200, required=False)
    with transaction.atomic():
        taken = CharityProject.objects.filter(pk=referral.project_id, funds_fen__gte=fen).update(
            funds_fen=F("funds_fen") - fen
        )
        if taken != 1:
            left = CharityProject.objects.get(pk=referral.project_id).funds_fen
            raise DomainError(f"超出项目可用资金（尚余 {format_yuan(left)} 元）。", field="amount")
        gift = CharityGift.objects.create(
            referral=referral,
            kind=kind,
            amount_fen=fen,
            given_on=given_on,
            description=description,
            recorded_by=actor,
        )
        record_audit(actor, "record_charity_gift", gift, {"amount_fen": fen})
    return gift


def dispatch(
    actor: User,
    person: Person,
    household: Household,
    department: str,
    programme: str,
    request: str,
) -> DepartmentApplication:
    """An application taken at the town window, sent to the department that decides it."""
    require(actor, Capability.REFER)
    require_area(actor, household.registered_code)
    if department not in Department.values:
        raise DomainError("请选择承办部门。", field="department")
    if not household.memberships.filter(person=person, end_date__isnull=True).exists():
        raise DomainError("申请人不是本户现有成员。", field="applicant")
    application = DepartmentApplication(
        number=uuid.uuid4().hex[:20],
        household=household,
        applicant=person,
        town_code=household.registered_code,
        department=department,
        programme=_text(programme, "申请事项", "programme", 80),
        request=_text(request, "申请内容", "request", 2000),
        taken_by=actor,
    )
    with transaction.atomic():
        application.save()
        application.number = f"XT{timezone.localdate():%Y%m%d}{application.pk:06d}"
        application.save(update_fields=["number"])
        record_audit(actor, "dispatch_application", application, {"department": department})
    return application


def decide(
    actor: User,
    application: DepartmentApplication,
    approve: bool,
    decision: str,
    amount: str = "",
) -> DepartmentApplication:
    """The department's decision: approved with what it gave, or refused with the reason."""
    require(actor, Capability.DECIDE_DEPARTMENT_AID)
    if actor.department != application.get_department_display():
        raise PermissionError("只能办理本部门的申请。")
    require_area(actor, application.town_code)
    what = "给予的救助" if approve else "不予批准的理由"
    decision = _text(decision, what, "decision", 500)
    fen = parse_yuan(amount, "给予金额") if approve and amount.strip() else None
    status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REFUSED
    with transaction.atomic():
        updated = DepartmentApplication.objects.filter(
            pk=application.pk, status=ApplicationStatus.DISPATCHED
        ).update(
            status=status,
            decision=decision,
            amount_fen=fen,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        if updated != 1:
            raise DomainError("该申请已办结。")
        application.refresh_from_db()
        record_audit(actor, "decide_application", application, {"status": status.value})
    return application
