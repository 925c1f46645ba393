"""Reads of the oversight app, always within the caller's area and duties.

A county supervisor sees the complaints and alerts of their area; any other handler sees
those given to them. Nobody sees a complaint or alert about themselves.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from jiuzhu.core import idnumber
from jiuzhu.core.models import User
from jiuzhu.core.months import add_months, first_of_month
from jiuzhu.core.roles import Capability, Role
from jiuzhu.core.selectors import in_area, one_of
from jiuzhu.oversight.models import (
    OPEN_COMPLAINT_STATUSES,
    Alert,
    AlertStatus,
    Complaint,
    ComplaintStatus,
    DishonestyRecord,
    FaultToleranceRecord,
    IntegrityStatus,
    RelativeDeclaration,
    RiskScan,
)

HIDDEN_IDENTITY = "（仅承办人和县级监管人员可见）"


def complaints_for(user: User) -> QuerySet[Complaint]:
    if not user.can(Capability.HANDLE_COMPLAINTS):
        return Complaint.objects.none()
    rows = Complaint.objects.filter(in_area(user, "region_code")).exclude(subject_staff=user)
    if not user.can(Capability.SUPERVISE):
        rows = rows.filter(handler=user)
    return rows.select_related("town", "handler")


def complaint_for(user: User, complaint_id: int | str | None) -> Complaint | None:
    return one_of(complaints_for(user), complaint_id)


def overdue_complaints(user: User, today: dt.date) -> QuerySet[Complaint]:
    """Complaints not answered by their deadline, the oldest first."""
    return (
        complaints_for(user)
        .filter(status__in=OPEN_COMPLAINT_STATUSES, due_on__lt=today)
        .order_by("due_on", "pk")
    )


def complainant_of(user: User, complaint: Complaint) -> tuple[str, str]:
    """Name and phone of the complainant as this user may see them: the handler and the
    county's supervisors see them, anyone else a placeholder."""
    if complaint.anonymous:
        return "匿名", ""
    if complaint.handler_id == user.pk or user.role == Role.COUNTY_SUPERVISOR:
        return complaint.complainant_name, complaint.complainant_phone
    return HIDDEN_IDENTITY, ""


def handler_candidates(user: User, complaint: Complaint) -> list[User]:
    """Who a supervisor may give the complaint to: able to handle complaints, its town in
    their area, never the person it is about."""
    candidates = (
        User.objects.filter(is_active=True, region__isnull=False)
        .exclude(pk=complaint.subject_staff_id or 0)
        .select_related("region")
        .order_by("role", "pk")
    )
    return [
        candidate
        for candidate in candidates
        if candidate.can(Capability.HANDLE_COMPLAINTS)
        and complaint.region_code.startswith(candidate.scope_prefix)
    ]


@dataclass(frozen=True)
class Tracked:
    """What the public lookup shows: the state, the deadline and the reply, nothing else."""

    number: str
    status: str
    due_on: dt.date
    reply: str
    replied_at: dt.datetime | None


def track(number: str, query_code: str) -> Tracked | None:
    """A complaint found by its number and query code together (either alone finds nothing)."""
    complaint = Complaint.objects.filter(
        number=(number or "").strip().upper(), query_code=(query_code or "").strip()
    ).first()
    if complaint is None:
        return None
    done = complaint.status == ComplaintStatus.REPLIED
    return Tracked(
        number=complaint.number,
        status="已答复" if done else "办理中",
        due_on=complaint.due_on,
        reply=complaint.reply if done else "",
        replied_at=complaint.replied_at if done else None,
    )


def complaint_counts(user: User) -> dict[str, int]:
    """Complaints of the user's view by status."""
    counts = complaints_for(user).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in counts}


# ------------------------------------------------------------------ alerts


def declarations_of(user: User) -> QuerySet[RelativeDeclaration]:
    """The close relatives a staff member has declared."""
    return RelativeDeclaration.objects.filter(staff=user).select_related("person")


def alerts_for(user: User) -> QuerySet[Alert]:
    if not user.can(Capability.HANDLE_ALERTS):
        return Alert.objects.none()
    rows = Alert.objects.filter(in_area(user, "town_code")).exclude(staff_involved=user)
    if not user.can(Capability.SUPERVISE):
        rows = rows.filter(handler=user)
    return rows.select_related("handler", "household")


def alert_for(user: User, alert_id: int | str | None) -> Alert | None:
    return one_of(alerts_for(user), alert_id)


def alert_handler_candidates(user: User, alert: Alert) -> list[User]:
    candidates = (
        User.objects.filter(is_active=True, region__isnull=False)
        .exclude(pk=alert.staff_involved_id or 0)
        .select_related("region")
        .order_by("role", "pk")
    )
    return [
        candidate
        for candidate in candidates
        if candidate.can(Capability.HANDLE_ALERTS)
        and alert.town_code.startswith(candidate.scope_prefix)
    ]


