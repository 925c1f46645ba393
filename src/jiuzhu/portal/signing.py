"""The authorisation and commitment signed on the phone become the PDF the case keeps, in
the background: submitting stores what was signed (a SignedRecord) and returns at once;
one task renders every record waiting, so a rush of applicants starts one worker, not one
each. The supervisor starts a task again for records left waiting (a worker that died)."""

import datetime as dt
import logging
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from jiuzhu.cases import services as cases
from jiuzhu.core import tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, Task, User
from jiuzhu.core.roles import Role
from jiuzhu.portal import papers
from jiuzhu.portal.models import SignedRecord

logger = logging.getLogger(__name__)

KIND = "portal.signed_papers"
# A record waiting longer than this without a task to render it is picked up by the sweep.
WAITING = dt.timedelta(minutes=2)
BATCH = 50


def online_account(town: Region) -> User:
    """The town's 掌上办 account: the one that takes phone applications in, never signed in
    to (no usable password)."""
    account, _ = User.objects.get_or_create(
        username=f"zhangshangban-{town.code}",
        defaults={
            "role": Role.ONLINE_SERVICE,
            "region": town,
            "last_name": "掌上办",
            "password": make_password(None),
        },
    )
    return account


def render_soon(actor: User) -> None:
    """Have the waiting records rendered: a task is queued unless one already waits (a
    running one may have passed the newest record, so it does not count)."""
    if not Task.objects.filter(kind=KIND, status=Task.Status.QUEUED).exists():
        tasks.enqueue(actor, KIND, {})


def signature_of(record: SignedRecord) -> papers.Signature:
    return papers.Signature(
        record.paper.person,
        record.signed_at,
        typed=record.typed,
        drawn=bytes(record.drawn),
        on_behalf_of=record.on_behalf_of,
    )


def _attach(pk: int) -> int:
    """Render one waiting record and attach it to its case; claimed first (an update, which
    also takes SQLite's write lock), so two workers never attach the same record twice."""
    with transaction.atomic():
        now = timezone.now()
        if not SignedRecord.objects.filter(pk=pk, attached_at__isnull=True).update(attached_at=now):
            return 0  # another worker took it
        record = SignedRecord.objects.select_related(
            "paper__case__household", "paper__person", "paper__issuer"
        ).get(pk=pk)
        paper = record.paper
        case = paper.case
        assert case is not None
        content = papers.authorisation_pdf(
            papers.programme_of(case),
            case.household,
            signature_of(record),
            paper.issuer,
            paper.code,
            record.verify_url,
        )
        try:
            cases.attach_authorisation(
                online_account(paper.issuer),
                case,
                cases.SignedAuthorisation(
                    SimpleUploadedFile("授权书和承诺书.pdf", content, "application/pdf"),
                    timezone.localdate(record.signed_at),
                    paper.person,
                ),
                record.signed_at,
            )
        except DomainError:
            logger.warning("signed record %s could not be attached to its case", pk)
    return 1


@tasks.task(KIND)
def render_waiting(params: dict[str, Any], report: tasks.Report) -> dict[str, Any]:
    """Render and attach every signed record waiting, oldest first, until none is left."""
    done = 0
    while True:
        waiting = list(
            SignedRecord.objects.filter(attached_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not waiting:
            return {"attached": done}
        for pk in waiting:
            done += _attach(pk)
        report(min(99, done))


@tasks.supervised
def sweep_waiting(inline: bool) -> list[str]:
    """Records left waiting with no task to render them (a worker that died): queue one."""
    old = SignedRecord.objects.filter(
        attached_at__isnull=True, signed_at__lt=timezone.now() - WAITING
    ).select_related("paper__issuer")
    first = old.first()
    if (
        first is None
        or Task.objects.filter(
            kind=KIND, status__in=[Task.Status.QUEUED, Task.Status.RUNNING]
        ).exists()
    ):
        return []
    render_soon(online_account(first.paper.issuer))
    return [f"手机签署的授权书{old.count()}份待生成，已重新排队"]
