"""Writes of the payments app: payroll steps (prepare → check → approve/lock), re-issues,
bank accounts, recovery claims. Every function checks the actor, runs in a transaction,
records an audit entry and raises DomainError (Chinese) when a rule is broken."""

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from jiuzhu.cases.services.care import end_children_at_age_limit
from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import plain_text
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.months import first_of_month
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.payments import payroll as pr

# Bank accounts live in payments/accounts.py (maker-checker); their callers know them here.
from jiuzhu.payments.accounts import approve_account as approve_account
from jiuzhu.payments.accounts import reject_account as reject_account
from jiuzhu.payments.accounts import set_account as set_account
from jiuzhu.payments.models import (
    BankAccount,
    ClaimStatus,
    LineKind,
    LineResult,
    Payroll,
    PayrollKind,
    PayrollLine,
    PayrollStatus,
    Reason,
    RecoveryClaim,
    Repayment,
    ResultStatus,
    line_id,
    line_id_range,
)
from jiuzhu.payments.selectors import differences
from jiuzhu.payments.signals import payroll_changed
from jiuzhu.payments.workflow import PayrollAction, enforce
from jiuzhu.registry.models import Household

NO_ACCOUNT = "无有效发放账户"


ALREADY_APPROVED = "该发放名册已审批锁定。"
DISCARDED = "该发放名册已被作废。"


def towns_in_scope(actor: User, town_code: str = "") -> list[Region]:
    """The towns of the actor's area, or the one (9 or 12 digits) `town_code` names there."""
    towns = Region.objects.filter(level=RegionLevel.TOWN, code__startswith=actor.scope_prefix)
    if town_code:
        code = town_code.strip()
        towns = towns.filter(code__startswith=code[:9]) if len(code) >= 9 else towns.none()
        if not towns.exists():
            raise DomainError(f"找不到乡镇 {town_code}，或不在本人管辖区域内。", field="town")
    return list(towns.order_by("code"))


# --- payroll -------------------------------------------------------------------------


def prepare_payroll(
    actor: User,
    month: dt.date,
    town: Region,
    progress: Callable[[int], None] = lambda percent: None,
) -> Payroll:
    """One town's regular payroll for a month, computed set-based and frozen as lines."""
    require(actor, Capability.PREPARE_PAYROLL)
    require_area(actor, town.code)
    if town.level != RegionLevel.TOWN:
        raise DomainError("发放名册按乡镇生成，请选择乡镇。", field="town")
    started = time.perf_counter()
    month = first_of_month(month)
    rules = pr.Rules.load(month)  # refuses a month with no standard in force
    if Payroll.objects.filter(month=month, town=town, kind=PayrollKind.REGULAR).exists():
        raise DomainError(
            f"{town.name}{month:%Y年%m月}的发放名册已经生成，不能重复生成；"
            "如需更正，请在下月名册中处理。",
            field="month",
        )
    pending = Payroll.objects.filter(
        town=town, kind=PayrollKind.REGULAR, month__lt=month, locked=False
    ).first()
    if pending is not None:
        raise DomainError(f"{town.name}{pending.month:%Y年%m月}的名册尚未审批，请先审批。")
    prefix = town.prefix
    children_ended = end_children_at_age_limit(prefix, month)  # 18 or out of school: ended
    progress(5)
    recipients = pr.read_recipients(prefix, month)
    progress(40)
    arrears = pr.read_arrears(town.pk, prefix, month, rules)
    lines = pr.compute_lines(recipients, month, rules, arrears)
    pr.net_recoveries(lines, open_claims(prefix))
    progress(60)
    summary = pr.totals(lines)
    summary.update(skipped_no_payee=int((recipients.payee == 0).sum()), ended=children_ended)
    try:
        with transaction.atomic():
            payroll = _new_payroll(actor, PayrollKind.REGULAR, month, town, rules.used)
            written = pr.write_lines(payroll.pk, lines, recipients)
            pr.mark_standard_arrears_paid(arrears.standard, lines, month)
            progress(95)
            payroll.line_count = written
            payroll.total_fen = summary["net_fen"]
            payroll.totals = summary
            payroll.seconds = round(time.perf_counter() - started, 3)
            payroll.save(update_fields=["line_count", "total_fen", "totals", "seconds"])
            record_audit(
                actor,
                "prepare_payroll",
                payroll,
                {"month": f"{month:%Y-%m}", "town": town.code, "lines": written},
            )
    except IntegrityError:
        # Two preparers at once: the unique constraint lets only one through.
        raise DomainError(
            f"{town.name}{month:%Y年%m月}的发放名册已经生成，不能重复生成。"
        ) from None
    progress(100)
    return payroll


