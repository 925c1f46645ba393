"""Integrity (诚信): dishonesty records and the published list with due process, and the
fault-tolerance reviews of staff errors made in good faith (容错纠错).

Due process of the list: an investigator records the facts; a county supervisor who is
not the investigator decides; the person is told and has an objection period (working
days, a parameter); an objection found right withdraws the entry; otherwise, once the
period is over, the entry is published with masked data until its end date (months, a
parameter), or removed earlier on correction (credit repair).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import plain_text
from jiuzhu.core.models import User
from jiuzhu.core.money import share_fen
from jiuzhu.core.months import add_months, days_in_month
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.core.workdays import add_working_days
from jiuzhu.oversight.models import DishonestyRecord, FaultToleranceRecord, IntegrityStatus
from jiuzhu.oversight.parameters import Supervision
from jiuzhu.registry.models import Household, Person

TOLERANCE_CONDITIONS = {
    "public_good": "出于公心、为了工作",
    "no_gain": "未谋取私利",
    "within_rules": "在政策允许的裁量范围内",
    "corrected": "主动纠正、未造成重大损失",
}


def _text(value: str, what: str, field: str, required: bool = True) -> str:
    value = plain_text(value or "", what, field).strip()
    if required and not value:
        raise DomainError(f"请填写{what}。", field=field)
    if len(value) > 2000:
        raise DomainError(f"{what}不能超过2000字。", field=field)
    return value


def record_dishonesty(
    actor: User,
    person: Person | None,
    household: Household | None,
    facts: str,
    obtained_fen: int,
) -> DishonestyRecord:
    """A proven false declaration, recorded by whoever investigated it; the fine follows
    from the amount obtained (a parameter's multiple)."""
    require(actor, Capability.HANDLE_COMPLAINTS)
    if person is None or household is None:
        raise DomainError("请选择当事人及其家庭。", field="person")
    require_area(actor, household.registered_code)
    facts = _text(facts, "失信事实", "facts")
    if obtained_fen < 0:
        raise DomainError("骗取金额不能为负数。", field="amount")
    multiple = Supervision.on(timezone.localdate()).fine_multiple
    with transaction.atomic():
        entry = DishonestyRecord.objects.create(
            person=person,
            household=household,
            region_code=household.registered_code,
            facts=facts,
            obtained_fen=obtained_fen,
            fine_fen=share_fen(obtained_fen, multiple),
            investigator=actor,
            status=IntegrityStatus.RECORDED,
        )
        record_audit(actor, "record_dishonesty", entry, {"obtained_fen": obtained_fen})
    return entry


def _require_decider(actor: User, entry: DishonestyRecord) -> None:
    require(actor, Capability.SUPERVISE)
    require_area(actor, entry.region_code)
    if entry.investigator_id == actor.pk:
        raise PermissionError("调查人不能作出列入名单的决定，须由其他县级监管人员决定。")


def decide(actor: User, entry: DishonestyRecord, listed: bool, decision: str) -> DishonestyRecord:
    """Whether to put the person on the list; if so, they are told and the objection
    period starts today."""
    _require_decider(actor, entry)
    if entry.status != IntegrityStatus.RECORDED:
        raise DomainError("这条记录已作出决定。")
    decision = _text(decision, "决定理由", "decision")
    today = timezone.localdate()
    with transaction.atomic():
        entry.decided_by = actor
        entry.decision = decision
        if listed:
            days = Supervision.on(today).objection_working_days
            entry.status = IntegrityStatus.NOTICE
            entry.notice_on = today
            entry.objection_until = add_working_days(today, days)
        else:
            entry.status = IntegrityStatus.NOT_LISTED
        entry.save()
        record_audit(actor, "decide_dishonesty", entry, {"listed": listed})
    return entry


def object_to(
    actor: User, entry: DishonestyRecord, text: str, today: dt.date | None = None
) -> DishonestyRecord:
    """The person's objection, received within the period (recorded by staff)."""
    require(actor, Capability.HANDLE_COMPLAINTS)
    require_area(actor, entry.region_code)
    today = today or timezone.localdate()
    if entry.status != IntegrityStatus.NOTICE or entry.objection:
        raise DomainError("只有告知后、尚未提出异议的记录可以登记异议。")
    assert entry.objection_until is not None
    if today > entry.objection_until:
        raise DomainError(f"异议期已于{entry.objection_until:%Y年%-m月%-d日}结束。")
    with transaction.atomic():
        entry.objection = _text(text, "异议内容", "objection")
        entry.save(update_fields=["objection"])
        record_audit(actor, "object_dishonesty", entry)
    return entry


def resolve_objection(
    actor: User, entry: DishonestyRecord, upheld: bool, note: str
) -> DishonestyRecord:
    _require_decider(actor, entry)
    if entry.status != IntegrityStatus.NOTICE or not entry.objection:
        raise DomainError("没有待处理的异议。")
    if entry.objection_resolved is not None:
        raise DomainError("异议已处理。")
    note = _text(note, "异议处理意见", "note")
    with transaction.atomic():
        entry.objection_resolved = True
        entry.decision = f"{entry.decision}\n异议处理：{note}"
        if upheld:
            entry.status = IntegrityStatus.WITHDRAWN
        entry.save()
        record_audit(actor, "resolve_objection", entry, {"upheld": upheld})
    return entry


def publish(actor: User, entry: DishonestyRecord, today: dt.date | None = None) -> DishonestyRecord:
    """Put the entry on the public list once the objection period is over and any
    objection answered; it stays until the end date."""
    _require_decider(actor, entry)
    today = today or timezone.localdate()
    if entry.status != IntegrityStatus.NOTICE:
        raise DomainError("只有已告知的记录可以公布。")
    assert entry.objection_until is not None
    if today <= entry.objection_until:
        raise DomainError(f"异议期至{entry.objection_until:%Y年%-m月%-d日}，期满后才能公布。")
    if entry.objection and entry.objection_resolved is None:
        raise DomainError("当事人的异议尚未处理，不能公布。")
    months = Supervision.on(today).blacklist_months
    with transaction.atomic():
        entry.status = IntegrityStatus.PUBLISHED
        entry.published_on = today
        entry.ends_on = _same_day_later(today, months)
        entry.save()
        record_audit(actor, "publish_dishonesty", entry, {"ends_on": entry.ends_on.isoformat()})
    return entry


def _same_day_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month = add_months(day, months)
    return month.replace(day=min(day.day, days_in_month(month)))


def remove(actor: User, entry: DishonestyRecord, reason: str) -> DishonestyRecord:
    """Take a published entry off the list early: the amount repaid, the record corrected
    (信用修复)."""
    _require_decider(actor, entry)
    if entry.status != IntegrityStatus.PUBLISHED:
        raise DomainError("只有已公布的记录可以移出名单。")
    reason = _text(reason, "移出原因", "reason")[:200]
    with transaction.atomic():
        entry.status = IntegrityStatus.REMOVED
        entry.removed_on = timezone.localdate()
        entry.removal_reason = reason
        entry.save()
        record_audit(actor, "remove_dishonesty", entry)
    return entry


def review_fault(
    actor: User,
    staff_member: User | None,
    error: str,
    conditions: list[str],
    conclusion: str,
    corrected_on: dt.date | None,
) -> FaultToleranceRecord:
    """A supervisor's review of a staff error (容错纠错): tolerated only when every
    condition of the rules holds; never one's own error."""
    require(actor, Capability.SUPERVISE)
    if staff_member is None:
        raise DomainError("请选择工作人员。", field="staff")
    if staff_member.pk == actor.pk:
        raise PermissionError("本人的失误由其他监管人员复核。")
    region_code = staff_member.region.code if staff_member.region else ""
    require_area(actor, region_code)
    if any(code not in TOLERANCE_CONDITIONS for code in conditions):
        raise DomainError("容错条件不正确。", field="conditions")
    error = _text(error, "失误情况", "error")
    conclusion = _text(conclusion, "复核结论", "conclusion")
    met = {code: code in conditions for code in TOLERANCE_CONDITIONS}
    with transaction.atomic():
        entry = FaultToleranceRecord.objects.create(
            staff=staff_member,
            region_code=region_code,
            error=error,
            conditions=met,
            tolerated=all(met.values()),
            corrected_on=corrected_on,
            conclusion=conclusion,
            reviewed_by=actor,
        )
        record_audit(actor, "review_fault", entry, {"tolerated": entry.tolerated})
    return entry
