"""Writes of complaints and reports (投诉举报): received from the public form or recorded by
staff, assigned by a county supervisor, investigated, concluded and replied to.

Separation of duties: the staff member a complaint is about never handles it, never assigns
it and never sees it (selectors leave it out); only its handler writes its investigation.
"""

import datetime as dt
import logging
import secrets
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from jiuzhu.cases.notifications import backend
from jiuzhu.cases.services import PreparedUpload
from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import plain_text
from jiuzhu.core.models import AccessLog, Region, RegionLevel, User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_access, record_audit
from jiuzhu.core.workdays import add_working_days
from jiuzhu.oversight import evidence as evidence_files
from jiuzhu.oversight.follow_ups import ClaimInput, open_follow_ups
from jiuzhu.oversight.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    Finding,
    FollowUpKind,
)
from jiuzhu.oversight.parameters import Supervision
from jiuzhu.oversight.selectors import complaint_for
from jiuzhu.registry.models import Household

logger = logging.getLogger(__name__)

PHONE_DIGITS = range(7, 13)


def _text(value: str, what: str, field: str, limit: int, required: bool = False) -> str:
    value = plain_text(value or "", what, field).strip()
    if required and not value:
        raise DomainError(f"请填写{what}。", field=field)
    if len(value) > limit:
        raise DomainError(f"{what}不能超过{limit}字。", field=field)
    return value


def _phone(value: str) -> str:
    value = (value or "").strip().replace("-", "").replace(" ", "")
    if value and (not value.isdigit() or len(value) not in PHONE_DIGITS):
        raise DomainError("联系电话应为7到12位数字。", field="phone")
    return value


def _number(now: dt.datetime) -> str:
    """The day's next number (TS + date + sequence)."""
    day = timezone.localtime(now).strftime("%Y%m%d")
    prefix = f"TS{day}"
    last = Complaint.objects.filter(number__startswith=prefix).aggregate(last=Max("number"))
    sequence = int(last["last"][len(prefix) :]) if last["last"] else 0
    return f"{prefix}{sequence + 1:04d}"


NUMBER_ATTEMPTS = 5


def _create(
    *,
    town: Region | None,
    channel: str,
    category: str,
    content: str,
    anonymous: bool,
    name: str,
    phone: str,
    subject_text: str = "",
    evidence: str = "",
    subject_household: Household | None = None,
    subject_staff: User | None = None,
    received_by: User | None = None,
    source_ip: str | None = None,
    files: list[PreparedUpload] | None = None,
) -> Complaint:
    if town is None or town.level != RegionLevel.TOWN:
        raise DomainError("请选择所反映问题所在的镇（街道）。", field="town")
    if channel not in ComplaintChannel.values:
        raise DomainError("请选择反映渠道。", field="channel")
    if category not in ComplaintCategory.values:
        raise DomainError("请选择问题类别。", field="category")
    content = _text(content, "反映内容", "content", 2000, required=True)
    evidence = _text(evidence, "证据说明", "evidence", 2000)
    subject_text = _text(subject_text, "反映对象", "subject", 100)
    name = _text(name, "姓名", "name", 40)
    phone = _phone(phone)
    if anonymous:
        name, phone = "", ""
    elif not name or not phone:
        raise DomainError("实名反映请填写姓名和联系电话；不愿留名可选择匿名。", field="name")
    now = timezone.now()
    limit = Supervision.on(timezone.localdate(now)).complaint_working_days
    fields: dict[str, Any] = dict(
        query_code=f"{secrets.randbelow(1_000_000):06d}",
        channel=channel,
        category=category,
        anonymous=anonymous,
        complainant_name=name,
        complainant_phone=phone,
        town=town,
        subject_household=subject_household,
        subject_staff=subject_staff,
        subject_text=subject_text,
        content=content,
        evidence=evidence,
        received_at=now,
        received_by=received_by,
        source_ip=source_ip,
        due_on=add_working_days(timezone.localdate(now), limit),
    )
    for _ in range(NUMBER_ATTEMPTS - 1):
        try:
            return _save(files or [], number=_number(now), **fields)
        except IntegrityError:
            continue  # another complaint took this number at the same moment: take the next
    return _save(files or [], number=_number(now), **fields)


