"""Reads of the outreach app, always within the caller's area (a reporter also sees the
leads they filed, wherever they are now)."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from jiuzhu.core.models import User
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area, one_of
from jiuzhu.outreach.models import (
    Deliberation,
    Lead,
    LeadStatus,
    MonitoredHousehold,
    MonitoringReason,
    MonitoringWarning,
    Photo,
    Referral,
    VisitTarget,
)
from jiuzhu.outreach.parameters import Outreach
from jiuzhu.registry import lowincome
from jiuzhu.registry.models import Household, Membership, Person, Relation

DUE_SOON_DAYS = 7


def leads_in_area(user: User) -> QuerySet[Lead]:
    """The leads of the user's area, for staff who may see households there."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return Lead.objects.none()
    return Lead.objects.filter(in_area(user, "region_code")).select_related("region", "case")


def open_leads(user: User) -> QuerySet[Lead]:
    """Leads of the area still waiting for triage, the nearest deadline first."""
    return leads_in_area(user).filter(status=LeadStatus.OPEN).order_by("triage_due", "pk")


def overdue_leads(user: User, today: dt.date) -> QuerySet[Lead]:
    """Leads of the area not triaged by their deadline."""
    return open_leads(user).filter(triage_due__lt=today)


def my_leads(user: User) -> QuerySet[Lead]:
    """What the user reported, with its outcome."""
    if not user.can(Capability.REPORT_LEADS):
        return Lead.objects.none()
    return Lead.objects.filter(reporter=user).select_related("region", "case")


def lead_for(user: User, lead_id: int | str) -> Lead | None:
    """A lead the user may open: of their area, or reported by them."""
    visible = Lead.objects.filter(
        Q(pk__in=leads_in_area(user).values("pk")) | Q(pk__in=my_leads(user).values("pk"))
    ).select_related("region", "case", "household", "reporter", "triaged_by")
    return one_of(visible, lead_id)


def photo_for(user: User, photo_id: int | str) -> Photo | None:
    """A photo of a lead or a visit the user may open."""
    photo = one_of(Photo.objects.select_related("lead", "visit__target"), photo_id)
    if photo is None:
        return None
    if photo.lead is not None:
        return photo if lead_for(user, photo.lead.pk) is not None else None
    assert photo.visit is not None
    return photo if target_for(user, photo.visit.target.pk) is not None else None


# --- visits ------------------------------------------------------------------------------


def targets_in_area(user: User) -> QuerySet[VisitTarget]:
    """The people on the visit plans of the user's area (current ones)."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return VisitTarget.objects.none()
    return VisitTarget.objects.filter(in_area(user, "village_code"), ended_on__isnull=True)


def target_for(user: User, target_id: int | str) -> VisitTarget | None:
    return one_of(targets_in_area(user).select_related("person", "household", "village"), target_id)


@dataclass
class PlannedVisit:
    target: VisitTarget
    due: dt.date
    overdue: bool
    due_soon: bool


def planned_visits(user: User, today: dt.date) -> list[PlannedVisit]:
    """Each person of the area's plans with the date their next visit is due (the last
    visit, or the day they joined, plus their group's interval), most urgent first."""
    interval = Outreach.on(today).visit_interval_days
    rows = []
    for target in targets_in_area(user).select_related("person", "village"):
        due = (target.last_visited_on or target.since) + dt.timedelta(days=interval[target.group])
        rows.append(
            PlannedVisit(
                target,
                due,
                overdue=due < today,
                due_soon=today <= due <= today + dt.timedelta(days=DUE_SOON_DAYS),
            )
        )
    rows.sort(key=lambda row: (row.due, row.target.village_code, row.target.pk))
    return rows


@dataclass
class VillageVisits:
    name: str
    people: int
    due_soon: int
    overdue: int