def _new_payroll(
    actor: User,
    kind: PayrollKind,
    month: dt.date,
    town: Region,
    parameters: dict[str, Any] | None = None,
) -> Payroll:
    """A payroll just prepared by `actor`, before its lines."""
    return Payroll.objects.create(
        kind=kind,
        month=month,
        town=town,
        town_code=town.code,
        status=PayrollStatus.PREPARED,
        prepared_by=actor,
        prepared_at=timezone.now(),
        parameters=parameters or {},
    )


def open_claims(prefix: str) -> list[pr.OpenClaim]:
    """Open claims of the area's households, oldest first, with what a payroll may net."""
    claims = list(
        RecoveryClaim.objects.filter(status=ClaimStatus.OPEN, region_code__startswith=prefix)
        .annotate(repaid=Sum("repayments__amount_fen"))
        .order_by("created_at", "pk")
    )
    out = []
    for claim in claims:
        balance = claim.amount_fen - claim.waived_fen - int(claim.repaid or 0)
        if balance > 0:
            out.append(
                pr.OpenClaim(claim.pk, claim.household_id, min(balance, claim.instalment_fen))
            )
    return out


def check_payroll(actor: User, payroll: Payroll) -> Payroll:
    """The check step: totals by programme and town, differences from last month with reasons."""
    transition = enforce(actor, payroll, PayrollAction.CHECK)
    report = differences(payroll)
    with transaction.atomic():
        _lock_unapproved(payroll)
        Payroll.objects.filter(pk=payroll.pk).update(
            status=transition.target,
            checked_by=actor,
            checked_at=timezone.now(),
            check_report=report,
        )
        record_audit(actor, "check_payroll", payroll, {"differences": report.get("counts", {})})
    payroll.refresh_from_db()
    return payroll


def _lock_unapproved(payroll: Payroll) -> None:
    """Take the payroll's row lock (a second approver or a discarder waits here for the
    first, before writing anything), refusing a payroll approved or discarded meanwhile."""
    locked = (
        Payroll.objects.select_for_update()
        .filter(pk=payroll.pk)
        .values_list("locked", flat=True)
        .first()
    )
    if locked is None:
        raise DomainError(DISCARDED)
    if locked:
        raise DomainError(ALREADY_APPROVED)