def recent_scans(user: User, limit: int = 5) -> list[RiskScan]:
    """The latest risk scans with their hits by rule (what the supervisors see over time)."""
    if not user.can(Capability.SUPERVISE):
        return []
    return list(RiskScan.objects.all()[:limit])


@dataclass(frozen=True)
class RuleTownCount:
    rule: str
    town_code: str
    open: int
    concluded: int


@dataclass(frozen=True)
class RuleTownMonths:
    rule: str
    town_code: str
    months: list[int]  # alerts first raised in each month, oldest first


def alerts_over_time(
    user: User, today: dt.date, months: int = 12
) -> tuple[list[dt.date], list[RuleTownMonths]]:
    """New alerts of the user's view by rule, town and month of the scan that first raised
    them, over the last `months` months."""
    first = add_months(first_of_month(today), 1 - months)
    labels = [add_months(first, n) for n in range(months)]
    rows = (
        alerts_for(user)
        .filter(first_scan__as_of__gte=first)
        .annotate(month=TruncMonth("first_scan__as_of"))
        .values_list("rule", "town_code", "month")
        .annotate(n=Count("pk"))
        .order_by("rule", "town_code")
    )
    grouped: dict[tuple[str, str], list[int]] = {}
    for rule, town, month, n in rows:
        grouped.setdefault((rule, town), [0] * months)[labels.index(month)] += n
    return labels, [RuleTownMonths(rule, town, counts) for (rule, town), counts in grouped.items()]


def alert_counts(user: User) -> list[RuleTownCount]:
    """Alerts of the user's view by rule and town: still open, and concluded."""
    rows = (
        alerts_for(user)
        .values("rule", "town_code")
        .annotate(
            open=Count("pk", filter=~Q(status=AlertStatus.CONCLUDED)),
            concluded=Count("pk", filter=Q(status=AlertStatus.CONCLUDED)),
        )
        .order_by("rule", "town_code")
    )
    return [RuleTownCount(r["rule"], r["town_code"], r["open"], r["concluded"]) for r in rows]


# ------------------------------------------------------------------ integrity


def dishonesty_for(user: User) -> QuerySet[DishonestyRecord]:
    if not user.can(Capability.HANDLE_COMPLAINTS):
        return DishonestyRecord.objects.none()
    return DishonestyRecord.objects.filter(in_area(user, "region_code")).select_related(
        "person", "household", "investigator", "decided_by"
    )


def dishonesty_record_for(user: User, record_id: int | str | None) -> DishonestyRecord | None:
    return one_of(dishonesty_for(user), record_id)


def _published(today: dt.date) -> QuerySet[DishonestyRecord]:
    return DishonestyRecord.objects.filter(
        status=IntegrityStatus.PUBLISHED, ends_on__gte=today
    ).select_related("person")


@dataclass(frozen=True)
class ListedRow:
    """One public line of the list: masked name and ID number, the facts, the period."""

    name: str
    id_number: str
    facts: str
    obtained_fen: int
    published_on: dt.date | None
    ends_on: dt.date | None


def public_blacklist(today: dt.date) -> list[ListedRow]:
    return [
        ListedRow(
            name=entry.person.name[:1] + "*" * (len(entry.person.name) - 1),
            id_number=idnumber.mask(entry.person.id_number, idnumber.Visibility.HIDDEN),
            facts=entry.facts,
            obtained_fen=entry.obtained_fen,
            published_on=entry.published_on,
            ends_on=entry.ends_on,
        )
        for entry in _published(today).order_by("-published_on", "pk")
    ]


def blacklist_export(user: User, today: dt.date) -> list[DishonestyRecord]:
    """For the credit platform (county supervisors only), in full: the entries on the list
    today, and those taken off it (credit repair, or the period over) for the platform to
    take off too."""
    if not user.can(Capability.SUPERVISE):
        return []
    listed = Q(status=IntegrityStatus.PUBLISHED, ends_on__gte=today)
    off = Q(status=IntegrityStatus.REMOVED) | Q(status=IntegrityStatus.PUBLISHED, ends_on__lt=today)
    return list(
        DishonestyRecord.objects.filter(listed | off, in_area(user, "region_code"))
        .select_related("person", "decided_by")
        .order_by("pk")
    )


def fault_records_for(user: User) -> QuerySet[FaultToleranceRecord]:
    if not user.can(Capability.SUPERVISE):
        return FaultToleranceRecord.objects.none()
    return FaultToleranceRecord.objects.filter(in_area(user, "region_code")).select_related(
        "staff", "reviewed_by"
    )


def staff_in_area(user: User) -> QuerySet[User]:
    return User.objects.filter(is_active=True, region__code__startswith=user.scope_prefix).order_by(
        "role", "pk"
    )
