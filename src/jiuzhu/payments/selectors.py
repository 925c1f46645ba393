"""Reads of the payments app, always within the caller's area."""

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from jiuzhu.cases.columnar import recipient_status_sql
from jiuzhu.cases.models import Recipient, RecipientStatus
from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.months import add_months, long_month
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area, one_of
from jiuzhu.payments.models import (
    AccountReview,
    BankAccount,
    ClaimStatus,
    LineKind,
    PaymentFile,
    Payroll,
    PayrollKind,
    PayrollLine,
    RecoveryClaim,
    ResultStatus,
    line_id_range,
)
from jiuzhu.registry.models import Household
from jiuzhu.registry.sections import Entry


def payrolls_in_scope(user: User) -> QuerySet[Payroll]:
    if not user.can(Capability.VIEW_PAYROLL):
        return Payroll.objects.none()
    return Payroll.objects.filter(in_area(user, "town_code")).select_related(
        "town", "prepared_by", "approved_by"
    )


def payroll_for(user: User, payroll_id: int | str) -> Payroll | None:
    return one_of(payrolls_in_scope(user), payroll_id)


def pending_accounts(user: User, payroll: Payroll) -> QuerySet[BankAccount]:
    """The account changes of the payroll's town waiting for review, for a user who may
    approve them (none for others, and never the user's own requests), each with the
    account it would replace (current_bank, current_number)."""
    if not user.can(Capability.APPROVE_PAYROLL):
        return BankAccount.objects.none()
    if not payroll.town_code.startswith(user.scope_prefix):
        return BankAccount.objects.none()
    current = BankAccount.objects.filter(person=OuterRef("person"), valid=True)
    return (
        BankAccount.objects.filter(
            review=AccountReview.PENDING,
            household__registered_code__startswith=payroll.town_code[:9],
        )
        .exclude(created_by=user)
        .select_related("person", "household", "created_by")
        .annotate(
            current_bank=Subquery(current.values("bank")[:1]),
            current_number=Subquery(current.values("account_number")[:1]),
        )
        .order_by("created_at", "pk")
    )


def without_account(payroll: Payroll) -> tuple[int, int]:
    """(lines, net fen) of the payroll that have money to pay but no bank account: approval
    records them as failed, so the approver is told before locking."""
    totals = (
        PayrollLine.objects.of_payroll(payroll.pk)
        .filter(account_id__isnull=True, institution_id__isnull=True, net_fen__gt=0)
        .aggregate(lines=Count("pk"), fen=Sum("net_fen"))
    )
    return int(totals["lines"]), int(totals["fen"] or 0)


def lines_of(payroll: Payroll) -> QuerySet[PayrollLine]:
    return PayrollLine.objects.of_payroll(payroll.pk).order_by("id")


LINE_PROBLEMS = {"no_account": "无账户", "failed": "发放失败", "no_result": "尚无回盘"}


def lines_filtered(
    payroll: Payroll, kind: str = "", programme: str = "", name: str = "", problem: str = ""
) -> QuerySet[PayrollLine]:
    """A payroll's lines of a kind and programme, payees whose name holds `name`, and
    those with a problem (LINE_PROBLEMS); an unknown value filters nothing."""
    lines = lines_of(payroll).select_related("result")
    if kind in LineKind.values:
        lines = lines.filter(kind=kind)
    if programme in Programme.values:
        lines = lines.filter(programme=programme)
    if name:
        lines = lines.filter(payee_name__contains=name)
    if problem == "no_account":
        lines = lines.filter(account_id__isnull=True, institution_id__isnull=True)
    elif problem == "failed":
        lines = lines.filter(result__status=ResultStatus.FAILED)
    elif problem == "no_result":
        lines = lines.filter(result__isnull=True)
    return lines


def previous_regular(payroll: Payroll) -> Payroll | None:
    return Payroll.objects.filter(
        town=payroll.town, kind=PayrollKind.REGULAR, month=add_months(payroll.month, -1)
    ).first()


STOP_REASONS = {
    RecipientStatus.ENDED: "已停止救助",
    RecipientStatus.SUSPENDED: "暂停发放",
    RecipientStatus.PHASE_OUT: "渐退期满",
    RecipientStatus.ACTIVE: "其他（请核实）",
}


# One payroll's regular lines, as a subquery of the comparisons below.
REGULAR_LINES = (
    "SELECT recipient_id, household_id, payee_name, net_fen FROM payments_payrollline "
    f"WHERE id > %s AND id < %s AND kind = '{LineKind.REGULAR.value}'"
)


