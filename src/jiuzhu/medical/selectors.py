"""Reads of medical assistance, always within the caller's area."""

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.urls import reverse

from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import one_of
from jiuzhu.medical.models import Bill, BillStatus, PaymentBatch
from jiuzhu.registry.models import Household
from jiuzhu.registry.sections import Entry


def bills_in_scope(user: User) -> QuerySet[Bill]:
    if not user.can(Capability.VIEW_PAYROLL):
        return Bill.objects.none()
    return Bill.objects.filter(town_code__startswith=user.scope_prefix)


def bill_for(user: User, bill_id: int | str) -> Bill | None:
    return one_of(bills_in_scope(user), bill_id)


def bill_list(user: User, year: int, status: str = "") -> list[Bill]:
    """The year's bills in the area, newest first, each with `year_to_date_fen`: what the
    person's bills of the year up to and including this one were granted."""
    bills = list(
        bills_in_scope(user)
        .filter(discharged_on__year=year, **({"status": status} if status else {}))
        .select_related("person", "household")
        .order_by("person_id", "discharged_on", "pk")
    )
    running: dict[int, int] = {}
    for bill in bills:
        running[bill.person_id] = running.get(bill.person_id, 0) + bill.amount_fen
        bill.year_to_date_fen = running[bill.person_id]  # type: ignore[attr-defined]
    return sorted(bills, key=lambda b: (b.discharged_on, b.pk), reverse=True)


def batches_in_scope(user: User) -> QuerySet[PaymentBatch]:
    if not user.can(Capability.VIEW_PAYROLL):
        return PaymentBatch.objects.none()
    return PaymentBatch.objects.filter(town_code__startswith=user.scope_prefix).order_by("-pk")


def batch_for(user: User, batch_id: int | str) -> PaymentBatch | None:
    return one_of(batches_in_scope(user), batch_id)


def household_entries(user: User, household: Household) -> list[Entry]:
    """The household's medical bills on its file (一户一档), newest first."""
    if not user.can(Capability.VIEW_PAYROLL):
        return []
    if not household.registered_code.startswith(user.scope_prefix):
        return []
    bills = Bill.objects.filter(household=household).select_related("person")
    return [
        Entry(
            Programme.MEDICAL,
            f"{bill.person.name} {bill.hospital} {bill.discharged_on:%Y-%m-%d} 出院，"
            f"救助 {format_yuan(bill.amount_fen)} 元（{bill.get_status_display()}）",
            reverse("medical:bill", args=[bill.pk]),
            lines=[bill.explanation],
        )
        for bill in bills.order_by("-discharged_on", "-pk")[:12]
    ]


def spending(year: int, prefix: str) -> list[tuple[int, str, str, int]]:
    """(month, programme, town, fen) paid in the year: bank files by the month they were
    made, one-stop settlements by the month they were approved."""
    in_area = Bill.objects.filter(town_code__startswith=prefix)
    by_file = (
        in_area.filter(status=BillStatus.PAID, batch__created_at__year=year)
        .annotate(month=ExtractMonth("batch__created_at"))
        .values_list("month", "town_code")
        .annotate(fen=Sum("amount_fen"))
    )
    settled = (
        in_area.filter(Q(status=BillStatus.SETTLED), approved_at__year=year)
        .annotate(month=ExtractMonth("approved_at"))
        .values_list("month", "town_code")
        .annotate(fen=Sum("amount_fen"))
    )
    return [
        (int(month), Programme.MEDICAL.value, town, int(fen or 0))
        for rows in (by_file, settled)
        for month, town, fen in rows
    ]
