"""Every write on a case: one function per act, in a transaction, with its event.

Each transition is checked against the table in workflow.py and applied with an optimistic
version check, so two staff acting at once cannot both succeed: the second is told the
case changed. Broken rules raise DomainError (Chinese); nothing is written then.
"""

import datetime as dt
import hashlib
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jiuzhu.cases import notifications, rules
from jiuzhu.cases.models import (
    ACTIVE_RECIPIENT_STATUSES,
    OPEN_STATUSES,
    AdvancePayment,
    Case,
    CaseDocument,
    CaseEvent,
    Channel,
    DocumentKind,
    HomeVisit,
    Objection,
    Recipient,
    RecipientStatus,
    SpotCheck,
    Status,
    TemporaryKind,
)
from jiuzhu.cases.workflow import TRANSITIONS, Transition
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.months import first_of_next_month
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Role
from jiuzhu.core.services import record_audit
from jiuzhu.core.workdays import Calendar
from jiuzhu.registry.models import Household, Membership, Person
from jiuzhu.verification import services as verification_services

STALE = "该申请刚被其他人办理，内容已变化，请刷新后重试。"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Recognised by their first bytes, never by the name the browser sends.
FILE_SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"%PDF-": ("application/pdf", ".pdf"),
}


def _town_of(region: Region) -> Region:
    node = region
    while node.level != RegionLevel.TOWN and node.parent is not None:
        node = node.parent
    if node.level != RegionLevel.TOWN:
        raise DomainError("无法确定负责的镇（街道）。")
    return node


def route(household: Household, by_residence: bool) -> Region:
    """The town responsible: of registration, or of residence where the household asks and
    lives away from its registration (就近能办、多点可办)."""
    region = household.residence_region if by_residence else household.registered_region
    return _town_of(region)


def _intake_region(actor: User) -> Region:
    if actor.region is None or actor.region.level == RegionLevel.COUNTY:
        raise DomainError("申请须在镇（街道）窗口或村（社区）受理。")
    return actor.region


def _member(household: Household, person: Person | None, what: str) -> None:
    if person is None:
        return
    if not Membership.objects.filter(
        household=household, person=person, end_date__isnull=True
    ).exists():
        raise DomainError(f"{what}不是该户的现有成员。")


@dataclass
class ApplicationInput:
    household: Household
    applicant: Person
    programme: str
    reason: str
    channel: str = Channel.WINDOW
    beneficiary: Person | None = None
    temporary_kind: str = ""
    single_person_unit: bool = False
    special_hardship: bool = False
    by_residence: bool = False
    authorisation_signed: bool = False
    commitment_signed: bool = False
    documents: list[tuple[str, UploadedFile]] = field(default_factory=list)


def _next_number(prefix: str) -> str:
    # Numbers run per day across the county: lock the county's row so that two windows
    # taking applications at the same moment cannot draw the same number.
    Region.objects.select_for_update().filter(level=RegionLevel.COUNTY).first()
    today = timezone.localdate()
    stem = f"{prefix}{today:%Y%m%d}"
    last = Case.objects.filter(number__startswith=stem).order_by("-number").first()
    seq = int(last.number[len(stem) :]) + 1 if last else 1
    return f"{stem}{seq:05d}"


def _check_application(data: ApplicationInput) -> None:
    if data.programme not in Programme.values:
        raise DomainError("未知的救助项目。", field="programme")
    if data.temporary_kind not in TemporaryKind.values:
        raise DomainError("临时救助类型无效。", field="temporary_kind")
    if data.programme == Programme.TEMPORARY and not data.temporary_kind:
        raise DomainError("临时救助须选择急难型或支出型。", field="temporary_kind")
    if data.programme != Programme.TEMPORARY and data.temporary_kind:
        raise DomainError("只有临时救助需要选择类型。", field="temporary_kind")
    reason = data.reason.strip()
    if not reason or len(reason) > 2000:
        raise DomainError("请填写申请理由（最多2000字）。", field="reason")
    if data.channel not in Channel.values:
        raise DomainError("申请渠道无效。", field="channel")
    _member(data.household, data.applicant, "申请人")
    _member(data.household, data.beneficiary, "救助对象")
    if rules.programme_is_personal(data.programme) and data.beneficiary is None:
        raise DomainError("该项目须指定救助对象（个人）。", field="beneficiary")
    if data.single_person_unit and data.beneficiary is None:
        raise DomainError("单人户申请须指定救助对象。", field="beneficiary")