def _save(files: list[PreparedUpload], **fields: Any) -> Complaint:
    town = fields["town"]
    with transaction.atomic():
        complaint = Complaint.objects.create(
            region_code=town.code, status=ComplaintStatus.RECEIVED, **fields
        )
        evidence_files.store(complaint, files, fields["received_by"])
        record_audit(
            fields["received_by"],
            "receive_complaint",
            complaint,
            {"channel": fields["channel"], "town": town.code},
        )
    return complaint


def submit_public(
    *,
    town: Region | None,
    category: str,
    content: str,
    anonymous: bool,
    name: str = "",
    phone: str = "",
    subject_text: str = "",
    source_ip: str | None = None,
    channel: str = ComplaintChannel.WEBSITE,
    files: list[UploadedFile] | None = None,
) -> Complaint:
    """A complaint sent from the public site or the phone portal, without login, with a
    few evidence files. One source may send only so many an hour (a parameter), so the
    form cannot be flooded."""
    if channel not in (ComplaintChannel.WEBSITE, ComplaintChannel.PORTAL):
        raise DomainError("请选择反映渠道。", field="channel")
    per_hour = Supervision.on(timezone.localdate()).public_complaints_per_hour
    recent = Complaint.objects.filter(
        source_ip=source_ip, received_at__gte=timezone.now() - dt.timedelta(hours=1)
    )
    if source_ip and recent.count() >= per_hour:
        raise DomainError("提交过于频繁，请一小时后再试，或拨打12345热线反映。")
    return _create(
        town=town,
        channel=channel,
        category=category,
        content=content,
        anonymous=anonymous,
        name=name,
        phone=phone,
        subject_text=subject_text,
        source_ip=source_ip,
        files=evidence_files.checked(files or [], evidence_files.PUBLIC_FILES),
    )


def record(
    actor: User,
    *,
    town: Region | None,
    channel: str,
    category: str,
    content: str,
    anonymous: bool,
    name: str = "",
    phone: str = "",
    subject_text: str = "",
    evidence: str = "",
    subject_household: Household | None = None,
    subject_staff: User | None = None,
    files: list[UploadedFile] | None = None,
) -> Complaint:
    """A complaint received by phone, letter, visit or in person, entered by staff (with
    the evidence files handed in)."""
    require(actor, Capability.HANDLE_COMPLAINTS)
    if town is not None:
        require_area(actor, town.code)
    if subject_staff is not None and subject_staff.pk == actor.pk:
        raise DomainError("反映本人的问题应由其他工作人员登记。", field="subject_staff")
    return _create(
        town=town,
        channel=channel,
        category=category,
        content=content,
        anonymous=anonymous,
        name=name,
        phone=phone,
        subject_text=subject_text,
        evidence=evidence,
        subject_household=subject_household,
        subject_staff=subject_staff,
        received_by=actor,
        files=evidence_files.checked(files or [], evidence_files.STAFF_FILES),
    )


def may_handle(user: User, complaint: Complaint) -> bool:
    """Whether `user` may be given this complaint: able to handle complaints, its town in
    their area, and not the one it is about."""
    return (
        user.can(Capability.HANDLE_COMPLAINTS)
        and complaint.region_code.startswith(user.scope_prefix)
        and complaint.subject_staff_id != user.pk
    )


def assign(actor: User, complaint: Complaint, handler: User) -> Complaint:
    """A county supervisor gives the complaint to a handler (again, if need be)."""
    require(actor, Capability.SUPERVISE)
    require_area(actor, complaint.region_code)
    if complaint.subject_staff_id == actor.pk:
        raise PermissionError("反映本人的投诉举报由其他人员分派。")
    if complaint.status not in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED):
        raise DomainError("已办结的投诉举报不能再分派。")
    if complaint.subject_staff_id == handler.pk:
        raise DomainError("不能由被反映人承办，请另选承办人。", field="handler")
    if not may_handle(handler, complaint):
        raise DomainError("承办人须有办理投诉举报的职责，且所在区域包含被反映地。", field="handler")
    with transaction.atomic():
        complaint.handler = handler
        complaint.assigned_by = actor
        complaint.status = ComplaintStatus.ASSIGNED
        complaint.save(update_fields=["handler", "assigned_by", "status"])
        record_audit(actor, "assign_complaint", complaint, {"handler": handler.pk})
    return complaint


