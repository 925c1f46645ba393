"""What an applicant may see: their household's applications (steps, requests, decision),
payments, in-force programmes and messages; and for the case-number lookup, one application
found only with the case number and the applicant's full ID number together. No staff names,
no one outside the household."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from jiuzhu.cases.models import (
    PAID_RECIPIENT_STATUSES,
    Action,
    Case,
    CaseEvent,
    HomeVisit,
    Notification,
    Recipient,
    Status,
)
from jiuzhu.cooperation.models import DepartmentApplication
from jiuzhu.cooperation.selectors import applications_of_household, decision_text
from jiuzhu.core import idnumber
from jiuzhu.core.models import User
from jiuzhu.core.roles import Capability
from jiuzhu.payments.selectors import household_payments
from jiuzhu.portal.models import ApplicantMessage, PaperKind, SignedRecord
from jiuzhu.registry.models import Asset, Household, Income, Membership, Person
from jiuzhu.registry.selectors import current_household_id, id_number_is

# Steps an applicant is shown; internal acts (uploads, spot checks) stay internal.
PUBLIC_STEPS = (
    Action.SUBMIT,
    Action.ACCEPT,
    Action.REFUSE_INTAKE,
    Action.START_INVESTIGATION,
    Action.RECORD_HOME_VISIT,
    Action.PAUSE,
    Action.RESUME,
    Action.COMPLETE_INVESTIGATION,
    Action.RECORD_COMMUNITY_REVIEW,
    Action.APPROVE,
    Action.REJECT,
    Action.CLOSE_NOTICE,
    Action.GRANT_ADVANCE_AID,
    Action.REVIEW,
    Action.SUSPEND,
    Action.REINSTATE,
    Action.TERMINATE,
    Action.WITHDRAW,
)
DECIDED_STATUSES = (Status.NOTICE, Status.IN_FORCE, Status.REJECTED)


@dataclass
class Progress:
    """What the progress page shows: the case, its public steps, the messages sent."""

    case: Case
    steps: list[CaseEvent]
    messages: list[Notification]


def progress_for(case_number: str, id_number: str) -> Progress | None:
    """The application with this number whose applicant has this full ID number, with
    the steps and messages the applicant may see; None when the pair does not match."""
    number = case_number.strip().upper()
    value = idnumber.normalise(id_number)
    if not number or not idnumber.is_valid(value):
        return None
    case = (
        Case.objects.filter(id_number_is(value, "applicant__"), number=number)
        .select_related("responsible_town")
        .first()
    )
    if case is None:
        return None
    return Progress(case, _steps(case), list(case.notifications.order_by("created_at", "pk")))


def _steps(case: Case) -> list[CaseEvent]:
    return list(case.events.filter(action__in=PUBLIC_STEPS).order_by("at", "pk"))


def applicant_household(person: Person) -> Household | None:
    household_id = current_household_id(person)
    if household_id is None:
        return None
    return Household.objects.select_related("registered_region", "residence_region").get(
        pk=household_id
    )


def members_of(household: Household) -> list[Membership]:
    return list(
        Membership.objects.filter(household=household, end_date__isnull=True)
        .select_related("person")
        .order_by("pk")
    )


def means_of(household: Household) -> tuple[list[Income], list[Asset]]:
    """The household's registered incomes and assets, for the applicant to confirm."""
    return (
        list(household.incomes.select_related("person").order_by("pk")),
        list(household.assets.select_related("person").order_by("pk")),
    )


def signed_record_of(case: Case) -> SignedRecord | None:
    """The authorisation and commitment signed on the phone for this application."""
    return (
        SignedRecord.objects.filter(paper__case=case, paper__kind=PaperKind.AUTHORISATION)
        .select_related("paper__issuer", "paper__person")
        .first()
    )


def _household_cases(person: Person) -> QuerySet[Case]:
    household_id = current_household_id(person)
    if household_id is None:
        return Case.objects.none()
    return Case.objects.filter(household_id=household_id).select_related(
        "responsible_town", "applicant"
    )


def my_cases(person: Person) -> list[Case]:
    """The household's applications, newest first (the household applies as one)."""
    return list(_household_cases(person).order_by("-submitted_at", "-pk"))


@dataclass
class DepartmentApplicationView:
    application: DepartmentApplication
    decision: str  # the department's decision in one line, "" while it decides


def my_department_applications(person: Person) -> list[DepartmentApplicationView]:
    """The household's applications taken for other departments, with their decisions."""
    household_id = current_household_id(person)
    if household_id is None:
        return []
    return [
        DepartmentApplicationView(app, decision_text(app))
        for app in applications_of_household(household_id)
    ]


def case_of(person: Person, number: str) -> Case | None:
    return _household_cases(person).filter(number=number.strip().upper()).first()


@dataclass
class CaseView:
    case: Case
    steps: list[CaseEvent]
    # What the town asked for while the clock is paused ("" when nothing is asked).
    request: str
    decided: bool
    start_month: dt.date | None
    # Ended (停止救助): the month it ends after, and why.
    end_month: dt.date | None = None
    end_reason: str = ""
    # The latest home visit (入户调查), whose record the applicant may print.
    home_visit: HomeVisit | None = None
    signed_on_phone: bool = False


def case_view(person: Person, number: str) -> CaseView | None:
    case = case_of(person, number)
    if case is None:
        return None
    steps = _steps(case)
    request = ""
    if case.paused_since is not None:
        pauses = [step for step in steps if step.action == Action.PAUSE]
        request = pauses[-1].comment if pauses else ""
    recipient = Recipient.objects.filter(case=case).first()
    return CaseView(
        case,
        steps,
        request,
        case.status in DECIDED_STATUSES and case.decided_at is not None,
        recipient.start_month if recipient else None,
        recipient.end_month if recipient and case.status == Status.ENDED else None,
        recipient.end_reason if recipient and case.status == Status.ENDED else "",
        case.home_visits.order_by("-visited_on", "-pk").first(),
        SignedRecord.objects.filter(paper__case=case).exists(),
    )


def messages_of(person: Person) -> list[Notification]:
    household_id = current_household_id(person)
    if household_id is None:
        return []
    return list(
        Notification.objects.filter(household_id=household_id).order_by("-created_at", "-pk")[:50]
    )


def payments_of(person: Person) -> list[dict[str, object]]:
    household = applicant_household(person)
    return household_payments(household) if household is not None else []


def in_force(household: Household) -> list[Recipient]:
    """The programmes the household receives now (the 救助证明 states them)."""
    return list(
        Recipient.objects.filter(household=household, status__in=PAID_RECIPIENT_STATUSES).order_by(
            "start_month"
        )
    )


def messages_for_staff(user: User) -> QuerySet[ApplicantMessage]:
    """Applicants' reports and complaints to the towns in the user's area."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return ApplicantMessage.objects.none()
    return ApplicantMessage.objects.filter(town_code__startswith=user.scope_prefix).select_related(
        "person", "household", "town"
    )
