"""The bridge to verification: the authorisation recorded there, a verification job asked
for during the investigation."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.cases.models import (
    Action,
    Case,
)
from jiuzhu.cases.services.common import check_allowed, move
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.verification import services as verification_services


def record_case_authorisation(actor: User, case: Case, document: str = "") -> None:
    """The 授权书 gates economic verification; verification keeps the record."""
    verification_services.record_authorisation(
        actor,
        case.household,
        timezone.localdate(),
        document=document or f"申请 {case.number}",
        covers_legal_supporters=True,
        at_intake=True,
    )


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
