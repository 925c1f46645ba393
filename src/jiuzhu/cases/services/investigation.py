"""The investigation: home visit, the decision clock paused and resumed, community review."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from jiuzhu.cases import notifications, rules
from jiuzhu.cases.models import (
    Action,
    Case,
    DocumentKind,
    HomeVisit,
    Status,
)
from jiuzhu.cases.services.common import check_allowed, move, require_text
from jiuzhu.cases.services.documents import prepare_upload, store_upload
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.months import first_of_next_month
from jiuzhu.core.workdays import Calendar
from jiuzhu.policy.calculator import CALCULATED


def start_investigation(actor: User, case: Case, version: int, comment: str = "") -> Case:
    """The actor starts the investigation and becomes its investigator."""
    check_allowed(actor, case, Action.START_INVESTIGATION)
    with transaction.atomic():
        move(
            actor,
            case,
            Action.START_INVESTIGATION,
            version,
            Status.INVESTIGATING,
            comment,
            investigator=actor,
        )
        notifications.notify(case, f"您的申请（{case.number}）已进入调查核实，工作人员将入户调查。")
    return case


@dataclass
class HomeVisitInput:
    """What the home-visit form (入户调查表) collects."""

    visited_on: dt.date
    second_staff: str
    findings: str
    checklist: dict[str, bool] = field(default_factory=dict)
    household_signed: bool = False
    photos: list[UploadedFile] = field(default_factory=list)


def record_home_visit(actor: User, case: Case, version: int, data: HomeVisitInput) -> HomeVisit:
    """The home visit: at least two staff, a checklist, findings, photos (入户调查)."""
    check_allowed(actor, case, Action.RECORD_HOME_VISIT)
    second = (data.second_staff or "").strip()
    if not second or len(second) > 40:
        raise DomainError("入户调查须有两名工作人员，请填写第二名调查人员。", field="second_staff")
    findings = require_text(data.findings, "调查情况", 4000)
    if data.visited_on > timezone.localdate():
        raise DomainError("入户日期不能晚于今天。", field="visited_on")
    if case.accepted_on and data.visited_on < case.accepted_on:
        raise DomainError("入户日期不能早于受理日期。", field="visited_on")
    unknown = set(data.checklist) - set(rules.HOME_VISIT_CHECKLIST)
    if unknown:
        raise DomainError("入户调查表中有未知项目。", field="checklist")
    photos = [prepare_upload(DocumentKind.HOME_VISIT_PHOTO, p) for p in data.photos]
    with transaction.atomic():
        event = move(
            actor,
            case,
            Action.RECORD_HOME_VISIT,
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
            store_upload(case, actor, event, item)
    return visit


def pause_clock(actor: User, case: Case, version: int, reason: str) -> Case:
    """Waiting for the applicant's materials: the 15-day clock stops (the rules allow it)."""
    check_allowed(actor, case, Action.PAUSE)
    if case.paused_since is not None:
        raise DomainError("计时已暂停。")
    reason = require_text(reason, "暂停原因（需补充的材料）")
    with transaction.atomic():
        move(
            actor,
            case,
            Action.PAUSE,
            version,
            case.status,
            reason,
            paused_since=timezone.localdate(),
        )
        notifications.notify(case, f"您的申请（{case.number}）需补充材料：{reason}")
    return case


def resume_clock(actor: User, case: Case, version: int, comment: str = "") -> Case:
    """The materials arrived: the decision date moves by the working days paused."""
    check_allowed(actor, case, Action.RESUME)
    if case.paused_since is None or case.decision_due is None:
        raise DomainError("计时没有暂停。")
    calendar = Calendar()
    paused = calendar.working_days_between(case.paused_since, timezone.localdate())
    due = calendar.add_working_days(case.decision_due, paused)
    with transaction.atomic():
        move(
            actor,
            case,
            Action.RESUME,
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
    """The investigation is done: to community review (dibao) or to the decision."""
    check_allowed(actor, case, Action.COMPLETE_INVESTIGATION)
    if case.paused_since is not None:
        raise DomainError("计时暂停中（等待补充材料），请先恢复计时。")
    if not case.home_visits.exists():
        raise DomainError("尚未登记入户调查，不能完成调查。")
    if rules.needs_economic_verification(case.programme) and case.authorisation_signed_at is None:
        raise DomainError("申请人未签署核对授权书，不能进行家庭经济状况核对。")
    target = (
        Status.COMMUNITY_REVIEW if rules.needs_community_review(case.programme) else Status.DECIDING
    )
    # The approver sees the calculation before deciding, not first at the approve button
    # (charity decides case by case: nothing to calculate).
    calculated = (
        rules.entitlement(case, first_of_next_month(timezone.localdate())).explanation
        if case.programme in CALCULATED
        else {}
    )
    with transaction.atomic():
        move(
            actor,
            case,
            Action.COMPLETE_INVESTIGATION,
            version,
            target,
            comment,
            explanation=calculated,
        )
    return case


def record_community_review(
    actor: User, case: Case, version: int, held_on: dt.date, participants: int, outcome: str
) -> Case:
    """The community review (民主评议) held: the case goes to the decision."""
    check_allowed(actor, case, Action.RECORD_COMMUNITY_REVIEW)
    outcome = require_text(outcome, "评议结果")
    if not 3 <= participants <= 500:
        raise DomainError("评议人数应为3-500人。", field="participants")
    if held_on > timezone.localdate():
        raise DomainError("评议日期不能晚于今天。", field="held_on")
    with transaction.atomic():
        move(
            actor,
            case,
            Action.RECORD_COMMUNITY_REVIEW,
            version,
            Status.DECIDING,
            outcome,
            {"held_on": str(held_on), "participants": participants},
        )
    return case
