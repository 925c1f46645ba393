"""The decision: approval or refusal (never by the investigator), objections during the
public notice, the notice closed, advance aid granted."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.cases import care, notifications, rules
from jiuzhu.cases.models import (
    Action,
    AdvancePayment,
    Case,
    CaseEvent,
    Objection,
    Status,
)
from jiuzhu.cases.services.common import check_allowed, move, require_text
from jiuzhu.cases.services.recipients import put_in_force
from jiuzhu.cases.services.verification_bridge import verification_unfinished
from jiuzhu.cases.workflow import INVESTIGATION_ACTIONS
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.months import first_of_next_month
from jiuzhu.core.programmes import Programme
from jiuzhu.policy.accessors import temporary_max_per_year

ADVANCE_OPENER_MAY_NOT_GRANT = "启动先行救助的人员不能批准发放同一救助（审批与经办分离）。"
# Acts the person who opened the case may not take on it (审批与经办分离).
BARRED_TO_OPENER = frozenset({Action.GRANT_ADVANCE_AID})


def barred_to_opener(actor: User, case: Case, action: str) -> bool:
    """Whether `actor` opened `case` and `action` must be someone else's."""
    return action in BARRED_TO_OPENER and case.created_by_id == actor.pk


def _check_separation(actor: User, case: Case) -> None:
    investigated = CaseEvent.objects.filter(
        case=case,
        actor=actor,
        action__in=INVESTIGATION_ACTIONS,
    ).exists()
    if investigated or case.investigator_id == actor.pk:
        raise PermissionError("调查人员不能审核确认同一申请（审批与调查分离）。")


def approve(actor: User, case: Case, version: int, note: str = "") -> Case:
    """Approve with the amount from the policy engine; then the 7-day public notice."""
    return _approve(actor, case, version, note, Action.APPROVE)


def county_approve(actor: User, case: Case, version: int, note: str = "") -> Case:
    """The county approves temporary aid above the town's limit (the town may not)."""
    if case.programme != Programme.TEMPORARY:
        raise DomainError("只有超过乡镇审批权限的临时救助需报县级审批。")
    return _approve(actor, case, version, note, Action.COUNTY_APPROVE)


def _check_temporary(case: Case, amount: Decimal, today: dt.date, county: bool) -> None:
    """The yearly repeat limit, and who approves the amount: the town within its limit,
    the county above it (docs/policy/other-programmes.md#temporary)."""
    most = temporary_max_per_year(today)
    granted = (
        Case.objects.filter(
            household=case.household,
            programme=Programme.TEMPORARY,
            status=Status.IN_FORCE,
            decided_at__date__gte=dt.date(today.year, 1, 1),
        )
        .exclude(pk=case.pk)
        .count()
    )
    if granted >= most:
        raise DomainError(
            f"该户本年度已获临时救助{granted}次，已达每年{most}次的上限，不能再次批准。"
        )
    town_limit = rules.advance_aid_limit(case, today)
    if amount > town_limit and not county:
        raise DomainError(f"临时救助金额{amount}元超过乡镇审批权限{town_limit}元，须报县级审批。")
    if amount <= town_limit and county:
        raise DomainError(f"临时救助金额{amount}元在乡镇审批权限内，由乡镇审核确认。")


def _approve(actor: User, case: Case, version: int, note: str, action: Action) -> Case:
    check_allowed(actor, case, action)
    if case.programme == Programme.CHARITY:
        raise DomainError("慈善救助由慈善组织按项目决定，请在“慈善救助”中将本申请转介慈善项目。")
    _check_separation(actor, case)
    unfinished = verification_unfinished(case)
    if unfinished:
        raise DomainError(unfinished)
    today = timezone.localdate()
    refusal = care.decision_refusal(case, today)
    if refusal:
        raise DomainError(refusal)
    if case.decision_due and today > case.decision_due:
        note = (note + "（超期办结）").strip()
    result = rules.entitlement(case, first_of_next_month(today))
    if not result.eligible:
        raise DomainError("按现行政策该申请不符合条件，请作出不予批准决定：" + result.summary)
    if case.programme == Programme.TEMPORARY:
        _check_temporary(
            case, result.one_off_amount or Decimal("0"), today, action == Action.COUNTY_APPROVE
        )
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
        move(
            actor,
            case,
            action,
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
            put_in_force(actor, case)
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
    check_allowed(actor, case, Action.REJECT)
    _check_separation(actor, case)
    rule = require_text(rule, "不予批准所依据的规定", 200)
    note = require_text(note, "不予批准的理由")
    with transaction.atomic():
        move(
            actor,
            case,
            Action.REJECT,
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
    check_allowed(actor, case, Action.RECORD_OBJECTION)
    content = require_text(content, "异议内容")
    resolution = require_text(resolution, "核查结果")
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
        move(
            actor,
            case,
            Action.RECORD_OBJECTION,
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
    """The public notice has ended without a founded objection: the decision takes effect."""
    check_allowed(actor, case, Action.CLOSE_NOTICE)
    if case.notice_ends_on is None or timezone.localdate() <= case.notice_ends_on:
        raise DomainError(f"公示期至{case.notice_ends_on:%Y年%m月%d日}，期满后方可生效。")
    with transaction.atomic():
        move(actor, case, Action.CLOSE_NOTICE, version, Status.IN_FORCE)
        put_in_force(actor, case)
    return case


def grant_advance_aid(
    actor: User, case: Case, version: int, amount: Decimal, method: str, note: str = ""
) -> AdvancePayment:
    """Advance aid (先行救助): decided and paid within 24 clock hours; paperwork after.
    Two people: whoever opened it (the application's intake) may not grant it."""
    check_allowed(actor, case, Action.GRANT_ADVANCE_AID)
    if case.advance_for_id is None:
        raise DomainError("只有先行救助申请可以直接批准发放。")
    if barred_to_opener(actor, case, Action.GRANT_ADVANCE_AID):
        raise PermissionError(ADVANCE_OPENER_MAY_NOT_GRANT)
    method = require_text(method, "发放方式", 20)
    limit = rules.advance_aid_limit(case, timezone.localdate())
    if amount <= 0:
        raise DomainError("先行救助金额应大于0。", field="amount")
    if amount > limit:
        raise DomainError(f"先行救助金额不能超过{limit}元（乡镇审批权限）。", field="amount")
    now = timezone.now()
    with transaction.atomic():
        move(
            actor,
            case,
            Action.GRANT_ADVANCE_AID,
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