def _compare(sql: str, first: Payroll, second: Payroll) -> list[tuple[Any, ...]]:
    """Rows of `sql`, whose first subquery of regular lines is `first`'s and whose second
    is `second`'s."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*line_id_range(first.pk), *line_id_range(second.pk)])
        return cursor.fetchall()


def differences(payroll: Payroll, examples: int = 50) -> dict[str, Any]:
    """This payroll against last month's, recipient by recipient (regular lines only):
    new, stopped (with the recipient's status as the reason) and changed amounts."""
    previous = previous_regular(payroll)
    report: dict[str, Any] = {
        "previous_id": previous.pk if previous else None,
        "totals": payroll.totals,
        "counts": {},
        "new": [],
        "stopped": [],
        "changed": [],
    }
    if previous is None:
        report["note"] = "没有上月名册，无法比较差异。"
        return report
    lines = REGULAR_LINES
    new = _compare(
        f"SELECT c.recipient_id, c.payee_name, c.net_fen FROM ({lines}) c "
        f"LEFT JOIN ({lines}) p ON p.recipient_id = c.recipient_id WHERE p.recipient_id IS NULL "
        "ORDER BY c.recipient_id",
        payroll,
        previous,
    )
    stopped = _compare(
        "SELECT p.recipient_id, p.payee_name, p.net_fen, r.status, r.end_reason "
        f"FROM ({lines}) p LEFT JOIN ({lines}) c ON c.recipient_id = p.recipient_id "
        f"JOIN ({recipient_status_sql()}) r ON r.id = p.recipient_id "
        "WHERE c.recipient_id IS NULL ORDER BY p.recipient_id",
        previous,
        payroll,
    )
    changed = _compare(
        f"SELECT c.recipient_id, c.payee_name, p.net_fen, c.net_fen FROM ({lines}) c "
        f"JOIN ({lines}) p ON p.recipient_id = c.recipient_id WHERE p.net_fen <> c.net_fen "
        "ORDER BY c.recipient_id",
        payroll,
        previous,
    )
    report["counts"] = {"new": len(new), "stopped": len(stopped), "changed": len(changed)}
    report.update(_examples(new[:examples], stopped[:examples], changed[:examples]))
    report["previous_total_fen"] = previous.total_fen
    report["change_fen"] = payroll.total_fen - previous.total_fen
    return report


def _examples(
    new: list[tuple[Any, ...]], stopped: list[tuple[Any, ...]], changed: list[tuple[Any, ...]]
) -> dict[str, list[dict[str, Any]]]:
    """The differences as the check report lists them, each with its reason in Chinese."""
    return {
        "new": [
            {"recipient": rid, "name": name, "net": format_yuan(fen), "reason": "新纳入或补发"}
            for rid, name, fen in new
        ],
        "stopped": [
            {
                "recipient": rid,
                "name": name,
                "net": format_yuan(fen),
                "reason": STOP_REASONS.get(status, status) + (f"：{why}" if why else ""),
            }
            for rid, name, fen, status, why in stopped
        ],
        "changed": [
            {
                "recipient": rid,
                "name": name,
                "before": format_yuan(before),
                "after": format_yuan(after),
                "reason": "复核调整金额、渐退或按天折算",
            }
            for rid, name, before, after in changed
        ],
    }


def claims_in_scope(user: User) -> QuerySet[RecoveryClaim]:
    """Recovery claims of the user's area, each with what was repaid so far."""
    if not user.can(Capability.VIEW_PAYROLL):
        return RecoveryClaim.objects.none()
    return (
        RecoveryClaim.objects.filter(in_area(user, "region_code"))
        .annotate(repaid=Sum("repayments__amount_fen"))
        .select_related("household", "created_by")
    )


def claims_filtered(
    user: User, status: str = "", programme: str = "", household: str = ""
) -> QuerySet[RecoveryClaim]:
    """The area's claims of a status and programme, of households whose number holds
    `household`; an unknown value filters nothing. Newest first."""
    claims = claims_in_scope(user).order_by("-pk")
    if status in ClaimStatus.values:
        claims = claims.filter(status=status)
    if programme in Programme.values:
        claims = claims.filter(programme=programme)
    if household:
        claims = claims.filter(household__number__contains=household)
    return claims


def claim_for(user: User, claim_id: int | str) -> RecoveryClaim | None:
    return one_of(claims_in_scope(user), claim_id)


def payment_file_for(user: User, file_id: int | str) -> PaymentFile | None:
    """A bank file of a payroll in the user's area (the view checks who may download it)."""
    return one_of(PaymentFile.objects.filter(in_area(user, "payroll__town_code")), file_id)


HOUSEHOLD_MONTHS = 24  # how far back the household page looks for payments


def household_entries(user: User, household: Household) -> list[Entry]:
    """Payments (last 12 lines of the last two years) and recovery claims on the household
    page."""
    if not user.can(Capability.VIEW_PAYROLL):
        return []
    if not household.registered_code.startswith(user.scope_prefix):
        return []
    entries: list[Entry] = []
    next_month = add_months(timezone.localdate().replace(day=1), 1)
    accounts = BankAccount.objects.filter(household=household, valid=True).select_related("person")
    entries.append(
        Entry(
            "",
            "、".join(f"{a.person.name}：{a}" for a in accounts) or "未登记发放账户",
            reverse("payments:accounts", args=[household.pk])
            if user.can(Capability.PREPARE_PAYROLL)
            else "",
            section="发放账户",
        )
    )
    entries += _payment_entries(household, next_month)
    entries += _claim_entries(household)
    return entries


def _payment_entries(household: Household, next_month: dt.date) -> list[Entry]:
    """The household's last 12 approved lines of the last two years, with the bank's word."""
    entries: list[Entry] = []
    lines = (
        PayrollLine.objects.filter(
            for_month__in=[add_months(next_month, -back) for back in range(HOUSEHOLD_MONTHS)],
            recipient_id__in=Recipient.objects.filter(household=household).values("pk"),
            payroll__locked=True,
        )
        .select_related("payroll")
        .order_by("-for_month", "-pk")[:12]
    )
    for line in lines:
        result = getattr(line, "result", None)
        status = result.get_status_display() if result else "已审批，待银行回盘"
        text = [f"{line.get_kind_display()}，{status}"]
        if line.recovery_fen:
            text.append(f"抵扣多发款 {format_yuan(line.recovery_fen)} 元")
        entries.append(
            Entry(
                line.programme,
                f"{long_month(line.for_month)} 发放 {format_yuan(line.net_fen)} 元",
                reverse("payments:detail", args=[line.payroll_id]),
                text,
            )
        )
    return entries


def _claim_entries(household: Household) -> list[Entry]:
    """The household's recovery claims with what is repaid and what is left."""
    entries: list[Entry] = []
    claims = RecoveryClaim.objects.filter(household_id=household.pk).annotate(
        repaid=Sum("repayments__amount_fen")
    )
    for claim in claims:
        repaid = int(claim.repaid or 0)
        balance = claim.amount_fen - claim.waived_fen - repaid
        entries.append(
            Entry(
                "",
                f"多发追回 {format_yuan(claim.amount_fen)} 元（{claim.get_status_display()}）",
                reverse("payments:claim", args=[claim.pk]),
                [
                    f"{claim.from_month:%Y年%m月}至{claim.to_month:%Y年%m月}，{claim.reason}",
                    f"已追回 {format_yuan(repaid)} 元，未追回 {format_yuan(max(balance, 0))} 元",
                ],
                section="多发追回",
            )
        )
    return entries


# Programmes paid outside the payroll (medical assistance's bank files and one-stop
# settlements) report their spending here, so that budget execution counts it without
# payments depending on them.
Spending = Callable[[int, str], list[tuple[int, str, str, int]]]
_spending: list[Spending] = []


def register_spending(source: Spending) -> Spending:
    if source not in _spending:
        _spending.append(source)
    return source


def paid_by_month(year: int, prefix: str) -> list[tuple[int, str, str, int]]:
    """(month, programme, town code, fen) actually paid: approved payrolls' lines of the year,
    less lines the bank reported failed (their re-issue counts when it is approved), and
    what the registered sources paid outside the payroll."""
    rows = (
        PayrollLine.objects.filter(
            payroll__locked=True,
            payroll__month__year=year,
            payroll__town_code__startswith=prefix,
        )
        .exclude(result__status=ResultStatus.FAILED)
        .values_list("payroll__month", "programme", "payroll__town_code")
        .annotate(fen=Sum("net_fen"))
        .order_by("payroll__month")
    )
    paid = [(month.month, programme, town, int(fen or 0)) for month, programme, town, fen in rows]
    return paid + [row for source in _spending for row in source(year, prefix)]


def failed_in_year(year: int, prefix: str) -> int:
    """Fen approved in the year's payrolls that did not reach the recipients (no account at
    approval, or the bank returned it) and has not been re-issued yet: the execution page
    says so, or an approved month would show as if nothing had been spent."""
    total = PayrollLine.objects.filter(
        payroll__locked=True,
        payroll__month__year=year,
        payroll__town_code__startswith=prefix,
        result__status=ResultStatus.FAILED,
        result__reissued_in__isnull=True,
    ).aggregate(fen=Sum("net_fen"))["fen"]
    return int(total or 0)


def household_payments(
    household: Household, months: int = HOUSEHOLD_MONTHS
) -> list[dict[str, Any]]:
    """What the household was paid, month by month, as the applicant sees it (待遇查询):
    approved lines of the last `months` months with the bank's word (paid, returned, or
    not yet reported)."""
    next_month = add_months(timezone.localdate().replace(day=1), 1)
    lines = (
        PayrollLine.objects.filter(
            for_month__in=[add_months(next_month, -back) for back in range(months)],
            recipient_id__in=Recipient.objects.filter(household=household).values("pk"),
            payroll__locked=True,
        )
        .select_related("result")
        .order_by("-for_month", "-pk")
    )
    rows = []
    for line in lines:
        result = getattr(line, "result", None)
        rows.append(
            {
                "month": line.for_month,
                "programme": line.get_programme_display(),
                "amount": format_yuan(line.net_fen),
                "paid": result is not None and result.status == ResultStatus.PAID,
                "returned": result is not None and result.status == ResultStatus.FAILED,
            }
        )
    return rows


def valid_accounts(person_ids: Collection[int]) -> dict[int, BankAccount]:
    """Each person's account in force (programmes paid outside the payroll use it too)."""
    accounts = BankAccount.objects.filter(person_id__in=person_ids, valid=True)
    return {account.person_id: account for account in accounts}
