"""Intake: an application submitted, accepted, refused or withdrawn; advance aid opened
for special hardship."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from jiuzhu.cases import care, notifications, rules
from jiuzhu.cases.models import (
    OPEN_STATUSES,
    Action,
    Case,
    Channel,
    DocumentKind,
    ExpenseKind,
    SchoolStage,
    Status,
    TemporaryKind,
    term_label,
    term_of,
)
from jiuzhu.cases.services.common import check_allowed, move, record_event, require_text
from jiuzhu.cases.services.documents import PreparedUpload, prepare_upload, store_upload
from jiuzhu.cases.services.routing import (
    ADVANCE_AID_PREFIX,
    APPLICATION_PREFIX,
    intake_region_of,
    next_number,
    route,
)
from jiuzhu.cases.services.verification_bridge import (
    check_case_authorisation,
    record_case_authorisation,
)
from jiuzhu.cases.workflow import TRANSITIONS
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Role
from jiuzhu.core.workdays import Calendar
from jiuzhu.registry.care.selectors import care_facts
from jiuzhu.registry.models import Household, Membership, Person
from jiuzhu.verification.services import NO_SIGNED_DOCUMENT


def _member(household: Household, person: Person | None, what: str) -> None:
    if person is None:
        return
    if not Membership.objects.filter(
        household=household, person=person, end_date__isnull=True
    ).exists():
        raise DomainError(f"{what}不是该户的现有成员。")


@dataclass
class SignedAuthorisation:
    """The household's signed 授权书 handed in at intake: the scan of the signed paper and
    the day it was signed; signed by the applicant unless another member is named."""

    scan: UploadedFile | None
    signed_on: dt.date
    signed_by: Person | None = None


@dataclass(frozen=True)
class Hardship:
    """Temporary aid: the household's hardship (necessary spending or loss), its kind and
    the evidence it was entered from (docs/policy/other-programmes.md#temporary)."""

    amount: Decimal | None = None
    kind: str = ""
    evidence: str = ""

    def check(self, programme: str, temporary_kind: str) -> None:
        given = self.amount is not None or self.kind or self.evidence.strip()
        if programme != Programme.TEMPORARY:
            if given:
                raise DomainError("只有临时救助需要填写困难金额。", field="temporary_expense")
            return
        if self.kind not in ExpenseKind.values:
            raise DomainError("困难类别无效。", field="temporary_expense_kind")
        if self.amount is not None and self.amount < 0:
            raise DomainError("困难金额不能为负数。", field="temporary_expense")
        if temporary_kind == TemporaryKind.EXPENDITURE and not self.amount:
            raise DomainError(
                "支出型临时救助须填写家庭难以承受的必需支出金额。", field="temporary_expense"
            )
        if self.amount and not self.kind:
            raise DomainError("请选择困难类别。", field="temporary_expense_kind")
        if self.amount and not self.evidence.strip():
            raise DomainError(
                "请填写困难金额的证明材料（票据、诊断书等）。", field="temporary_evidence"
            )


@dataclass(frozen=True)
class Schooling:
    """Education aid: the student's school stage and the term applied for (its 1st day)."""

    stage: str = ""
    term: dt.date | None = None

    def check(self, programme: str) -> None:
        if programme != Programme.EDUCATION:
            if self.stage or self.term:
                raise DomainError("只有教育救助需要填写学段和学期。", field="school_stage")
            return
        if self.stage not in SchoolStage.values or not self.stage:
            raise DomainError("请选择学生的学段。", field="school_stage")
        if self.term is None or term_of(self.term) != self.term:
            raise DomainError(
                "请选择学期（春季学期自3月1日起，秋季学期自9月1日起）。", field="school_term"
            )
        if self.term > term_of(timezone.localdate()):
            raise DomainError("只能申请本学期或以前学期的教育救助。", field="school_term")


@dataclass
class ApplicationInput:
    """What the intake form collects for one application."""

    household: Household
    applicant: Person
    programme: str
    reason: str
    channel: str = Channel.WINDOW
    beneficiary: Person | None = None
    temporary_kind: str = ""
    hardship: Hardship = Hardship()
    schooling: Schooling = Schooling()
    single_person_unit: bool = False
    special_hardship: bool = False
    by_residence: bool = False
    commitment_signed: bool = False
    authorisation: SignedAuthorisation | None = None
    documents: list[tuple[str, UploadedFile]] = field(default_factory=list)


def _check_application(data: ApplicationInput) -> None:
    if data.programme not in Programme.values:
        raise DomainError("未知的救助项目。", field="programme")
    if data.temporary_kind not in TemporaryKind.values:
        raise DomainError("临时救助类型无效。", field="temporary_kind")
    if data.programme == Programme.TEMPORARY and not data.temporary_kind:
        raise DomainError("临时救助须选择急难型或支出型。", field="temporary_kind")
    if data.programme != Programme.TEMPORARY and data.temporary_kind:
        raise DomainError("只有临时救助需要选择类型。", field="temporary_kind")
    data.hardship.check(data.programme, data.temporary_kind)
    data.schooling.check(data.programme)
    reason = data.reason.strip()
    if not reason or len(reason) > 2000:
        raise DomainError("请填写申请理由（最多2000字）。", field="reason")
    if data.channel not in Channel.values:
        raise DomainError("申请渠道无效。", field="channel")
    _member(data.household, data.applicant, "申请人")
    _member(data.household, data.beneficiary, "救助对象")
    if rules.programme_is_personal(data.programme) and data.beneficiary is None:
        raise DomainError("该项目须指定救助对象（个人）。", field="beneficiary")
    if data.programme == Programme.CHILDREN and data.beneficiary is not None:
        facts = care_facts([data.beneficiary.pk])[data.beneficiary.pk]
        too_old = care.over_age_limit(data.beneficiary, timezone.localdate(), facts)
        if too_old:
            raise DomainError(too_old, field="beneficiary")
    if data.single_person_unit and data.beneficiary is None:
        raise DomainError("单人户申请须指定救助对象。", field="beneficiary")


def _prepared_authorisation(data: ApplicationInput) -> PreparedUpload | None:
    """The scan of the signed 授权书, checked like any upload; a tick without it is refused."""
    if data.authorisation is None:
        return None
    if data.authorisation.scan is None:
        raise DomainError(NO_SIGNED_DOCUMENT, field="authorisation_scan")
    if data.authorisation.signed_on > timezone.localdate():
        raise DomainError("授权书签署日期不能晚于今天。", field="authorisation_signed_on")
    _member(data.household, data.authorisation.signed_by, "授权书签字人")
    return prepare_upload(DocumentKind.AUTHORISATION, data.authorisation.scan)


def _duplicate(data: ApplicationInput) -> Case | None:
    """An open application for the same programme (and person), or education aid for the
    same student and term however it ended but refused."""
    same = Case.objects.filter(household=data.household, programme=data.programme)
    if data.beneficiary is not None:
        same = same.filter(beneficiary=data.beneficiary)
    if data.programme == Programme.EDUCATION:
        termly = same.filter(school_term=data.schooling.term, status=Status.IN_FORCE).first()
        if termly is not None:
            return termly
    return same.filter(status__in=OPEN_STATUSES).first()


def submit_application(actor: User, data: ApplicationInput) -> Case:
    """Intake at any town's window or village station, for any household of the county."""
    if actor.role not in TRANSITIONS[Action.ACCEPT].roles | {
        Role.VILLAGE_COORDINATOR,
        Role.ONLINE_SERVICE,
    }:
        raise PermissionError("无权受理申请。")
    intake_region = intake_region_of(actor)
    _check_application(data)
    prepared = [prepare_upload(kind, upload) for kind, upload in data.documents]
    authorisation = _prepared_authorisation(data)
    responsible = route(data.household, data.by_residence)
    now = timezone.now()
    with transaction.atomic():
        # Lock the household row: two windows cannot both open the same application.
        Household.objects.select_for_update().filter(pk=data.household.pk).first()
        existing = _duplicate(data)
        if existing is not None and existing.status == Status.IN_FORCE:
            assert data.schooling.term is not None
            raise DomainError(
                f"该学生{term_label(data.schooling.term)}已获教育救助（{existing.number}），"
                "不能重复申请。"
            )
        if existing is not None:
            raise DomainError(
                f"该户已有未办结的{Programme(data.programme).label}申请（{existing.number}），"
                "不能重复申请。"
            )
        case = Case.objects.create(
            number=next_number(APPLICATION_PREFIX),
            household=data.household,
            applicant=data.applicant,
            beneficiary=data.beneficiary,
            programme=data.programme,
            temporary_kind=data.temporary_kind,
            temporary_expense=data.hardship.amount or None,
            temporary_expense_kind=data.hardship.kind,
            temporary_evidence=data.hardship.evidence.strip(),
            school_stage=data.schooling.stage,
            school_term=data.schooling.term,
            single_person_unit=data.single_person_unit,
            status=Status.SUBMITTED,
            channel=data.channel,
            intake_region=intake_region,
            responsible_town=responsible,
            intake_code=intake_region.code,
            responsible_code=data.household.registered_code
            if not data.by_residence
            else data.household.residence_code,
            reason=data.reason.strip(),
            special_hardship=data.special_hardship,
            authorisation_signed_at=now if authorisation is not None else None,
            commitment_signed_at=now if data.commitment_signed else None,
            submitted_at=now,
            created_by=actor,
        )
        event = record_event(
            case,
            actor,
            Action.SUBMIT,
            "",
            Status.SUBMITTED,
            "",
            {"by_residence": data.by_residence},
        )
        for item in prepared:
            store_upload(case, actor, event, item)
        if data.authorisation is not None and authorisation is not None:
            scan = store_upload(case, actor, event, authorisation)
            record_case_authorisation(
                actor, case, scan, data.authorisation.signed_on, data.authorisation.signed_by
            )
        if data.special_hardship:
            _open_advance_aid(actor, case, now)
        notifications.notify(
            case, f"您的{case.get_programme_display()}申请（{case.number}）已提交，等待受理。"
        )
    return case


def attach_authorisation(
    actor: User, case: Case, authorisation: SignedAuthorisation, signed_at: dt.datetime
) -> None:
    """The signed 授权书 of an application submitted without its file (signed on the phone,
    its PDF rendered afterwards): stored and recorded as at intake, signed when it was."""
    with transaction.atomic():
        prepared = _prepared_authorisation(
            ApplicationInput(
                household=case.household,
                applicant=case.applicant,
                programme=case.programme,
                reason=case.reason,
                authorisation=authorisation,
            )
        )
        assert prepared is not None
        event = record_event(case, actor, Action.UPLOAD, case.status, case.status, "", {})
        scan = store_upload(case, actor, event, prepared)
        Case.objects.filter(pk=case.pk, authorisation_signed_at__isnull=True).update(
            authorisation_signed_at=signed_at
        )
        record_case_authorisation(
            actor, case, scan, authorisation.signed_on, authorisation.signed_by
        )


def _open_advance_aid(actor: User, case: Case, now: dt.datetime) -> Case:
    hours = rules.advance_aid_hours(now.date())
    advance = Case.objects.create(
        number=next_number(ADVANCE_AID_PREFIX),
        household=case.household,
        applicant=case.applicant,
        beneficiary=case.beneficiary,
        programme=Programme.TEMPORARY,
        temporary_kind=TemporaryKind.EMERGENCY,
        status=Status.ACCEPTED,
        channel=case.channel,
        intake_region=case.intake_region,
        responsible_town=case.responsible_town,
        intake_code=case.intake_code,
        responsible_code=case.responsible_code,
        reason=f"先行救助（关联申请 {case.number}）：{case.reason}"[:2000],
        special_hardship=True,
        advance_for=case,
        submitted_at=now,
        accepted_on=timezone.localdate(),
        advance_due_at=now + dt.timedelta(hours=hours),
        created_by=actor,
    )
    record_event(
        advance, actor, Action.OPEN_ADVANCE_AID, "", Status.ACCEPTED, f"{hours}小时内先行救助", {}
    )
    return advance


def accept(actor: User, case: Case, version: int, comment: str = "") -> Case:
    """Accept the application (the commitment signed): the decision clock starts, and the
    accepting staff of the town responsible have checked the signed 授权书 handed in."""
    check_allowed(actor, case, Action.ACCEPT)
    if case.commitment_signed_at is None:
        raise DomainError("申请人尚未签署承诺书，不能受理。")
    today = timezone.localdate()
    due = Calendar().add_working_days(today, rules.decision_deadline_working_days(today))
    with transaction.atomic():
        move(
            actor,
            case,
            Action.ACCEPT,
            version,
            Status.ACCEPTED,
            comment,
            {"decision_due": str(due)},
            accepted_on=today,
            decision_due=due,
        )
        check_case_authorisation(actor, case)
        notifications.notify(
            case,
            f"您的申请（{case.number}）已受理，将在{due:%Y年%m月%d日}前作出审核确认决定。",
        )
    return case


def refuse_intake(actor: User, case: Case, version: int, reason: str) -> Case:
    """Refuse to take the application, with the reason notified."""
    check_allowed(actor, case, Action.REFUSE_INTAKE)
    reason = require_text(reason, "不予受理的理由")
    with transaction.atomic():
        move(actor, case, Action.REFUSE_INTAKE, version, Status.REFUSED, reason)
        notifications.notify(case, f"您的申请（{case.number}）不予受理，理由：{reason}")
    return case


def withdraw(actor: User, case: Case, version: int, reason: str) -> Case:
    """The applicant withdraws the application."""
    check_allowed(actor, case, Action.WITHDRAW)
    reason = require_text(reason, "撤回原因")
    with transaction.atomic():
        move(actor, case, Action.WITHDRAW, version, Status.WITHDRAWN, reason)
    return case
