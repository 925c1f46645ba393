"""Recipients in force: put in force, reviewed, suspended, reinstated, terminated."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from jiuzhu.cases import notifications, rules
from jiuzhu.cases.models import (
    ACTIVE_RECIPIENT_STATUSES,
    Action,
    Case,
    Recipient,
    RecipientStatus,
    Status,
)
from jiuzhu.cases.services.common import check_allowed, move, require_text
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.months import add_months, first_of_next_month
from jiuzhu.core.programmes import Programme
from jiuzhu.core.services import record_audit
from jiuzhu.registry.models import Membership

# Paid once (temporary aid; education aid, once per term), through the month's payroll.
ONE_OFF_PROGRAMMES = frozenset({Programme.TEMPORARY, Programme.EDUCATION})


def put_in_force(actor: User, case: Case) -> Recipient | None:
    """The recipient record; payments start from the next month."""
    today = timezone.localdate()
    if case.programme in ONE_OFF_PROGRAMMES:
        return _one_off(actor, case, first_of_next_month(today))
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
                members_covered=1 if person else members_covered(case),
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
        f"每月{format_yuan(case.monthly_amount, fen=False)}元，"
        f"自{recipient.start_month:%Y年%m月}起发放。",
    )
    if case.programme == Programme.TEKUN:
        _rebase_dibao(actor, case)
    return recipient


def _one_off(actor: User, case: Case, month: dt.date) -> Recipient:
    """One-off aid is paid once: a recipient of one month, ended from the start (it never
    blocks a later grant nor comes up for review), paid with the month's payroll and its
    bank file, and so counted in budget execution and on the household's file."""
    recipient = Recipient.objects.create(
        case=case,
        household=case.household,
        programme=case.programme,  # paid to the head's account (a student has none)
        region_code=case.household.registered_code,
        status=RecipientStatus.ENDED,
        monthly_amount=case.one_off_amount or Decimal("0"),
        members_covered=1 if case.beneficiary_id else members_covered(case),
        start_month=month,
        end_month=add_months(month, 1),
        end_reason=f"{case.get_programme_display()}一次性发放",
    )
    record_audit(actor, "recipient_in_force", recipient, {"case": case.number})
    notifications.notify(
        case,
        f"您的{case.get_programme_display()}申请（{case.number}）已批准，"
        f"金额{case.one_off_amount}元，"
        f"随{month:%Y年%m月}发放一次性打入账户。",
    )
    return recipient


def covered(members: int, tekun_members: int) -> int:
    """Members in a household-level unit: current members, less those supported as tekun
    (a person is never in both); at least one."""
    return max(members - tekun_members, 1)


def _tekun_members(households: Any) -> Any:
    return Recipient.objects.filter(
        household__in=households,
        programme=Programme.TEKUN,
        status__in=ACTIVE_RECIPIENT_STATUSES,
        person__isnull=False,
    )


def members_covered(case: Case) -> int:
    """Members covered by the case's household-level unit (the case's own row excluded)."""
    members = case.household.memberships.filter(end_date__isnull=True).count()
    tekun = _tekun_members([case.household_id]).exclude(case=case).count()
    return covered(members, tekun)


def members_covered_by_household(household_ids: Sequence[int]) -> dict[int, int]:
    """`members_covered` for many households at once, before their recipients are written
    (bulk writers): grouped counts per ten thousand households."""
    members: dict[int, int] = {}
    tekun: dict[int, int] = {}
    for start in range(0, len(household_ids), rules.CHUNK):
        part = list(household_ids[start : start + rules.CHUNK])
        members.update(
            Membership.objects.filter(end_date__isnull=True, household_id__in=part)
            .values("household_id")
            .annotate(count=Count("pk"))
            .values_list("household_id", "count")
        )
        tekun.update(
            _tekun_members(part)
            .values("household_id")
            .annotate(count=Count("pk"))
            .values_list("household_id", "count")
        )
    return {
        household: covered(members.get(household, 0), tekun.get(household, 0))
        for household in household_ids
    }


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
        review(
            actor,
            dibao.case,
            dibao.case.version,
            f"成员纳入特困供养（{tekun_case.number}），低保重新核定",
        )


def terminate(actor: User, case: Case, version: int, reason: str) -> Case:
    """Stop a programme: reason, notice to the household, ends after this month."""
    check_allowed(actor, case, Action.TERMINATE)
    reason = require_text(reason, "停止救助的理由")
    today = timezone.localdate()
    with transaction.atomic():
        move(actor, case, Action.TERMINATE, version, Status.ENDED, reason)
        Recipient.objects.filter(case=case).update(
            status=RecipientStatus.ENDED,
            end_month=first_of_next_month(today),
            end_reason=reason[:200],
            updated_at=timezone.now(),
        )
        notifications.notify(
            case,
            f"您的{case.get_programme_display()}（{case.number}）将于本月底停止，理由：{reason}",
        )
    return case


def recipient_of(case: Case) -> Recipient:
    """The case's recipient record to review, suspend or end (a DomainError for one-off aid:
    it is paid once and has nothing to review)."""
    recipient = Recipient.objects.filter(case=case).first()
    if recipient is None or case.programme in ONE_OFF_PROGRAMMES:
        raise DomainError("该申请没有救助对象记录（一次性救助无需复核）。")
    return recipient


def review(actor: User, case: Case, version: int, reason: str) -> Recipient:
    """A periodic review or a reported change: recompute through the policy engine."""
    check_allowed(actor, case, Action.REVIEW)
    recipient = recipient_of(case)
    reason = require_text(reason, "复核原因")
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
            members_covered=1 if recipient.person_id else members_covered(case),
            end_month=month if status == RecipientStatus.ENDED else None,
            end_reason=reason[:200] if status == RecipientStatus.ENDED else "",
            updated_at=timezone.now(),
        )
        move(
            actor,
            case,
            Action.REVIEW,
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
                + (
                    f"调整为每月{format_yuan(amount, fen=False)}元。"
                    if status != RecipientStatus.ENDED
                    else "停止发放。"
                ),
            )
    return recipient


def suspend(actor: User, case: Case, version: int, reason: str) -> Recipient:
    """Stop payments for a while (e.g. a review pending, the household unreachable)."""
    check_allowed(actor, case, Action.SUSPEND)
    recipient = recipient_of(case)
    if recipient.status == RecipientStatus.SUSPENDED:
        raise DomainError("已经暂停发放。")
    reason = require_text(reason, "暂停发放的理由")
    with transaction.atomic():
        move(actor, case, Action.SUSPEND, version, Status.IN_FORCE, reason)
        Recipient.objects.filter(pk=recipient.pk).update(
            status=RecipientStatus.SUSPENDED, updated_at=timezone.now()
        )
        notifications.notify(
            case, f"您的{case.get_programme_display()}（{case.number}）暂停发放，理由：{reason}"
        )
    recipient.refresh_from_db()
    return recipient


def reinstate(actor: User, case: Case, version: int, comment: str = "") -> Recipient:
    """Payments resume after a suspension."""
    check_allowed(actor, case, Action.REINSTATE)
    recipient = recipient_of(case)
    if recipient.status != RecipientStatus.SUSPENDED:
        raise DomainError("没有暂停，无需恢复。")
    with transaction.atomic():
        move(actor, case, Action.REINSTATE, version, Status.IN_FORCE, comment)
        Recipient.objects.filter(pk=recipient.pk).update(
            status=RecipientStatus.ACTIVE, updated_at=timezone.now()
        )
        notifications.notify(case, f"您的{case.get_programme_display()}（{case.number}）恢复发放。")
    recipient.refresh_from_db()
    return recipient