def approve_payroll(actor: User, payroll: Payroll) -> Payroll:
    """A second person approves; the payroll is locked for good (maker-checker)."""
    transition = enforce(actor, payroll, PayrollAction.APPROVE)
    now = timezone.now()
    with transaction.atomic():
        _lock_unapproved(payroll)
        # Netted recoveries become repayments, and lines without an account are marked
        # failed so that they are re-issued once an account is recorded.
        netted = list(
            PayrollLine.objects.of_payroll(payroll.pk)
            .filter(recovery_fen__gt=0)
            .values_list("pk", "recovery_claim_id", "recovery_fen")
        )
        Repayment.objects.bulk_create(
            [
                Repayment(
                    claim_id=claim_id,
                    kind=Repayment.Kind.NETTED,
                    amount_fen=amount,
                    line_id=line_id,
                    on=payroll.month,
                    note=f"{payroll.month:%Y年%m月}发放中抵扣",
                    recorded_by=actor,
                )
                for line_id, claim_id, amount in netted
                if claim_id is not None
            ]
        )
        for claim_id in {c for _, c, _ in netted if c is not None}:
            _settle_if_paid(claim_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO payments_lineresult (line_id, payment_file_id, status, reason, "
                "imported_at, reissued_in_id) SELECT id, NULL, %s, %s, %s, NULL "
                "FROM payments_payrollline WHERE id > %s AND id < %s AND account_id IS NULL "
                "AND institution_id IS NULL AND net_fen > 0",
                [ResultStatus.FAILED.value, NO_ACCOUNT, now, *line_id_range(payroll.pk)],
            )
        updated = Payroll.objects.filter(pk=payroll.pk, locked=False).update(
            status=transition.target, approved_by=actor, approved_at=now, locked=True
        )
        if not updated:
            raise DomainError(ALREADY_APPROVED)
        record_audit(
            actor,
            "approve_payroll",
            payroll,
            {"lines": payroll.line_count, "total_fen": payroll.total_fen},
        )
        transaction.on_commit(lambda: payroll_changed.send(Payroll, payroll=payroll, actor=actor))
    payroll.refresh_from_db()
    return payroll


def discard_payroll(actor: User, payroll: Payroll, reason: str) -> None:
    """Before approval a payroll may be thrown away and prepared again."""
    enforce(actor, payroll, PayrollAction.DISCARD)
    reason = plain_text(reason, "作废理由", "reason").strip()
    if not reason:
        raise DomainError("请填写作废原因。", field="reason")
    with transaction.atomic():
        # Discarding and approving at once: whichever locks the payroll first wins.
        _lock_unapproved(payroll)
        record_audit(
            actor, "discard_payroll", payroll, {"month": f"{payroll.month:%Y-%m}", "reason": reason}
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM payments_payrollline WHERE id > %s AND id < %s",
                line_id_range(payroll.pk),
            )
        LineResult.objects.filter(reissued_in=payroll).update(reissued_in=None)
        Payroll.objects.filter(pk=payroll.pk, locked=False).delete()


def _reissuable(town: Region) -> tuple[list[LineResult], dict[int, BankAccount]]:
    """The town's failed lines to persons not yet re-issued whose payee now has another valid
    account (results locked, in the caller's transaction), and those accounts by person."""
    failed = list(
        LineResult.objects.select_for_update(of=("self",))
        .filter(
            status=ResultStatus.FAILED,
            reissued_in__isnull=True,
            line__payroll__town=town,
            line__payroll__locked=True,
        )
        .select_related("line")
    )
    accounts = {
        account.person_id: account
        for account in BankAccount.objects.filter(
            valid=True, person_id__in=[r.line.payee_id for r in failed if not r.line.institution_id]
        )
    }
    ready = [
        result
        for result in failed
        if result.line.payee_id in accounts
        and accounts[result.line.payee_id].pk != result.line.account_id
    ]
    return ready, accounts


def _reissue_line(payroll: Payroll, no: int, old: PayrollLine, account: BankAccount) -> PayrollLine:
    """A failed line again, in full (its net amount), to the payee's corrected account."""
    return PayrollLine(
        id=line_id(payroll.pk, no),
        payroll=payroll,
        line_no=no,
        kind=LineKind.REISSUE,
        for_month=old.for_month,
        recipient_id=old.recipient_id,
        household_id=old.household_id,
        payee_id=old.payee_id,
        programme=old.programme,
        members=old.members,
        region_code=old.region_code,
        reason=Reason.REISSUE,
        share_permille=old.share_permille,
        amount_fen=old.net_fen,
        recovery_fen=0,
        net_fen=old.net_fen,
        origin_line_id=old.pk,
        payee_name=old.payee_name,
        id_number=old.id_number,
        account_id=account.pk,
        bank=account.bank,
        account_number=account.account_number,
        holder_name=account.holder_name,
    )


def prepare_reissue(actor: User, town: Region, month: dt.date) -> Payroll:
    """Failed lines (bank refused, or no account) whose payee now has a corrected valid
    account go into a re-issue payroll, which is checked and approved like any other."""
    require(actor, Capability.PREPARE_PAYROLL)
    require_area(actor, town.code)
    month = first_of_month(month)
    with transaction.atomic():
        # The failed results are locked: a second preparer waits, then finds them taken.
        ready, accounts = _reissuable(town)
        if not ready:
            raise DomainError("没有可重发的失败发放：请先为发放失败的人员更正发放账户。")
        payroll = _new_payroll(actor, PayrollKind.REISSUE, month, town)
        rows = [
            _reissue_line(payroll, no, result.line, accounts[result.line.payee_id])
            for no, result in enumerate(ready, start=1)
        ]
        PayrollLine.objects.bulk_create(rows)
        LineResult.objects.filter(pk__in=[r.pk for r in ready]).update(reissued_in=payroll)
        total = sum(r.net_fen for r in rows)
        Payroll.objects.filter(pk=payroll.pk).update(
            line_count=len(rows),
            total_fen=total,
            totals={"lines": len(rows), "net_fen": total, "amount_fen": total, "recovery_fen": 0},
        )
        record_audit(actor, "prepare_reissue", payroll, {"lines": len(rows)})
    payroll.refresh_from_db()
    return payroll


# --- recovery ---------------------------------------------------------------------------


def create_claim(
    actor: User,
    household: Household,
    programme: str,
    from_month: dt.date,
    to_month: dt.date,
    amount_fen: int,
    instalment_fen: int,
    reason: str,
    found_by: Capability = Capability.PREPARE_PAYROLL,
) -> RecoveryClaim:
    """Record an overpayment to recover (多发追回), netted from later payrolls at most
    `instalment_fen` a month (found_by: the duty of a handler whose finding grounds it)."""
    require(actor, found_by)
    require_area(actor, household.registered_code)
    if programme not in Programme.values:
        raise DomainError("救助项目不正确，请从列表中选择。", field="programme")
    reason = plain_text(reason, "多发原因", "reason").strip()
    if not reason:
        raise DomainError("请填写多发原因（如死亡未报、隐瞒收入）。", field="reason")
    if amount_fen <= 0:
        raise DomainError("追回金额应大于0。", field="amount")
    if instalment_fen <= 0 or instalment_fen > amount_fen:
        raise DomainError("每月抵扣金额应大于0且不超过追回金额。", field="instalment")
    if to_month < from_month:
        raise DomainError("多发截止月份不能早于起始月份。", field="to_month")
    period = {"from_month": first_of_month(from_month), "to_month": first_of_month(to_month)}
    with transaction.atomic():  # the household's row lock: a claim sent twice is recorded once
        Household.objects.select_for_update().filter(pk=household.pk).first()
        twin = RecoveryClaim.objects.filter(
            household=household,
            programme=programme,
            amount_fen=amount_fen,
            status=ClaimStatus.OPEN,
            **period,
        )
        if twin.exists():
            raise DomainError(
                f"该户该项目 {period['from_month']:%Y年%m月}—{period['to_month']:%Y年%m月} "
                "已登记相同金额的未结清追回，不能重复登记。"
            )
        claim = RecoveryClaim.objects.create(
            household=household,
            programme=programme,
            region_code=household.registered_code,
            amount_fen=amount_fen,
            instalment_fen=instalment_fen,
            reason=reason[:300],
            created_by=actor,
            **period,
        )
        record_audit(actor, "create_claim", claim, {"amount_fen": amount_fen, "reason": reason})
    return claim


def claim_balance(claim: RecoveryClaim) -> int:
    repaid = claim.repayments.aggregate(s=Sum("amount_fen"))["s"] or 0
    return int(claim.amount_fen - claim.waived_fen - repaid)


def _settle_if_paid(claim_id: int) -> None:
    claim = RecoveryClaim.objects.get(pk=claim_id)
    if claim_balance(claim) <= 0 and claim.status == ClaimStatus.OPEN:
        RecoveryClaim.objects.filter(pk=claim_id).update(status=ClaimStatus.SETTLED)


def _locked_open_claim(claim: RecoveryClaim) -> RecoveryClaim:
    """The claim as it is now, row-locked (inside the caller's transaction), if still open:
    a collection and a waiver of one claim at once are judged one after the other."""
    locked = RecoveryClaim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != ClaimStatus.OPEN:
        raise DomainError("该追回已结清或核销。")
    return locked


def record_collection(
    actor: User, claim: RecoveryClaim, amount_fen: int, on: dt.date, note: str = ""
) -> Repayment:
    """Money paid back directly (退回), not netted."""
    require(actor, Capability.PREPARE_PAYROLL)
    require_area(actor, claim.region_code)
    plain_text(note, "备注", "note")
    with transaction.atomic():
        claim = _locked_open_claim(claim)
        balance = claim_balance(claim)
        if amount_fen <= 0 or amount_fen > balance:
            raise DomainError(
                f"退回金额应大于0且不超过未追回余额{format_yuan(balance)}元。", field="amount"
            )
        repayment = Repayment.objects.create(
            claim=claim,
            kind=Repayment.Kind.COLLECTED,
            amount_fen=amount_fen,
            on=on,
            note=note.strip()[:200],
            recorded_by=actor,
        )
        _settle_if_paid(claim.pk)
        record_audit(actor, "collect_recovery", claim, {"amount_fen": amount_fen})
    return repayment


def waive_claim(actor: User, claim: RecoveryClaim, reason: str) -> RecoveryClaim:
    """Waive what is left (e.g. the household has no means), by an approver, with a reason."""
    require(actor, Capability.APPROVE_PAYROLL)
    require_area(actor, claim.region_code)
    if claim.created_by_id == actor.pk:
        raise PermissionError("追回登记人不能核销自己登记的追回款。")
    reason = plain_text(reason, "核销理由", "reason").strip()
    with transaction.atomic():
        claim = _locked_open_claim(claim)
        if not reason:
            raise DomainError("核销须写明理由。", field="reason")
        balance = claim_balance(claim)
        RecoveryClaim.objects.filter(pk=claim.pk).update(
            status=ClaimStatus.WAIVED,
            waived_fen=claim.waived_fen + balance,
            waiver_reason=reason[:300],
            waived_by=actor,
        )
        record_audit(actor, "waive_recovery", claim, {"waived_fen": balance, "reason": reason})
    claim.refresh_from_db()
    return claim
