"""The bridge to verification: the signed authorisation recorded there, checked by the town
responsible, a verification job asked for during the investigation."""

import datetime as dt
from typing import Any

from django.db import transaction

from jiuzhu.cases.models import (
    Action,
    Case,
    CaseDocument,
    CaseEvent,
)
from jiuzhu.cases.services.common import check_allowed, move
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.registry.models import Person
from jiuzhu.verification import selectors as verification_selectors
from jiuzhu.verification import services as verification_services


def record_case_authorisation(
    actor: User,
    case: Case,
    scan: CaseDocument,
    signed_on: dt.date,
    signed_by: Person | None = None,
) -> None:
    """The 授权书 gates economic verification; verification keeps the record: the stored
    scan, the member who signed (the applicant unless named) and when. Recorded at any
    window (就近能办); it counts once the town responsible has checked it."""
    verification_services.record_authorisation(
        actor,
        case.household,
        signed_on,
        signed_by=signed_by or case.applicant,
        document=scan.stored_path,
        document_sha256=scan.sha256,
        notes=f"申请 {case.number}",
        covers_legal_supporters=True,
        at_intake=True,
    )


def check_case_authorisation(actor: User, case: Case) -> int:
    """The town responsible checks the household's signed 授权书 (at acceptance, or when
    it uploads the scan itself): only then may departments be queried."""
    return verification_services.check_authorisations(actor, case.household)


def request_verification(actor: User, case: Case, version: int) -> Any:
    """Ask for the household's economic verification during the investigation."""
    check_allowed(actor, case, Action.REQUEST_VERIFICATION)
    if case.authorisation_signed_at is None:
        raise DomainError("申请人未签署核对授权书，不能进行家庭经济状况核对。")
    with transaction.atomic():
        job = verification_services.create_job(actor, household=case.household, note=case.number)
        move(actor, case, Action.REQUEST_VERIFICATION, version, case.status, "", {"job": job.pk})
        transaction.on_commit(lambda: verification_services.launch_in_background(job))
    return job


def verification_unfinished(case: Case) -> str:
    """Why the case may not be decided yet because of the economic verification asked for
    during its investigation ("" when it may, or when none was asked for)."""
    requested = (
        CaseEvent.objects.filter(case=case, action=Action.REQUEST_VERIFICATION)
        .order_by("-pk")
        .values_list("data", flat=True)
        .first()
    )
    if requested is None:
        return ""
    return verification_selectors.not_yet_a_basis(int(requested["job"]))
