"""Reads of cases, always within the caller's area: a case is seen by the town responsible
and by the town (or village) that took it in; the intake town sees only what it entered and
the case's progress, never the household's file (全县通办 is no way into another town)."""

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from jiuzhu.cases.models import (
    ACTIVE_RECIPIENT_STATUSES,
    PAID_RECIPIENT_STATUSES,
    UNDECIDED_STATUSES,
    Action,
    Case,
    CaseDocument,
    Notification,
    Recipient,
    SpotCheck,
    Status,
)
from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.months import long_date, long_moment, long_month
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area, one_of
from jiuzhu.core.workdays import Calendar
from jiuzhu.registry.models import Household, Membership
from jiuzhu.registry.sections import Entry
from jiuzhu.verification.models import Authorisation


def cases_in_scope(user: User) -> QuerySet[Case]:
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return Case.objects.none()
    return Case.objects.filter(in_area(user, "responsible_code", "intake_code"))


def handles(user: User, case: Case) -> bool:
    """Whether the case lies in the user's area as the town responsible (or above it): the
    whole file. Otherwise the user's area only took it in: its progress and own entries."""
    return user.region is not None and user.region.contains(case.responsible_code)


def case_for(user: User, case_id: int | str) -> Case | None:
    """The case with its people and places, if it is within the user's area."""
    return one_of(
        cases_in_scope(user).select_related(
            "household", "applicant", "beneficiary", "responsible_town", "intake_region"
        ),
        case_id,
    )


def case_list(user: User, status: str = "", programme: str = "", query: str = "") -> QuerySet[Case]:
    """The cases of the user's area by status ("open": not yet decided or in notice),
    programme and a number or name."""
    qs = (
        cases_in_scope(user)
        .select_related("applicant", "responsible_town")
        # What the list and its deadlines show: no long texts nor the calculation, and the
        # applicant's sealed ID number and phone never loaded nor decrypted for a page of rows.
        .only(
            "number",
            "programme",
            "status",
            "special_hardship",
            "submitted_at",
            "decision_due",
            "paused_since",
            "applicant__name",
            "responsible_town__name",
        )
    )
    if status == "open":
        qs = qs.filter(status__in=[*UNDECIDED_STATUSES, Status.SUBMITTED, Status.NOTICE])
    elif status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme=programme)
    if query:
        qs = qs.filter(
            Q(number=query.strip().upper()) | Q(applicant__name__startswith=query.strip())
        )
    return qs.order_by("-submitted_at", "-pk")


WARNING_WORKING_DAYS = 3


@dataclass
class Deadline:
    due: dt.date
    working_days_left: int
    overdue: bool
    warning: bool
    paused: bool


def deadline(
    case: Case, today: dt.date | None = None, calendar: Calendar | None = None
) -> Deadline | None:
    """How the case stands against its decision date (None once decided or before acceptance)."""
    return deadlines([case], today or timezone.localdate(), calendar or Calendar())[case.pk]


def deadlines(
    cases: Iterable[Case], today: dt.date, calendar: Calendar
) -> dict[int, Deadline | None]:
    """Each listed case's `deadline` (by id), with one calendar for all (one read of its
    overrides) and the working days counted once per due date: a town's overdue list has
    hundreds of cases and a few dozen dates."""
    left: dict[dt.date, int] = {}
    found: dict[int, Deadline | None] = {}
    for case in cases:
        due = case.decision_due
        if due is None or case.status not in UNDECIDED_STATUSES:
            found[case.pk] = None
            continue
        if due not in left:
            left[due] = calendar.working_days_between(today, due)
        found[case.pk] = Deadline(
            due=due,
            working_days_left=left[due],
            overdue=left[due] < 0,
            warning=0 <= left[due] <= WARNING_WORKING_DAYS,
            paused=case.paused_since is not None,
        )
    return found


