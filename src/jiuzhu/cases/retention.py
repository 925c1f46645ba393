"""Retention of closed applications (PIPL art. 19: no longer than needed).

An application that ended (refused at intake, rejected, withdrawn, or assistance ended) keeps
its personal content for `JIUZHU_CASE_RETENTION_YEARS` after the last act on it. Past that,
`purge` anonymises it: the applicant's reason, the decision note and its calculation, the
home visits' findings and checklists, objections, spot-check remarks and event comments are
blanked, and the uploaded documents are deleted with their files. What statistics and the
audit need stays: the case number, programme, statuses, dates and amounts, and who acted.
A dry run reports the same figures and writes nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from jiuzhu.cases.models import (
    Case,
    CaseDocument,
    CaseEvent,
    HomeVisit,
    Objection,
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