def visits_by_village(planned: list[PlannedVisit]) -> list[VillageVisits]:
    """Per village: people on the plan, visits due within a week, visits overdue."""
    people: Counter[str] = Counter()
    soon: Counter[str] = Counter()
    late: Counter[str] = Counter()
    names: dict[str, str] = {}
    for row in planned:
        code = row.target.village_code
        names[code] = row.target.village.name
        people[code] += 1
        soon[code] += row.due_soon
        late[code] += row.overdue
    return [
        VillageVisits(names[code], people[code], soon[code], late[code]) for code in sorted(names)
    ]


# --- monitoring warnings -------------------------------------------------------------------


def warnings_in_area(user: User) -> QuerySet[MonitoringWarning]:
    """The monitoring warnings of the user's area, the nearest handling deadline first."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return MonitoringWarning.objects.none()
    return MonitoringWarning.objects.filter(in_area(user, "town_code")).select_related(
        "person", "household", "handled_by"
    )


def open_warnings(user: User) -> QuerySet[MonitoringWarning]:
    """Warnings of the area not handled yet."""
    return warnings_in_area(user).filter(handled_at__isnull=True)


def overdue_warnings(user: User, today: dt.date) -> QuerySet[MonitoringWarning]:
    """Warnings of the area not handled by their deadline."""
    return open_warnings(user).filter(handling_due__lt=today)


def warning_for(user: User, warning_id: int | str) -> MonitoringWarning | None:
    return one_of(warnings_in_area(user), warning_id)


# --- the monitoring list -------------------------------------------------------------------


def monitored_in_area(user: User) -> QuerySet[MonitoredHousehold]:
    """Households now on the monitoring list in the user's area, one row per reason."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return MonitoredHousehold.objects.none()
    return MonitoredHousehold.objects.filter(
        in_area(user, "town_code"), until__isnull=True
    ).select_related("household")


def monitored_by_reason(user: User) -> list[tuple[str, int]]:
    """How many households of the area are listed for each reason."""
    counts = Counter(monitored_in_area(user).values_list("reason", flat=True))
    return [(label, counts[value]) for value, label in MonitoringReason.choices]


def monitoring_history(user: User) -> QuerySet[MonitoredHousehold]:
    """Who left the list of the area, latest first."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return MonitoredHousehold.objects.none()
    return (
        MonitoredHousehold.objects.filter(in_area(user, "town_code"), until__isnull=False)
        .select_related("household")
        .order_by("-until", "-pk")
    )


# --- referrals and deliberations ------------------------------------------------------------


def referrals_in_area(user: User) -> QuerySet[Referral]:
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return Referral.objects.none()
    return Referral.objects.filter(in_area(user, "town_code")).select_related("lead", "household")


def referral_for(user: User, referral_id: int | str) -> Referral | None:
    return one_of(referrals_in_area(user), referral_id)


def deliberations_in_area(user: User) -> QuerySet[Deliberation]:
    """The area's 一事一议 items, all of them (the list is audited, nothing is removed)."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return Deliberation.objects.none()
    return Deliberation.objects.filter(in_area(user, "town_code")).select_related(
        "household", "case", "submitted_by", "decided_by"
    )


def deliberation_for(user: User, deliberation_id: int | str) -> Deliberation | None:
    return one_of(deliberations_in_area(user), deliberation_id)


def household_head(household: Household) -> Person | None:
    """The household's current head (who applies for the aid a deliberation grants)."""
    membership = (
        Membership.objects.filter(
            household=household, relation=Relation.HEAD, end_date__isnull=True
        )
        .select_related("person")
        .first()
    )
    return membership.person if membership else None


def low_income_standings_sql() -> str:
    """The monitoring list's edge and return-risk households as registry.lowincome wants
    them (registered in AppConfig.ready, read by medical assistance)."""
    table = MonitoredHousehold._meta.db_table
    edge, risk = MonitoringReason.EDGE.value, MonitoringReason.RETURN_RISK.value
    return (
        f"SELECT household_id, CASE reason WHEN '{edge}' THEN '{lowincome.EDGE}'"
        f" ELSE '{lowincome.MONITORED}' END AS standing, since, until FROM {table}"
        f" WHERE reason IN ('{edge}', '{risk}')"
    )
