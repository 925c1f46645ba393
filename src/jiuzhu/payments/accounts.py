"""Bank accounts, under maker-checker: a payroll preparer requests an account (or its
correction), and a second person with the approving role approves or rejects it, on the
payroll page of the town (selectors.pending_accounts). Until then the person's current
valid account stays in force and is what payrolls pay to. The holder must be the person
registered, or the request states why not (a guardian's account), for the record."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import plain_text
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.payments.models import AccountReview, BankAccount
from jiuzhu.registry.models import Household, Person

ONE_PENDING = "该成员已有待审核的账户变更，请待审核后再提交。"
REQUESTER_MAY_NOT_REVIEW = "账户变更的提交人不能审核自己提交的变更（审批与经办分离）。"
ALREADY_REVIEWED = "该账户变更已审核，请刷新后查看。"


def _holder_refusal(holder_name: str, person: Person) -> str:
    return f"户名“{holder_name}”与登记姓名“{person.name}”不一致；如为监护人等代领账户，请填写原因。"


def set_account(
    actor: User,
    household: Household,
    person: Person,
    bank: str,
    account_number: str,
    holder_name: str,
    note: str = "",
    holder_reason: str = "",
) -> BankAccount:
    """Request recording or correcting a person's account: a pending row that changes
    nothing until a second person approves it (approve_account)."""
    require(actor, Capability.PREPARE_PAYROLL)
    require_area(actor, household.registered_code)
    plain_text(bank, "开户银行", "bank")
    plain_text(account_number, "账号", "account_number")
    plain_text(holder_name, "户名", "holder_name")
    plain_text(note, "备注", "note")
    plain_text(holder_reason, "户名不一致原因", "holder_reason")
    bank, holder_name = bank.strip(), holder_name.strip()
    holder_reason = holder_reason.strip()
    number = account_number.replace(" ", "").strip()
    if not bank or len(bank) > 40:
        raise DomainError("请填写开户银行。", field="bank")
    if not number.isdigit() or not 8 <= len(number) <= 32:
        raise DomainError("账号应为8-32位数字。", field="account_number")
    if not holder_name:
        raise DomainError("请填写户名。", field="holder_name")
    if not household.memberships.filter(person=person, end_date__isnull=True).exists():
        raise DomainError("该人员不是本户现有成员。", field="person")
    if holder_name != person.name.strip() and not holder_reason:
        raise DomainError(_holder_refusal(holder_name, person), field="holder_name")
    if len(holder_reason) > 200:
        raise DomainError("户名不一致原因过长（最多200字）。", field="holder_reason")
    try:
        with transaction.atomic():
            if BankAccount.objects.filter(person=person, review=AccountReview.PENDING).exists():
                raise DomainError(ONE_PENDING)
            account = BankAccount.objects.create(
                household=household,
                person=person,
                bank=bank,
                account_number=number,
                holder_name=holder_name,
                holder_reason=holder_reason,
                note=note.strip()[:200],
                created_by=actor,
                valid=False,
                review=AccountReview.PENDING,
            )
            record_audit(
                actor,
                "request_account",
                account,
                {"bank": bank, "account_tail": number[-4:], "holder_reason": holder_reason},
            )
    except IntegrityError:  # a concurrent request for the same person won the race
        raise DomainError(ONE_PENDING) from None
    return account


def _reviewable(actor: User, account: BankAccount) -> BankAccount:
    """The request, locked, if `actor` may review it: the approving role, the area, not
    the requester, and still pending."""
    require(actor, Capability.APPROVE_PAYROLL)
    require_area(actor, account.household.registered_code)
    if account.created_by_id == actor.pk:
        raise PermissionError(REQUESTER_MAY_NOT_REVIEW)
    locked = BankAccount.objects.select_for_update().get(pk=account.pk)
    if locked.review != AccountReview.PENDING:
        raise DomainError(ALREADY_REVIEWED)
    return locked


def approve_account(actor: User, account: BankAccount) -> BankAccount:
    """Approve a pending request: it becomes the person's valid account; the old one is
    kept, marked invalid and replaced by it."""
    with transaction.atomic():
        request = _reviewable(actor, account)
        old = (
            BankAccount.objects.select_for_update()
            .filter(person_id=request.person_id, valid=True)
            .first()
        )
        if old is not None:
            BankAccount.objects.filter(pk=old.pk).update(valid=False)
        BankAccount.objects.filter(pk=request.pk).update(
            valid=True,
            review=AccountReview.APPROVED,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
        )
        if old is not None:
            BankAccount.objects.filter(pk=old.pk).update(replaced_by=request)
        record_audit(
            actor,
            "correct_account" if old else "set_account",
            request,
            {
                "bank": request.bank,
                "account_tail": request.account_number[-4:],
                "replaces": old.pk if old else None,
                "requested_by": request.created_by_id,
            },
        )
    account.refresh_from_db()
    return account


def reject_account(actor: User, account: BankAccount, reason: str) -> BankAccount:
    """Reject a pending request with a reason; the current account stays in force."""
    reason = (reason or "").strip()
    with transaction.atomic():
        request = _reviewable(actor, account)
        plain_text(reason, "驳回原因", "reason")
        if not reason:
            raise DomainError("请填写驳回原因。", field="reason")
        if len(reason) > 200:
            raise DomainError("驳回原因过长（最多200字）。", field="reason")
        BankAccount.objects.filter(pk=request.pk).update(
            review=AccountReview.REJECTED,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
            review_note=reason,
        )
        record_audit(actor, "reject_account", request, {"reason": reason})
    account.refresh_from_db()
    return account