def overdue_cases(user: User, today: dt.date | None = None) -> QuerySet[Case]:
    """Undecided cases past their decision date (clock not paused), for this user's area."""
    today = today or timezone.localdate()
    return (
        cases_in_scope(user)
        .filter(status__in=UNDECIDED_STATUSES, decision_due__lt=today, paused_since__isnull=True)
        .select_related("applicant", "responsible_town")
        # What the list and its deadlines show, nothing more: no long texts, and the
        # applicant's sealed ID number and phone never loaded nor decrypted for hundreds of rows.
        .only(
            "number",
            "status",
            "decision_due",
            "paused_since",
            "applicant__name",
            "responsible_town__name",
        )
        .order_by("decision_due", "pk")
    )


def due_soon(
    user: User, today: dt.date | None = None, calendar: Calendar | None = None
) -> QuerySet[Case]:
    """Undecided cases of the area within the last working days of their clock."""
    today = today or timezone.localdate()
    limit = (calendar or Calendar()).add_working_days(today, WARNING_WORKING_DAYS)
    return (
        cases_in_scope(user)
        .filter(status__in=UNDECIDED_STATUSES, decision_due__gte=today, decision_due__lte=limit)
        .select_related("applicant")
        .only("number", "decision_due", "applicant__name")  # what the case list shows
        .order_by("decision_due", "pk")
    )


def overdue_by_town(user: User, today: dt.date | None = None) -> list[tuple[str, int]]:
    """Overdue cases counted by responsible town, the most first (counted by the database:
    the list itself shows one page)."""
    counts = (
        overdue_cases(user, today)
        .order_by()
        .values_list("responsible_town__name")
        .annotate(n=Count("pk"))
    )
    return sorted(((name, n) for name, n in counts), key=lambda item: (-item[1], item[0]))


def overdue_by_person(user: User, today: dt.date | None = None) -> list[tuple[str, int]]:
    """Overdue cases counted by investigator, named as people are (unassigned ones
    together), the most first."""
    counts = dict(
        overdue_cases(user, today).order_by().values_list("investigator").annotate(n=Count("pk"))
    )
    staff = User.objects.filter(pk__in=[pk for pk in counts if pk is not None])
    named = [(person.display_name, counts[person.pk]) for person in staff]
    if None in counts:
        named.append(("（未分派）", counts[None]))
    return sorted(named, key=lambda item: (-item[1], item[0]))


def advance_aid_pending(user: User) -> QuerySet[Case]:
    """Advance-aid cases of the area still to be granted, the most urgent first."""
    return (
        cases_in_scope(user)
        .filter(advance_for__isnull=False, status__in=[Status.ACCEPTED, Status.INVESTIGATING])
        .select_related("applicant")
        .only("number", "advance_due_at", "applicant__name")  # what the case list shows
        .order_by("advance_due_at")
    )


def _entered_at_intake() -> Q:
    # The documents handed in with the application, at the intake window.
    return Q(event__action=Action.SUBMIT)


def documents_for(user: User, case: Case) -> QuerySet[CaseDocument]:
    """The case's documents: all for the town responsible, only those handed in at intake
    for the intake town (never what the town responsible added)."""
    documents = case.documents.order_by("uploaded_at", "pk")
    return documents if handles(user, case) else documents.filter(_entered_at_intake())


