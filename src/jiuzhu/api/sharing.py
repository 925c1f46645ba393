"""What departments read through their partner scopes (api/views/sharing.py), always within
the token owner's area. Each feed is a query of rows annotated with ``changed`` (when the
row last changed) so that partners page with a cursor on (changed, id) and sync by it.

These reads do not ask for a staff capability: a department officer may not browse
households, and sees exactly what a county administrator granted their token (the scope
is checked before any of these runs). Each feed carries only what its department needs;
docs/sharing.md lists the fields and why.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from jiuzhu.api.models import CrossCountyMatch, ProvincialList
from jiuzhu.cases.models import Case, CaseEvent, Recipient
from jiuzhu.core.models import User
from jiuzhu.core.months import add_months
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area
from jiuzhu.payments.models import Payroll, PayrollLine, line_id_range
from jiuzhu.registry.models import Membership, Person
from jiuzhu.verification.models import JobStatus, VerificationReport

# Education reads the members of recipient households younger than this on the 1st of the
# month (compulsory schooling and senior secondary school, the subsidies it pays).
CHILD_AGE = 18


def cases(user: User) -> QuerySet[Case]:
    """Cases taken in or handled in the user's area, with their steps in order."""
    steps = CaseEvent.objects.only("case_id", "at", "action", "to_status").order_by("at", "pk")
    return (
        Case.objects.filter(in_area(user, "responsible_code", "intake_code"))
        .select_related("responsible_town")
        .prefetch_related(Prefetch("events", queryset=steps))
        .annotate(changed=F("updated_at"))
    )


def recipients(user: User, month: dt.date, programme: str = "") -> QuerySet[Recipient]:
    """Recipients of the user's area whose time in a programme touches `month` (started
    before the next month, not ended by its 1st; end_month is the first month not paid)."""
    rows = Recipient.objects.filter(
        in_area(user, "region_code"),
        Q(end_month__isnull=True) | Q(end_month__gt=month),
        start_month__lt=add_months(month, 1),
    )
    if programme:
        rows = rows.filter(programme=programme)
    return rows.annotate(changed=F("updated_at"))


@dataclass(frozen=True)
class CoveredPerson:
    """What a feed or an export tells of a person (no model: a page holds thousands)."""

    id_number: str
    name: str
    birth_date: dt.date


PERSON_FIELDS = ("id_number", "name", "birth_date")


def covered_persons(rows: Iterable[Recipient]) -> dict[int, list[CoveredPerson]]:
    """For each recipient of a page: the person it is for, or the household's current
    co-resident members (those a household programme covers), in two queries."""
    rows = list(rows)
    households = {r.household_id for r in rows if r.person_id is None}
    members: dict[int, list[CoveredPerson]] = {}
    current = (
        Membership.objects.filter(
            household_id__in=households, end_date__isnull=True, co_resident=True
        )
        .order_by("household_id", "pk")
        .values_list("household_id", *(f"person__{name}" for name in PERSON_FIELDS))
    )
    for household_id, *fields in current:
        members.setdefault(household_id, []).append(CoveredPerson(*fields))
    alone = Person.objects.filter(pk__in=[r.person_id for r in rows if r.person_id is not None])
    persons = {
        pk: CoveredPerson(*fields) for pk, *fields in alone.values_list("pk", *PERSON_FIELDS)
    }
    return {
        r.pk: [persons[r.person_id]] if r.person_id is not None else members.get(r.household_id, [])
        for r in rows
    }


def child_cutoff(month: dt.date) -> dt.date:
    """Born after this day: younger than CHILD_AGE on the 1st of `month`."""
    return month.replace(year=month.year - CHILD_AGE)


def recipients_with_children(
    user: User, month: dt.date, programme: str = ""
) -> QuerySet[Recipient]:
    """The recipients of `month` (as `recipients`) that cover a child."""
    cutoff = child_cutoff(month)
    household_child = Membership.objects.filter(
        household_id=OuterRef("household_id"),
        end_date__isnull=True,
        co_resident=True,
        person__birth_date__gt=cutoff,
    )
    return recipients(user, month, programme).filter(
        (Q(person__isnull=True) & Exists(household_child)) | Q(person__birth_date__gt=cutoff)
    )


def children_of(rows: Iterable[Recipient], month: dt.date) -> dict[int, list[CoveredPerson]]:
    """The children each recipient of a page covers."""
    cutoff = child_cutoff(month)
    return {
        pk: [p for p in persons if p.birth_date > cutoff]
        for pk, persons in covered_persons(rows).items()
    }


def payment_lines(user: User, month: dt.date, programme: str = "") -> QuerySet[PayrollLine]:
    """The lines of the approved (locked) payrolls of the user's area for payroll month
    `month`; a line changes when it is approved and again when the bank's result comes."""
    payrolls = Payroll.objects.filter(in_area(user, "town_code"), month=month, locked=True)
    # By primary-key range: the lines table has no index on the payroll (payments/models.py).
    ranges = Q(pk__in=[])
    for payroll_id in payrolls.values_list("pk", flat=True):
        after, before = line_id_range(payroll_id)
        ranges |= Q(pk__gt=after, pk__lt=before)
    lines = PayrollLine.objects.filter(ranges)
    if programme:
        lines = lines.filter(programme=programme)
    return lines.select_related("payroll", "result").annotate(
        changed=Coalesce("result__imported_at", "payroll__approved_at")
    )


def verification_reports(user: User) -> QuerySet[VerificationReport]:
    """Reports of finished jobs for households of the user's area (written once)."""
    return (
        VerificationReport.objects.filter(in_area(user, "town_code"), job__status=JobStatus.DONE)
        .select_related("job", "household")
        .annotate(changed=F("created_at"))
    )


def latest_provincial_list() -> ProvincialList | None:
    return ProvincialList.objects.select_related("imported_by").first()


def cross_county_matches(user: User, listing: ProvincialList) -> QuerySet[CrossCountyMatch]:
    """The listing's persons receiving here and in another county, in the user's area (none
    for a role that may not view households)."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return CrossCountyMatch.objects.none()
    return CrossCountyMatch.objects.filter(
        in_area(user, "region_code"), listing=listing
    ).select_related("person", "household", "household__registered_region__parent")
