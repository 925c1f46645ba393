"""Referrals to other departments (with the answer's deadline and the answer) and 一事一议
(a hard case put to the county's leading group; its decision opens the temporary aid)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiuzhu.cases import services as cases
from jiuzhu.cases.models import Case, Channel, ExpenseKind, TemporaryKind
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.money import plain_yuan, to_yuan
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach.inputs import next_number, text
from jiuzhu.outreach.models import (
    Deliberation,
    DeliberationDecision,
    Department,
    Lead,
    Referral,
)
from jiuzhu.outreach.parameters import Outreach
from jiuzhu.registry.models import Household, Membership, Person

DELIBERATION_PREFIX = "YS"  # 一事一议


def refer(
    actor: User,
    department: str,
    note: str,
    person_name: str,
    town_code: str,
    lead: Lead | None = None,
    household: Household | None = None,
) -> Referral:
    """Refer a person to a department; its answer is due within the parameter's working
    days. Called inside the caller's transaction when a lead is referred."""
    require(actor, Capability.REFER)
    require_area(actor, town_code)
    if department not in Department.values:
        raise DomainError("请从列表中选择转介部门。", field="department")
    note = text(note, "转介说明", "note", 500)
    today = timezone.localdate()
    due = Calendar().add_working_days(today, Outreach.on(today).referral_answer_working_days)
    referral = Referral.objects.create(
        lead=lead,
        household=household,
        person_name=person_name,
        town_code=town_code,
        department=department,
        note=note,
        referred_by=actor,
        referred_on=today,
        answer_due=due,
    )
    record_audit(actor, "refer", referral, {"department": department, "due": str(due)})
    return referral


def record_answer(actor: User, referral: Referral, answer: str, answered_on: dt.date) -> None:
    """The department's answer, as the town received it."""
    require(actor, Capability.REFER)
    require_area(actor, referral.town_code)
    answer = text(answer, "部门答复", "answer", 500)
    if answered_on > timezone.localdate() or answered_on < referral.referred_on:
        raise DomainError("答复日期应在转介日期与今天之间。", field="answered_on")
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.answered_on is not None:
            raise DomainError("该转介已登记答复。")
        locked.answer, locked.answered_on, locked.recorded_by = answer, answered_on, actor
        locked.save(update_fields=["answer", "answered_on", "recorded_by"])
        record_audit(actor, "record_referral_answer", locked, {"answered_on": str(answered_on)})


def submit_deliberation(
    actor: User, household: Household, facts: str, requested_fen: int
) -> Deliberation:
    """The town puts a hard case to the county's leading group, with the facts."""
    require(actor, Capability.REFER)
    require_area(actor, household.registered_code)
    facts = text(facts, "困难事实", "facts", 2000)
    if requested_fen < 0:
        raise DomainError("建议救助金额不能为负数。", field="requested")
    now = timezone.now()
    with transaction.atomic():
        Region.objects.select_for_update().filter(level=RegionLevel.COUNTY).first()
        deliberation = Deliberation.objects.create(
            number=next_number(
                Deliberation.objects.all(), DELIBERATION_PREFIX, timezone.localdate(now), 3
            ),
            household=household,
            town_code=household.registered_code[:9] + "000",
            facts=facts,
            requested_fen=requested_fen,
            submitted_by=actor,
            submitted_at=now,
        )
        record_audit(actor, "submit_deliberation", deliberation, {"requested_fen": requested_fen})
    return deliberation


def decide(
    actor: User,
    deliberation: Deliberation,
    met_on: dt.date,
    members_present: str,
    decision: str,
    amount_fen: int | None,
    legal_basis: str,
    arrangement: str = "",
) -> Deliberation:
    """The leading group's decision as minuted: meeting, members, decision, amount, basis."""
    require(actor, Capability.DECIDE_DELIBERATIONS)
    if decision not in DeliberationDecision.values:
        raise DomainError("请选择决定。", field="decision")
    if met_on > timezone.localdate() or met_on < deliberation.submitted_at.date():
        raise DomainError("会议日期应在提请日期与今天之间。", field="met_on")
    members = text(members_present, "参会成员", "members_present", 300)
    if len([name for name in members.replace("，", "、").split("、") if name.strip()]) < 3:
        raise DomainError("参会成员至少三人（以“、”分隔）。", field="members_present")
    basis = text(legal_basis, "政策依据", "legal_basis", 300)
    if decision == DeliberationDecision.TEMPORARY_AID and not amount_fen:
        raise DomainError("给予临时救助须写明金额。", field="amount")
    if decision != DeliberationDecision.TEMPORARY_AID and amount_fen:
        raise DomainError("只有给予临时救助才填写金额。", field="amount")
    if amount_fen is not None and amount_fen < 0:
        raise DomainError("金额不能为负数。", field="amount")
    if decision == DeliberationDecision.SPECIAL:
        arrangement = text(arrangement, "特殊安排", "arrangement", 500)
    with transaction.atomic():
        locked = Deliberation.objects.select_for_update().get(pk=deliberation.pk)
        if locked.decided_at is not None:
            raise DomainError("该议题已作出决定。")
        locked.met_on, locked.members_present, locked.decision = met_on, members, decision
        locked.amount_fen = amount_fen or None
        locked.legal_basis, locked.arrangement = basis, arrangement.strip()
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save()
        record_audit(
            actor,
            "decide_deliberation",
            locked,
            {"decision": decision, "amount_fen": amount_fen, "members": members},
        )
    return locked


def open_aid(actor: User, deliberation: Deliberation, applicant: Person | None) -> Case:
    """The town opens the temporary-aid application the decision grants; its reason cites
    the deliberation, its amount and basis, for the approver to follow."""
    if deliberation.decision != DeliberationDecision.TEMPORARY_AID:
        raise DomainError("该议题未决定给予临时救助。")
    if deliberation.case_id is not None:
        raise DomainError("已为该议题登记临时救助申请。")
    if (
        applicant is None
        or not Membership.objects.filter(
            household=deliberation.household, person=applicant, end_date__isnull=True
        ).exists()
    ):
        raise DomainError("申请人须为该户的现有成员。", field="applicant")
    require(actor, Capability.REFER)
    require_area(actor, deliberation.town_code)
    with transaction.atomic():
        case = cases.submit_application(
            actor,
            cases.ApplicationInput(
                household=deliberation.household,
                applicant=applicant,
                programme=Programme.TEMPORARY,
                temporary_kind=TemporaryKind.EMERGENCY,
                # The deliberated amount is the hardship the aid is computed from.
                hardship=cases.Hardship(
                    to_yuan(deliberation.amount_fen),
                    ExpenseKind.ACCIDENT,
                    f"一事一议{deliberation.number}会议决定",
                )
                if deliberation.amount_fen
                else cases.Hardship(),
                reason=(
                    f"一事一议{deliberation.number}决定给予临时救助"
                    f"{plain_yuan(deliberation.amount_fen or 0)}元"
                    f"（依据：{deliberation.legal_basis}）：{deliberation.facts}"
                )[:2000],
                channel=Channel.REFERRAL,
            ),
        )
        Deliberation.objects.filter(pk=deliberation.pk).update(case=case)
        deliberation.case = case
        record_audit(actor, "open_deliberated_aid", deliberation, {"case": case.number})
    return case
