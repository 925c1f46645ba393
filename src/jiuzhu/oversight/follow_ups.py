"""What a complaint's or an alert's conclusion sets in motion, opened in the app that owns
it: a review of the household's case in cases (监督发起复核), a recovery claim in payments
(多发追回), a referral to the discipline inspectors (移交纪检监察, recorded here).

Nobody acts on something about themselves: cases refuses a review asked by whoever handled
the case, and here a handler may not open anything on a household of a relative they
declared (近亲属备案).
"""

import datetime as dt
from dataclasses import dataclass

from jiuzhu.cases import services as cases
from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Recipient
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.money import parse_yuan
from jiuzhu.core.months import parse_month
from jiuzhu.core.roles import Capability
from jiuzhu.oversight.models import Alert, Complaint, FollowUp, FollowUpKind, RelativeDeclaration
from jiuzhu.payments import services as payments
from jiuzhu.registry.models import Household


@dataclass(frozen=True)
class ClaimInput:
    """The overpayment a recovery follow-up claims, as the handler typed it."""

    from_month: dt.date
    to_month: dt.date
    amount_fen: int
    instalment_fen: int

    @classmethod
    def parse(cls, from_month: str, to_month: str, amount: str, instalment: str) -> "ClaimInput":
        return cls(
            parse_month(from_month, "from_month"),
            parse_month(to_month, "to_month"),
            parse_yuan(amount, "追回金额", "claim_amount"),
            parse_yuan(instalment, "每月抵扣金额", "claim_instalment"),
        )


def _not_a_relative(actor: User, household: Household) -> None:
    members = household.memberships.filter(end_date__isnull=True).values("person_id")
    if RelativeDeclaration.objects.filter(staff=actor, person_id__in=members).exists():
        raise PermissionError("该家庭有本人备案的近亲属，不能由本人办理后续措施。")


def _household(source: Complaint | Alert) -> Household:
    household = source.subject_household if isinstance(source, Complaint) else source.household
    if household is None:
        raise DomainError("没有涉及的家庭，不能发起复核或追回。", field="follow_ups")
    return household


def _reviews(actor: User, household: Household, reason: str) -> list[FollowUp]:
    in_force = Recipient.objects.filter(
        household=household, status__in=ACTIVE_RECIPIENT_STATUSES
    ).select_related("case")
    if not in_force:
        raise DomainError("该家庭没有正在享受的救助，无需复核。", field="follow_ups")
    follow_ups = []
    for recipient in in_force:
        cases.request_review(actor, recipient.case, reason)
        follow_ups.append(
            FollowUp(kind=FollowUpKind.CASE_REVIEW, case=recipient.case, note=recipient.case.number)
        )
    return follow_ups


def _claim(
    actor: User, household: Household, claim: ClaimInput | None, reason: str, duty: Capability
) -> FollowUp:
    if claim is None:
        raise DomainError("追回多发资金请填写金额、月份和每月抵扣金额。", field="claim_amount")
    # The programme in force, else the latest one the household received.
    received = Recipient.objects.filter(household=household).order_by("-start_month", "-pk")
    recipient = received.filter(status__in=ACTIVE_RECIPIENT_STATUSES).first() or received.first()
    if recipient is None:
        raise DomainError("该家庭没有领取过救助金，无可追回。", field="follow_ups")
    recorded = payments.create_claim(
        actor,
        household,
        recipient.programme,
        claim.from_month,
        claim.to_month,
        claim.amount_fen,
        claim.instalment_fen,
        reason,
        found_by=duty,
    )
    return FollowUp(kind=FollowUpKind.RECOVERY, claim=recorded)


def open_follow_ups(
    actor: User,
    source: Complaint | Alert,
    kinds: list[str],
    reason: str,
    claim: ClaimInput | None = None,
) -> list[FollowUp]:
    """Open each follow-up in its app and record it against the complaint or alert (call
    inside the conclusion's transaction: a refusal undoes the conclusion too)."""
    duty = (
        Capability.HANDLE_COMPLAINTS if isinstance(source, Complaint) else Capability.HANDLE_ALERTS
    )
    opened: list[FollowUp] = []
    for kind in dict.fromkeys(kinds):
        if kind in (FollowUpKind.CASE_REVIEW, FollowUpKind.RECOVERY):
            household = _household(source)
            _not_a_relative(actor, household)
            if kind == FollowUpKind.CASE_REVIEW:
                opened.extend(_reviews(actor, household, reason))
            else:
                opened.append(_claim(actor, household, claim, reason, duty))
        else:
            staff = source.subject_staff if isinstance(source, Complaint) else source.staff_involved
            note = (
                f"涉及工作人员：{staff.display_name}"
                if staff and kind == FollowUpKind.DISCIPLINE
                else ""
            )
            opened.append(FollowUp(kind=kind, note=note))
    for follow_up in opened:
        follow_up.created_by = actor
        if isinstance(source, Complaint):
            follow_up.complaint = source
        else:
            follow_up.alert = source
    return FollowUp.objects.bulk_create(opened)