def document_for(user: User, document_id: int) -> CaseDocument | None:
    """A document of a case the user handles, or one its area handed in at intake."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return None
    handled = Case.objects.filter(in_area(user, "responsible_code")).values("pk")
    taken_in = Case.objects.filter(in_area(user, "intake_code")).values("pk")
    return (
        CaseDocument.objects.filter(
            Q(case__in=handled) | (Q(case__in=taken_in) & _entered_at_intake()), pk=document_id
        )
        .select_related("case")
        .first()
    )


def authorisations_for(case: Case) -> QuerySet[Authorisation]:
    """The household's signed authorisations in force (who signed, when, whether checked),
    for the case page of the town responsible."""
    return (
        Authorisation.objects.filter(household_id=case.household_id, revoked_at__isnull=True)
        .select_related("signed_by")
        .order_by("-signed_on", "-pk")
    )


def cases_of_household(user: User, household_id: int) -> QuerySet[Case]:
    return cases_in_scope(user).filter(household_id=household_id).order_by("-submitted_at")


def notifications_of_household(household_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(household_id=household_id)


def spot_checks(user: User) -> QuerySet[SpotCheck]:
    if not user.can(Capability.VIEW_ACCESS_LOG):
        return SpotCheck.objects.none()
    return SpotCheck.objects.filter(case__in=cases_in_scope(user).values("pk")).select_related(
        "case", "checker"
    )


def reviews_due(user: User, today: dt.date | None = None) -> QuerySet[Recipient]:
    """Recipients of the area whose periodic review is due."""
    today = today or timezone.localdate()
    return (
        Recipient.objects.filter(
            in_area(user, "region_code"),
            status__in=PAID_RECIPIENT_STATUSES,
            next_review_on__lte=today,
        )
        .select_related("case")
        .only("programme", "review_class", "next_review_on", "case__number")  # the list's
    )


def household_entries(user: User, household: Household) -> list[Entry]:
    """The cases, recipients and messages of a household, for its page (一户一档)."""
    entries = []
    # A case's recipient is of the case's household (services/recipients.py): read with it.
    cases = (
        cases_of_household(user, household.pk)
        .select_related("applicant", "recipient")
        .only(
            "programme",
            "number",
            "status",
            "submitted_at",
            "monthly_amount",
            "one_off_amount",
            "applicant__name",
            "recipient__status",
            "recipient__start_month",
        )
    )
    for case in cases:
        submitted = long_date(timezone.localtime(case.submitted_at))
        lines = [f"{case.get_status_display()}，申请人 {case.applicant.name}，{submitted}"]
        if case.monthly_amount is not None:
            lines.append(f"月救助金额 {format_yuan(case.monthly_amount, fen=False)} 元")
        if case.one_off_amount:
            lines.append(f"一次性救助 {format_yuan(case.one_off_amount, fen=False)} 元")
        recipient = getattr(case, "recipient", None)
        if recipient is not None:
            lines.append(
                f"救助对象：{recipient.get_status_display()}，自{long_month(recipient.start_month)}起"
            )
        entries.append(
            Entry(
                case.programme,
                f"申请 {case.number}",
                reverse("cases:detail", args=[case.pk]),
                lines,
            )
        )
    for note in notifications_of_household(household.pk).only("text", "created_at")[:20]:
        entries.append(
            Entry(
                "",
                note.text,
                lines=[long_moment(note.created_at)],
                section="告知申请人的消息",
            )
        )
    return entries


def programmes_of_persons(person_ids: Collection[int], on: dt.date) -> dict[int, set[str]]:
    """The programmes each person receives on a day, as a member of a recipient household
    or in person (medical and education aid follow from them)."""
    in_force = Recipient.objects.filter(
        status__in=ACTIVE_RECIPIENT_STATUSES, start_month__lte=on
    ).filter(Q(end_month__isnull=True) | Q(end_month__gte=on.replace(day=1)))
    found: dict[int, set[str]] = {pk: set() for pk in person_ids}
    for person_id, programme in in_force.filter(person_id__in=person_ids).values_list(
        "person_id", "programme"
    ):
        found[person_id].add(programme)
    household_of = dict(
        Membership.objects.filter(person_id__in=person_ids, end_date__isnull=True).values_list(
            "person_id", "household_id"
        )
    )
    by_household: dict[int, set[str]] = {}
    for household_id, programme in in_force.filter(
        person__isnull=True, household_id__in=set(household_of.values())
    ).values_list("household_id", "programme"):
        by_household.setdefault(household_id, set()).add(programme)
    for person_id, household_id in household_of.items():
        found[person_id] |= by_household.get(household_id, set())
    return found