def _duplicate(data: ApplicationInput) -> Case | None:
    open_cases = Case.objects.filter(
        household=data.household, programme=data.programme, status__in=OPEN_STATUSES
    )
    if data.beneficiary is not None:
        open_cases = open_cases.filter(beneficiary=data.beneficiary)
    return open_cases.first()


def submit_application(actor: User, data: ApplicationInput) -> Case:
    """Intake at any town's window or village station, for any household of the county."""
    if actor.role not in TRANSITIONS["accept"].roles | {Role.VILLAGE_COORDINATOR}:
        raise PermissionError("无权受理申请。")
    intake_region = _intake_region(actor)
    _check_application(data)
    prepared = [_prepare_upload(kind, upload) for kind, upload in data.documents]
    responsible = route(data.household, data.by_residence)
    now = timezone.now()
    with transaction.atomic():
        # Lock the household row: two windows cannot both open the same application.
        Household.objects.select_for_update().filter(pk=data.household.pk).first()
        existing = _duplicate(data)
        if existing is not None:
            raise DomainError(
                f"该户已有未办结的{Programme(data.programme).label}申请（{existing.number}），"
                "不能重复申请。"
            )
        case = Case.objects.create(
            number=_next_number("SQ"),
            household=data.household,
            applicant=data.applicant,
            beneficiary=data.beneficiary,
            programme=data.programme,
            temporary_kind=data.temporary_kind,
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
            authorisation_signed_at=now if data.authorisation_signed else None,
            commitment_signed_at=now if data.commitment_signed else None,
            submitted_at=now,
            created_by=actor,
        )
        event = _event(
            case, actor, "submit", "", Status.SUBMITTED, "", {"by_residence": data.by_residence}
        )
        for item in prepared:
            _store_upload(case, actor, event, item)
        if data.authorisation_signed:
            _record_authorisation(actor, case)
        if data.special_hardship:
            _open_advance_aid(actor, case, now)
        notifications.notify(
            case, f"您的{case.get_programme_display()}申请（{case.number}）已提交，等待受理。"
        )
    return case


