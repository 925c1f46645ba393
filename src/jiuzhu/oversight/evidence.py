"""Evidence files (证据材料) of complaints, alerts and dishonesty records: images or PDFs
checked as case documents are (cases.services.prepare_upload: type by first bytes, size),
sealed on disk under the data directory (core/crypto.py), never served from the web root;
every read is logged in the access log.

The public form may attach a few files to a new complaint; staff add files to the
complaints, alerts and records they may open, until these are closed.
"""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest

from jiuzhu.cases.services import PreparedUpload, prepare_upload
from jiuzhu.core import crypto
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog, User
from jiuzhu.core.services import log_access, record_audit
from jiuzhu.oversight import selectors
from jiuzhu.oversight.models import (
    Alert,
    AlertStatus,
    Complaint,
    ComplaintStatus,
    DishonestyRecord,
    Evidence,
    IntegrityStatus,
)

PUBLIC_FILES = 3  # files the public form takes with one complaint
STAFF_FILES = 10  # files one staff upload takes
Target = Complaint | Alert | DishonestyRecord


def evidence_root() -> Path:
    return Path(settings.DATA_DIR) / "uploads" / "oversight"


def checked(uploads: list[UploadedFile], limit: int) -> list[PreparedUpload]:
    """The uploads read and checked (JPG, PNG or PDF, size), at most `limit` of them."""
    if len(uploads) > limit:
        raise DomainError(f"一次最多上传{limit}个文件。", field="files")
    return [prepare_upload("", upload, "files") for upload in uploads]


def store(target: Target, files: list[PreparedUpload], actor: User | None) -> list[Evidence]:
    """Write each file sealed and record it against its complaint, alert or record (call
    inside the caller's transaction)."""
    kind = type(target).__name__.lower()
    stored = []
    for item in files:
        relative = Path(kind) / str(target.pk) / f"{uuid.uuid4().hex}{item.extension}"
        path = evidence_root() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(crypto.encrypt_bytes(item.content))
        stored.append(
            Evidence.objects.create(
                **{_FIELD[type(target)]: target},
                original_name=item.name,
                stored_path=str(relative),
                content_type=item.content_type,
                size=len(item.content),
                sha256=hashlib.sha256(item.content).hexdigest(),
                uploaded_by=actor,
            )
        )
    return stored


_FIELD: dict[type, str] = {Complaint: "complaint", Alert: "alert", DishonestyRecord: "dishonesty"}


def _open(target: Target) -> bool:
    if isinstance(target, Complaint):
        return target.status != ComplaintStatus.REPLIED
    if isinstance(target, Alert):
        return target.status != AlertStatus.CONCLUDED
    return target.status not in (IntegrityStatus.REMOVED, IntegrityStatus.WITHDRAWN)


def add(actor: User, target: Target, uploads: list[UploadedFile]) -> list[Evidence]:
    """Staff add evidence to what they may open (the selectors decide), while it is open."""
    if _visible(actor, target) is None:
        raise PermissionError("无权为此上传证据材料。")
    if not _open(target):
        raise DomainError("已办结，不能再上传证据材料。", field="files")
    files = checked(uploads, STAFF_FILES)
    if not files:
        raise DomainError("请选择要上传的文件。", field="files")
    with transaction.atomic():
        stored = store(target, files, actor)
        record_audit(actor, "upload_evidence", target, {"files": [f.name for f in files]})
    return stored


def _visible(user: User, target: Target) -> Target | None:
    if isinstance(target, Complaint):
        return selectors.complaint_for(user, target.pk)
    if isinstance(target, Alert):
        return selectors.alert_for(user, target.pk)
    return selectors.dishonesty_record_for(user, target.pk)


def read(
    user: User, evidence_id: int, request: HttpRequest | None = None
) -> tuple[Evidence, bytes] | None:
    """A file and its content, opened, if the user may see what it is evidence of; the
    read is logged."""
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        return None
    target = evidence.complaint or evidence.alert or evidence.dishonesty
    assert target is not None
    if _visible(user, target) is None:
        return None
    path = evidence_root() / evidence.stored_path
    if not path.is_file():
        return None
    household = (
        target.subject_household_id if isinstance(target, Complaint) else target.household_id
    )
    log_access(user, AccessLog.Channel.PAGE, "Evidence", evidence.pk, household, request)
    return evidence, crypto.decrypt_bytes(path.read_bytes())
