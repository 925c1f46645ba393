"""Retention of closed applications (PIPL art. 19: no longer than needed).

An application that ended (refused at intake, rejected, withdrawn, or assistance ended) keeps
its personal content for `JIUZHU_CASE_RETENTION_YEARS` after the last act on it. Past that,
`purge` anonymises it: the applicant's reason, the decision note and its calculation, the
home visits' findings and checklists, objections, spot-check remarks and event comments are
blanked, and the uploaded documents are deleted with their files. What statistics and the
audit need stays: the case number, programme, statuses, dates and amounts, and who acted.
A dry run reports the same figures and writes nothing.

Households and persons follow (`purge_registry`): a household whose every application ended
before the cutoff, with no current recipient, is anonymised by the registry
(`anonymise_household`: address, incomes and assets; name, ID number and phone of the
members nothing else keeps). A member who also belongs to a household still kept, is a
current recipient, or applied in another household, is kept. Payment history and the
figures statistics use stay.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from jiuzhu.cases.models import (
    ACTIVE_RECIPIENT_STATUSES,
    Case,
    CaseDocument,
    CaseEvent,
    HomeVisit,
    Objection,
    Recipient,
    SpotCheck,
    Status,
)
from jiuzhu.cases.services.documents import upload_root
from jiuzhu.core.models import User
from jiuzhu.core.months import years_before
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area
from jiuzhu.core.services import record_audit
from jiuzhu.registry.anonymise import ANONYMISED_ADDRESS, anonymise_household
from jiuzhu.registry.models import Household, Membership, Person

CLOSED_STATUSES = (Status.REFUSED, Status.REJECTED, Status.WITHDRAWN, Status.ENDED)
ANONYMISED = "（已超过保存期限，内容已匿名化）"


@dataclass
class PurgeReport:
    """What a purge did (or, for a dry run, would do)."""

    before: dt.datetime
    cases: int
    documents: int
    document_bytes: int
    dry_run: bool


def retention_cutoff(now: dt.datetime | None = None, years: int | None = None) -> dt.datetime:
    """Cases whose last act is before this moment are past their retention period."""
    years = settings.JIUZHU_CASE_RETENTION_YEARS if years is None else years
    return years_before(now or timezone.now(), years)


def expired_cases(actor: User, before: dt.datetime) -> QuerySet[Case]:
    """Closed cases of the actor's area, not yet anonymised, whose last act is before
    `before`."""
    return (
        Case.objects.filter(in_area(actor, "responsible_code"), status__in=CLOSED_STATUSES)
        .exclude(reason=ANONYMISED)
        .annotate(last_act=Max("events__at"))
        .filter(last_act__lt=before)
    )


def purge(actor: User, before: dt.datetime, dry_run: bool = True) -> PurgeReport:
    """Anonymise the closed cases past retention (see the module); all or nothing."""
    require(actor, Capability.MANAGE_SECURITY)
    case_ids = list(expired_cases(actor, before).values_list("pk", flat=True))
    documents = CaseDocument.objects.filter(case_id__in=case_ids)
    paths = list(documents.values_list("stored_path", "size"))
    report = PurgeReport(
        before=before,
        cases=len(case_ids),
        documents=len(paths),
        document_bytes=sum(size for _, size in paths),
        dry_run=dry_run,
    )
    if dry_run or not case_ids:
        return report
    with transaction.atomic():
        Case.objects.filter(pk__in=case_ids).update(
            reason=ANONYMISED, decision_note="", explanation={}
        )
        CaseEvent.objects.filter(case_id__in=case_ids).update(comment="", data={})
        HomeVisit.objects.filter(case_id__in=case_ids).update(
            findings=ANONYMISED, checklist={}, second_staff=""
        )
        Objection.objects.filter(case_id__in=case_ids).update(content=ANONYMISED, resolution="")
        SpotCheck.objects.filter(case_id__in=case_ids).update(finding="")
        documents.delete()
        record_audit(
            actor,
            "purge_cases",
            actor,
            {"截止": before.date().isoformat(), "案件": len(case_ids), "材料": len(paths)},
        )
        # Files go only once the rows are gone for good.
        transaction.on_commit(lambda: _delete_files([path for path, _ in paths]))
    return report


def _delete_files(relative_paths: list[str]) -> None:
    root = upload_root()
    for relative in relative_paths:
        (root / relative).unlink(missing_ok=True)


@dataclass
class RegistryPurgeReport:
    """What a registry purge did (or, for a dry run, would do)."""

    before: dt.datetime
    households: int
    persons: int
    incomes: int
    assets: int
    dry_run: bool


def expired_households(actor: User, before: dt.datetime) -> QuerySet[Household]:
    """Households living in the actor's area, not yet anonymised, that applied at least
    once, whose every application ended with its last act before `before`, and that
    receive nothing now."""
    open_case = Case.objects.filter(household=OuterRef("pk")).exclude(status__in=CLOSED_STATUSES)
    recipient = Recipient.objects.filter(
        household=OuterRef("pk"), status__in=ACTIVE_RECIPIENT_STATUSES
    )
    return (
        Household.objects.filter(in_area(actor, "residence_code"))
        .exclude(address=ANONYMISED_ADDRESS)
        .exclude(Exists(open_case))
        .exclude(Exists(recipient))
        .annotate(last_act=Max("cases__events__at"))
        .filter(last_act__lt=before)
    )


def _persons_to_anonymise(household_ids: list[int]) -> dict[int, list[Person]]:
    """The members of these households whom nothing else keeps, each under one household."""
    elsewhere = Membership.objects.filter(person=OuterRef("pk")).exclude(
        household_id__in=household_ids
    )
    receiving = Recipient.objects.filter(
        person=OuterRef("pk"), status__in=ACTIVE_RECIPIENT_STATUSES
    )
    applied_elsewhere = Case.objects.filter(applicant=OuterRef("pk")).exclude(
        household_id__in=household_ids
    )
    persons = Person.objects.filter(memberships__household_id__in=household_ids).exclude(
        Exists(elsewhere) | Exists(receiving) | Exists(applied_elsewhere)
    )
    memberships = (
        Membership.objects.filter(household_id__in=household_ids, person__in=persons)
        .select_related("person")
        .order_by("person_id", "household_id")
    )
    by_household: dict[int, list[Person]] = {pk: [] for pk in household_ids}
    seen: set[int] = set()
    for membership in memberships:
        if membership.person_id not in seen:
            seen.add(membership.person_id)
            by_household[membership.household_id].append(membership.person)
    return by_household


def purge_registry(actor: User, before: dt.datetime, dry_run: bool = True) -> RegistryPurgeReport:
    """Anonymise the households and persons past retention (see the module); all or
    nothing."""
    require(actor, Capability.MANAGE_SECURITY)
    households = list(expired_households(actor, before).order_by("pk"))
    ids = [household.pk for household in households]
    persons = _persons_to_anonymise(ids)
    records = Household.objects.filter(pk__in=ids).aggregate(
        incomes=Count("incomes", distinct=True), assets=Count("assets", distinct=True)
    )
    report = RegistryPurgeReport(
        before=before,
        households=len(ids),
        persons=sum(len(members) for members in persons.values()),
        incomes=records["incomes"],
        assets=records["assets"],
        dry_run=dry_run,
    )
    if not dry_run:
        with transaction.atomic():
            for household in households:
                anonymise_household(actor, household, persons[household.pk])
    return report