def _open_advance_aid(actor: User, case: Case, now: dt.datetime) -> Case:
    hours = rules.advance_aid_hours(now.date())
    advance = Case.objects.create(
        number=_next_number("XX"),
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
    _event(advance, actor, "open_advance_aid", "", Status.ACCEPTED, f"{hours}小时内先行救助", {})
    return advance


@dataclass
class PreparedUpload:
    kind: str
    name: str
    content: bytes
    content_type: str
    extension: str


def _prepare_upload(kind: str, upload: UploadedFile) -> PreparedUpload:
    if kind not in DocumentKind.values:
        raise DomainError("材料类别无效。", field="documents")
    size = upload.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise DomainError(
            f"文件“{upload.name}”超过{MAX_UPLOAD_BYTES // 1024 // 1024}MB。", field="documents"
        )
    if size == 0:
        raise DomainError(f"文件“{upload.name}”是空文件。", field="documents")
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    for signature, (content_type, extension) in FILE_SIGNATURES.items():
        if content.startswith(signature):
            name = Path(upload.name or "file").name[:120]
            return PreparedUpload(kind, name, content, content_type, extension)
    raise DomainError(
        f"文件“{upload.name}”的格式不被接受，只能上传JPG、PNG图片或PDF。", field="documents"
    )


def upload_root() -> Path:
    # Outside the web root: files are served only through a view that checks the area.
    return Path(settings.DATA_DIR) / "uploads" / "cases"


def _store_upload(case: Case, actor: User, event: CaseEvent, item: PreparedUpload) -> CaseDocument:
    relative = Path(str(case.pk)) / f"{uuid.uuid4().hex}{item.extension}"
    target = upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(item.content)
    document = CaseDocument.objects.create(
        case=case,
        event=event,
        kind=item.kind,
        original_name=item.name,
        stored_path=str(relative),
        content_type=item.content_type,
        size=len(item.content),
        sha256=hashlib.sha256(item.content).hexdigest(),
        uploaded_by=actor,
    )
    return document


def _event(
    case: Case,
    actor: User | None,
    action: str,
    from_status: str,
    to_status: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
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
    return actor.region is not None and actor.region.contains(case.responsible_code)


def in_any_area(actor: User, case: Case) -> bool:
    return actor.region is not None and (
        actor.region.contains(case.responsible_code) or actor.region.contains(case.intake_code)
    )


def check_allowed(actor: User, case: Case, action: str) -> Transition:
    transition = TRANSITIONS[action]
    if actor.role not in transition.roles:
        raise PermissionError(f"您的角色不能执行“{transition.label}”。")
    allowed_area = in_responsible_area if transition.responsible_only else in_any_area
    if not allowed_area(actor, case):
        raise PermissionError(f"该申请不由您所在的区划负责，不能执行“{transition.label}”。")
    if case.status not in transition.sources:
        raise DomainError(
            f"申请当前为“{case.get_status_display()}”，不能执行“{transition.label}”。"
        )
    return transition


def _apply(
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
    return _event(case, actor, action, from_status, target, comment, data)


def _require_text(value: str, what: str, limit: int = 2000) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{what}。", field="comment")
    if len(value) > limit:
        raise DomainError(f"{what}过长（最多{limit}字）。", field="comment")
    return value


def accept(actor: User, case: Case, version: int, comment: str = "") -> Case:
    check_allowed(actor, case, "accept")
    if case.commitment_signed_at is None:
        raise DomainError("申请人尚未签署承诺书，不能受理。")
    today = timezone.localdate()
    due = Calendar().add_working_days(today, rules.decision_deadline_working_days(today))
    with transaction.atomic():
        _apply(
            actor,
            case,
            "accept",
            version,
            Status.ACCEPTED,
            comment,
            {"decision_due": str(due)},
            accepted_on=today,
            decision_due=due,
        )
        notifications.notify(
            case,
            f"您的申请（{case.number}）已受理，将在{due:%Y年%m月%d日}前作出审核确认决定。",
        )
    return case


def refuse_intake(actor: User, case: Case, version: int, reason: str) -> Case:
    check_allowed(actor, case, "refuse_intake")
    reason = _require_text(reason, "不予受理的理由")
    with transaction.atomic():
        _apply(actor, case, "refuse_intake", version, Status.REFUSED, reason)
        notifications.notify(case, f"您的申请（{case.number}）不予受理，理由：{reason}")
    return case


def withdraw(actor: User, case: Case, version: int, reason: str) -> Case:
    check_allowed(actor, case, "withdraw")
    reason = _require_text(reason, "撤回原因")
    with transaction.atomic():
        _apply(actor, case, "withdraw", version, Status.WITHDRAWN, reason)
    return case


def start_investigation(actor: User, case: Case, version: int, comment: str = "") -> Case:
    check_allowed(actor, case, "start_investigation")
    with transaction.atomic():
        _apply(
            actor,
            case,
            "start_investigation",
            version,
            Status.INVESTIGATING,
            comment,
            investigator=actor,
        )
        notifications.notify(case, f"您的申请（{case.number}）已进入调查核实，工作人员将入户调查。")
    return case


@dataclass
class HomeVisitInput:
    visited_on: dt.date
    second_staff: str
    findings: str
    checklist: dict[str, bool] = field(default_factory=dict)
    household_signed: bool = False
    photos: list[UploadedFile] = field(default_factory=list)


def record_home_visit(actor: User, case: Case, version: int, data: HomeVisitInput) -> HomeVisit:
    """The home visit: at least two staff, a checklist, findings, photos (入户调查)."""
    check_allowed(actor, case, "record_home_visit")
    second = (data.second_staff or "").strip()
    if not second or len(second) > 40:
        raise DomainError("入户调查须有两名工作人员，请填写第二名调查人员。", field="second_staff")
    findings = _require_text(data.findings, "调查情况", 4000)
    if data.visited_on > timezone.localdate():
        raise DomainError("入户日期不能晚于今天。", field="visited_on")
    if case.accepted_on and data.visited_on < case.accepted_on:
        raise DomainError("入户日期不能早于受理日期。", field="visited_on")
    unknown = set(data.checklist) - set(rules.HOME_VISIT_CHECKLIST)
    if unknown:
        raise DomainError("入户调查表中有未知项目。", field="checklist")
    photos = [_prepare_upload(DocumentKind.HOME_VISIT_PHOTO, p) for p in data.photos]
    with transaction.atomic():
        event = _apply(
            actor,
            case,
            "record_home_visit",
            version,
            Status.INVESTIGATING,
            findings[:200],
            {"visited_on": str(data.visited_on), "second_staff": second},
            investigator=actor,
        )
        visit = HomeVisit.objects.create(
            case=case,
            visited_on=data.visited_on,
            lead_staff=actor,
            second_staff=second,
            checklist={key: bool(data.checklist.get(key)) for key in rules.HOME_VISIT_CHECKLIST},
            findings=findings,
            household_signed=data.household_signed,
        )
        for item in photos:
            _store_upload(case, actor, event, item)
    return visit


def pause_clock(actor: User, case: Case, version: int, reason: str) -> Case:
    """Waiting for the applicant's materials: the 15-day clock stops (the rules allow it)."""
    check_allowed(actor, case, "pause")
    if case.paused_since is not None:
        raise DomainError("计时已暂停。")
    reason = _require_text(reason, "暂停原因（需补充的材料）")
    with transaction.atomic():
        _apply(
            actor, case, "pause", version, case.status, reason, paused_since=timezone.localdate()
        )
        notifications.notify(case, f"您的申请（{case.number}）需补充材料：{reason}")
    return case


def resume_clock(actor: User, case: Case, version: int, comment: str = "") -> Case:
    check_allowed(actor, case, "resume")
    if case.paused_since is None or case.decision_due is None:
        raise DomainError("计时没有暂停。")
    calendar = Calendar()
    paused = calendar.working_days_between(case.paused_since, timezone.localdate())
    due = calendar.add_working_days(case.decision_due, paused)
    with transaction.atomic():
        _apply(
            actor,
            case,
            "resume",
            version,
            case.status,
            comment,
            {"paused_working_days": paused, "decision_due": str(due)},
            paused_since=None,
            paused_working_days=case.paused_working_days + paused,
            decision_due=due,
        )
    return case


def complete_investigation(actor: User, case: Case, version: int, comment: str = "") -> Case:
    check_allowed(actor, case, "complete_investigation")
    if case.paused_since is not None:
        raise DomainError("计时暂停中（等待补充材料），请先恢复计时。")
    if not case.home_visits.exists():
        raise DomainError("尚未登记入户调查，不能完成调查。")
    if rules.needs_economic_verification(case.programme) and case.authorisation_signed_at is None:
        raise DomainError("申请人未签署核对授权书，不能进行家庭经济状况核对。")
    target = (
        Status.COMMUNITY_REVIEW if rules.needs_community_review(case.programme) else Status.DECIDING
    )
    with transaction.atomic():
        _apply(actor, case, "complete_investigation", version, target, comment)
    return case


def record_community_review(
    actor: User, case: Case, version: int, held_on: dt.date, participants: int, outcome: str
) -> Case:
    check_allowed(actor, case, "record_community_review")
    outcome = _require_text(outcome, "评议结果")
    if not 3 <= participants <= 500:
        raise DomainError("评议人数应为3-500人。", field="participants")
    if held_on > timezone.localdate():
        raise DomainError("评议日期不能晚于今天。", field="held_on")
    with transaction.atomic():
        _apply(
            actor,
            case,
            "record_community_review",
            version,
            Status.DECIDING,
            outcome,
            {"held_on": str(held_on), "participants": participants},
        )
    return case


def _check_separation(actor: User, case: Case) -> None:
    investigated = CaseEvent.objects.filter(
        case=case,
        actor=actor,
        action__in=["start_investigation", "record_home_visit", "complete_investigation"],
    ).exists()
    if investigated or case.investigator_id == actor.pk:
        raise PermissionError("调查人员不能审核确认同一申请（审批与调查分离）。")


def approve(actor: User, case: Case, version: int, note: str = "") -> Case:
    """Approve with the amount from the policy engine; then the 7-day public notice."""
    check_allowed(actor, case, "approve")
    _check_separation(actor, case)
    today = timezone.localdate()
    if case.decision_due and today > case.decision_due:
        note = (note + "（超期办结）").strip()
    result = rules.entitlement(case, first_of_next_month(today))
    if not result.eligible:
        raise DomainError("按现行政策该申请不符合条件，请作出不予批准决定：" + result.summary)
    needs_notice = rules.needs_public_notice(case)
    target = Status.NOTICE if needs_notice else Status.IN_FORCE
    fields: dict[str, Any] = {
        "decided_at": timezone.now(),
        "decided_by": actor,
        "monthly_amount": result.monthly_amount,
        "one_off_amount": result.one_off_amount,
        "decision_note": note.strip()[:2000],
        "explanation": result.explanation,
    }
    if needs_notice:
        days = rules.notice_days(today)
        fields.update(notice_starts_on=today, notice_ends_on=today + dt.timedelta(days=days - 1))
    with transaction.atomic():
        _apply(
            actor,
            case,
            "approve",
            version,
            target,
            note,
            {
                "monthly_amount": str(result.monthly_amount),
                "one_off_amount": str(result.one_off_amount),
            },
            **fields,
        )
        if target == Status.IN_FORCE:
            _put_in_force(actor, case)
        else:
            notifications.notify(
                case,
                f"您的申请（{case.number}）已审核确认批准，"
                f"自{case.notice_starts_on:%m月%d日}起在村（社区）公示{rules.notice_days(today)}天。",
            )
    return case


def reject(actor: User, case: Case, version: int, rule: str, note: str) -> Case:
    """A refusal cites the rule and is notified in writing within 3 working days
    (docs/policy/dibao.md#procedure)."""
    check_allowed(actor, case, "reject")
    _check_separation(actor, case)
    rule = _require_text(rule, "不予批准所依据的规定", 200)
    note = _require_text(note, "不予批准的理由")
    with transaction.atomic():
        _apply(
            actor,
            case,
            "reject",
            version,
            Status.REJECTED,
            note,
            {"rule": rule},
            decided_at=timezone.now(),
            decided_by=actor,
            decision_note=f"{rule}：{note}",
        )
        notifications.notify(case, f"您的申请（{case.number}）不予批准。依据：{rule}。理由：{note}")
    return case


def record_objection(
    actor: User, case: Case, version: int, content: str, well_founded: bool, resolution: str
) -> Objection:
    """An objection during the notice; a well-founded one reopens the investigation."""
    check_allowed(actor, case, "record_objection")
    content = _require_text(content, "异议内容")
    resolution = _require_text(resolution, "核查结果")
    target = Status.INVESTIGATING if well_founded else Status.NOTICE
    with transaction.atomic():
        reopen: dict[str, Any] = {}
        if well_founded:
            reopen = {
                "decided_at": None,
                "decided_by": None,
                "monthly_amount": None,
                "one_off_amount": None,
                "notice_starts_on": None,
                "notice_ends_on": None,
            }
        _apply(
            actor,
            case,
            "record_objection",
            version,
            target,
            resolution,
            {"well_founded": well_founded},
            **reopen,
        )
        objection = Objection.objects.create(
            case=case,
            received_on=timezone.localdate(),
            content=content,
            well_founded=well_founded,
            resolution=resolution,
            recorded_by=actor,
        )
        if well_founded:
            notifications.notify(
                case, f"您的申请（{case.number}）公示期间收到异议，经核查需重新调查。"
            )
    return objection


def close_notice(actor: User, case: Case, version: int) -> Case:
    check_allowed(actor, case, "close_notice")
    if case.notice_ends_on is None or timezone.localdate() <= case.notice_ends_on:
        raise DomainError(f"公示期至{case.notice_ends_on:%Y年%m月%d日}，期满后方可生效。")
    with transaction.atomic():
        _apply(actor, case, "close_notice", version, Status.IN_FORCE)
        _put_in_force(actor, case)
    return case


def _put_in_force(actor: User, case: Case) -> Recipient | None:
    """The recipient record; payments start from the next month."""
    if case.programme == Programme.TEMPORARY:
        notifications.notify(
            case, f"您的临时救助申请（{case.number}）已批准，金额{case.one_off_amount}元。"
        )
        return None
    today = timezone.localdate()
    household = case.household
    review_class = rules.review_class(household)
    person = (
        case.beneficiary
        if (case.single_person_unit or rules.programme_is_personal(case.programme))
        else None
    )
    try:
        with transaction.atomic():  # a savepoint: the constraint may refuse the row
            recipient = Recipient.objects.create(
                case=case,
                household=household,
                person=person,
                programme=case.programme,
                region_code=household.registered_code,
                status=RecipientStatus.ACTIVE,
                monthly_amount=case.monthly_amount or Decimal("0"),
                members_covered=1 if person else _members_covered(case),
                start_month=first_of_next_month(today),
                review_class=review_class,
                next_review_on=rules.next_review(household, review_class, today),
            )
    except IntegrityError:
        raise DomainError("该户已在享受此项救助，不能重复生效。") from None
    record_audit(actor, "recipient_in_force", recipient, {"case": case.number})
    notifications.notify(
        case,
        f"您的{case.get_programme_display()}（{case.number}）已生效，"
        f"每月{case.monthly_amount}元，自{recipient.start_month:%Y年%m月}起发放。",
    )
    if case.programme == Programme.TEKUN:
        _rebase_dibao(actor, case)
    return recipient


def _members_covered(case: Case) -> int:
    """Members in a household-level unit: current members, less those supported as tekun."""
    members = case.household.memberships.filter(end_date__isnull=True).count()
    tekun = (
        Recipient.objects.filter(
            household=case.household,
            programme=Programme.TEKUN,
            status__in=ACTIVE_RECIPIENT_STATUSES,
            person__isnull=False,
        )
        .exclude(case=case)
        .count()
    )
    return max(members - tekun, 1)


def _rebase_dibao(actor: User, tekun_case: Case) -> None:
    """A member now supported as tekun leaves the household's dibao unit (never both)."""
    dibao = (
        Recipient.objects.filter(
            household=tekun_case.household,
            programme=Programme.DIBAO,
            status__in=ACTIVE_RECIPIENT_STATUSES,
            person__isnull=True,
        )
        .select_related("case")
        .first()
    )
    if dibao is not None:
        change_amount(
            actor,
            dibao.case,
            dibao.case.version,
            f"成员纳入特困供养（{tekun_case.number}），低保重新核定",
        )


def grant_advance_aid(
    actor: User, case: Case, version: int, amount: Decimal, method: str, note: str = ""
) -> AdvancePayment:
    """Advance aid (先行救助): decided and paid within 24 clock hours; paperwork after."""
    check_allowed(actor, case, "grant_advance_aid")
    if case.advance_for_id is None:
        raise DomainError("只有先行救助申请可以直接批准发放。")
    method = _require_text(method, "发放方式", 20)
    limit = rules.advance_aid_limit(case, timezone.localdate())
    if amount <= 0:
        raise DomainError("先行救助金额应大于0。", field="amount")
    if amount > limit:
        raise DomainError(f"先行救助金额不能超过{limit}元（乡镇审批权限）。", field="amount")
    now = timezone.now()
    with transaction.atomic():
        _apply(
            actor,
            case,
            "grant_advance_aid",
            version,
            Status.IN_FORCE,
            note,
            {
                "amount": str(amount),
                "method": method,
                "within_deadline": bool(case.advance_due_at and now <= case.advance_due_at),
            },
            decided_at=now,
            decided_by=actor,
            one_off_amount=amount,
            decision_note=note[:2000],
        )
        payment = AdvancePayment.objects.create(
            case=case, amount=amount, method=method, paid_at=now, recorded_by=actor
        )
        notifications.notify(case, f"已为您发放先行救助{amount}元（{method}）。")
    return payment


def terminate(actor: User, case: Case, version: int, reason: str) -> Case:
    """Stop a programme: reason, notice to the household, ends after this month."""
    check_allowed(actor, case, "terminate")
    reason = _require_text(reason, "停止救助的理由")
    today = timezone.localdate()
    with transaction.atomic():
        _apply(actor, case, "terminate", version, Status.ENDED, reason)
        Recipient.objects.filter(case=case).update(
            status=RecipientStatus.ENDED,
            end_month=first_of_next_month(today),
            end_reason=reason[:200],
        )
        notifications.notify(
            case,
            f"您的{case.get_programme_display()}（{case.number}）将于本月底停止，理由：{reason}",
        )
    return case


def _recipient(case: Case) -> Recipient:
    recipient = Recipient.objects.filter(case=case).first()
    if recipient is None:
        raise DomainError("该申请没有救助对象记录（一次性救助无需复核）。")
    return recipient


def change_amount(actor: User, case: Case, version: int, reason: str) -> Recipient:
    """A periodic review or a reported change: recompute through the policy engine."""
    check_allowed(actor, case, "review")
    recipient = _recipient(case)
    reason = _require_text(reason, "复核原因")
    today = timezone.localdate()
    month = first_of_next_month(today)
    result = rules.entitlement(case, month)
    with transaction.atomic():
        old = recipient.monthly_amount
        if result.eligible:
            status, amount = RecipientStatus.ACTIVE, result.monthly_amount
        elif result.phase_out_until is not None:
            status, amount = RecipientStatus.PHASE_OUT, result.monthly_amount
        else:
            status, amount = RecipientStatus.ENDED, Decimal("0")
        review_class = rules.review_class(case.household)
        Recipient.objects.filter(pk=recipient.pk).update(
            status=status,
            monthly_amount=amount,
            phase_out_until=result.phase_out_until,
            review_class=review_class,
            next_review_on=rules.next_review(case.household, review_class, today),
            members_covered=1 if recipient.person_id else _members_covered(case),
            end_month=month if status == RecipientStatus.ENDED else None,
            end_reason=reason[:200] if status == RecipientStatus.ENDED else "",
        )
        _apply(
            actor,
            case,
            "review",
            version,
            Status.ENDED if status == RecipientStatus.ENDED else Status.IN_FORCE,
            reason,
            {"old_amount": str(old), "new_amount": str(amount), "status": status},
            monthly_amount=amount,
            explanation=result.explanation,
        )
        recipient.refresh_from_db()
        if amount != old or status != RecipientStatus.ACTIVE:
            notifications.notify(
                case,
                f"经复核，您的{case.get_programme_display()}自{month:%Y年%m月}起"
                + (f"调整为每月{amount}元。" if status != RecipientStatus.ENDED else "停止发放。"),
            )
    return recipient


def suspend(actor: User, case: Case, version: int, reason: str) -> Recipient:
    """Stop payments for a while (e.g. a review pending, the household unreachable)."""
    check_allowed(actor, case, "suspend")
    recipient = _recipient(case)
    if recipient.status == RecipientStatus.SUSPENDED:
        raise DomainError("已经暂停发放。")
    reason = _require_text(reason, "暂停发放的理由")
    with transaction.atomic():
        _apply(actor, case, "suspend", version, Status.IN_FORCE, reason)
        Recipient.objects.filter(pk=recipient.pk).update(status=RecipientStatus.SUSPENDED)
        notifications.notify(
            case, f"您的{case.get_programme_display()}（{case.number}）暂停发放，理由：{reason}"
        )
    recipient.refresh_from_db()
    return recipient


def reinstate(actor: User, case: Case, version: int, comment: str = "") -> Recipient:
    check_allowed(actor, case, "reinstate")
    recipient = _recipient(case)
    if recipient.status != RecipientStatus.SUSPENDED:
        raise DomainError("没有暂停，无需恢复。")
    with transaction.atomic():
        _apply(actor, case, "reinstate", version, Status.IN_FORCE, comment)
        Recipient.objects.filter(pk=recipient.pk).update(status=RecipientStatus.ACTIVE)
        notifications.notify(case, f"您的{case.get_programme_display()}（{case.number}）恢复发放。")
    recipient.refresh_from_db()
    return recipient


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
    if actor.role != Role.COUNTY_SUPERVISOR:
        raise PermissionError("只有县级监管人员可以登记抽查意见。")
    finding = _require_text(finding, "抽查意见")
    with transaction.atomic():
        check.finding, check.problem_found, check.recorded_at = (
            finding,
            problem_found,
            timezone.now(),
        )
        check.save(update_fields=["finding", "problem_found", "recorded_at"])
        _event(
            check.case,
            actor,
            "spot_check",
            check.case.status,
            check.case.status,
            finding,
            {"problem_found": problem_found},
        )
    return check


def add_documents(
    actor: User, case: Case, documents: list[tuple[str, UploadedFile]]
) -> list[CaseDocument]:
    if (
        not in_any_area(actor, case)
        or actor.role not in TRANSITIONS["pause"].roles | TRANSITIONS["record_home_visit"].roles
    ):
        raise PermissionError("无权为该申请上传材料。")
    if case.status not in OPEN_STATUSES:
        raise DomainError("申请已办结，不能再上传材料。")
    prepared = [_prepare_upload(kind, upload) for kind, upload in documents]
    if not prepared:
        raise DomainError("请选择要上传的文件。", field="documents")
    with transaction.atomic():
        event = _event(
            case,
            actor,
            "upload",
            case.status,
            case.status,
            "",
            {"files": [p.name for p in prepared]},
        )
        stored = [_store_upload(case, actor, event, item) for item in prepared]
        signed = {p.kind for p in prepared}
        updates: dict[str, Any] = {}
        if DocumentKind.AUTHORISATION in signed and case.authorisation_signed_at is None:
            updates["authorisation_signed_at"] = timezone.now()
        if DocumentKind.COMMITMENT in signed and case.commitment_signed_at is None:
            updates["commitment_signed_at"] = timezone.now()
        if updates:
            Case.objects.filter(pk=case.pk).update(**updates)
            case.refresh_from_db()
            if "authorisation_signed_at" in updates:
                _record_authorisation(actor, case, stored[0].stored_path)
    return stored


def _record_authorisation(actor: User, case: Case, document: str = "") -> None:
    """The 授权书 gates economic verification; verification keeps the record."""
    verification_services.record_authorisation(
        actor,
        case.household,
        timezone.localdate(),
        document=document or f"申请 {case.number}",
        covers_legal_supporters=True,
        at_intake=True,
    )


def request_verification(actor: User, case: Case, version: int) -> Any:
    """Ask for the household's economic verification during the investigation."""
    check_allowed(actor, case, "request_verification")
    if case.authorisation_signed_at is None:
        raise DomainError("申请人未签署核对授权书，不能进行家庭经济状况核对。")
    with transaction.atomic():
        job = verification_services.create_job(actor, household=case.household, note=case.number)
        _apply(actor, case, "request_verification", version, case.status, "", {"job": job.pk})
        transaction.on_commit(lambda: verification_services.launch_in_background(job))
    return job