def _require_handler(actor: User, complaint: Complaint, status: str) -> None:
    if complaint.handler_id != actor.pk or not actor.can(Capability.HANDLE_COMPLAINTS):
        raise PermissionError("只有承办人可以办理这件投诉举报。")
    if complaint.status != status:
        raise DomainError(f"这件投诉举报{complaint.get_status_display()}，不能进行此操作。")


def add_note(actor: User, complaint: Complaint, text: str) -> Complaint:
    _require_handler(actor, complaint, ComplaintStatus.ASSIGNED)
    text = _text(text, "调查情况", "text", 2000, required=True)
    with transaction.atomic():
        note = complaint.notes.create(author=actor, text=text)
        record_audit(actor, "note_complaint", complaint, {"note": note.pk})
    return complaint


def link_household(actor: User, complaint: Complaint, household: Household | None) -> Complaint:
    """The handler names the household the complaint turned out to be about (a public
    complaint names none), so that a review or a recovery can follow."""
    _require_handler(actor, complaint, ComplaintStatus.ASSIGNED)
    if household is None:
        raise DomainError("本辖区没有这个户编号。", field="household")
    require_area(actor, household.registered_code)
    with transaction.atomic():
        complaint.subject_household = household
        complaint.save(update_fields=["subject_household"])
        record_audit(actor, "link_complaint_household", complaint, {"household": household.pk})
    return complaint


def conclude(
    actor: User,
    complaint: Complaint,
    finding: str,
    conclusion: str,
    follow_ups: list[str],
    claim: ClaimInput | None = None,
) -> Complaint:
    """The handler's finding and decision, with the follow-up actions it sets off (opened
    in cases and payments, oversight/follow_ups.py)."""
    _require_handler(actor, complaint, ComplaintStatus.ASSIGNED)
    if finding not in Finding.values:
        raise DomainError("请选择调查结论。", field="finding")
    conclusion = _text(conclusion, "处理意见", "conclusion", 2000, required=True)
    if any(kind not in FollowUpKind.values for kind in follow_ups):
        raise DomainError("后续措施不正确。", field="follow_ups")
    if finding == Finding.UNFOUNDED and follow_ups:
        raise DomainError("反映不属实时不需要后续措施。", field="follow_ups")
    with transaction.atomic():
        # The follow-ups first: one refused leaves the complaint untouched, also in memory.
        open_follow_ups(
            actor, complaint, follow_ups, f"投诉举报{complaint.number}：{conclusion}", claim
        )
        complaint.finding = finding
        complaint.conclusion = conclusion
        complaint.concluded_at = timezone.now()
        complaint.status = ComplaintStatus.CONCLUDED
        complaint.save(update_fields=["finding", "conclusion", "concluded_at", "status"])
        record_audit(
            actor, "conclude_complaint", complaint, {"finding": finding, "follow_ups": follow_ups}
        )
    return complaint


def reply(actor: User, complaint: Complaint, text: str) -> Complaint:
    """The answer to the complainant: kept for the online lookup and texted to a named
    complainant's phone once the reply is committed."""
    _require_handler(actor, complaint, ComplaintStatus.CONCLUDED)
    text = _text(text, "答复内容", "reply", 1000, required=True)
    with transaction.atomic():
        complaint.reply = text
        complaint.replied_at = timezone.now()
        complaint.status = ComplaintStatus.REPLIED
        complaint.save(update_fields=["reply", "replied_at", "status"])
        record_audit(actor, "reply_complaint", complaint)
        phone = complaint.complainant_phone
        if phone:
            message = f"您反映的问题（编号{complaint.number}）已办结：{text}"[:500]
            transaction.on_commit(lambda: _send(phone, message, complaint.number))
    return complaint


def _send(phone: str, text: str, number: str) -> None:
    try:
        backend().send(phone, text)
    except Exception as exc:  # the gateway's failure must not undo the reply
        logger.warning("SMS for complaint %s failed: %s", number, type(exc).__name__)


def open_complaint(
    user: User, complaint_id: int | str, request: HttpRequest | None = None
) -> Complaint | None:
    """The complaint a staff member opens, if theirs to see; every opening is logged."""
    complaint = complaint_for(user, complaint_id)
    if complaint is not None:
        log_access(
            user,
            AccessLog.Channel.PAGE,
            "Complaint",
            complaint.pk,
            complaint.subject_household_id,
            request,
        )
    return complaint
