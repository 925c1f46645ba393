"""Uploaded materials: checked by their first bytes, stored outside the web root."""

import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from jiuzhu.cases.models import (
    OPEN_STATUSES,
    Action,
    Case,
    CaseDocument,
    CaseEvent,
    DocumentKind,
)
from jiuzhu.cases.services.common import (
    in_responsible_area,
    record_event,
    routed_away,
    taken_in_only,
)
from jiuzhu.cases.services.verification_bridge import (
    check_case_authorisation,
    record_case_authorisation,
)
from jiuzhu.cases.workflow import TRANSITIONS
from jiuzhu.core import crypto
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.roles import Role

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


# Recognised by their first bytes, never by the name the browser sends.
FILE_SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"%PDF-": ("application/pdf", ".pdf"),
}


@dataclass
class PreparedUpload:
    """An upload checked and read, ready to be stored once the case's event exists."""

    kind: str
    name: str
    content: bytes
    content_type: str
    extension: str


def prepare_upload(kind: str, upload: UploadedFile, field: str = "documents") -> PreparedUpload:
    """Check an upload's kind, size and first bytes (JPG, PNG or PDF) and read it (the
    oversight app checks its evidence files here too, with `kind` empty)."""
    if kind and kind not in DocumentKind.values:
        raise DomainError("材料类别无效。", field=field)
    size = upload.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise DomainError(
            f"文件“{upload.name}”超过{MAX_UPLOAD_BYTES // 1024 // 1024}MB。", field=field
        )
    if size == 0:
        raise DomainError(f"文件“{upload.name}”是空文件。", field=field)
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    for signature, (content_type, extension) in FILE_SIGNATURES.items():
        if content.startswith(signature):
            name = Path(upload.name or "file").name[:120]
            return PreparedUpload(kind, name, content, content_type, extension)
    raise DomainError(
        f"文件“{upload.name}”的格式不被接受，只能上传JPG、PNG图片或PDF。", field=field
    )


def upload_root() -> Path:
    """Where case documents are stored: outside the web root, so that files are served only
    through a view that checks the area."""
    return Path(settings.DATA_DIR) / "uploads" / "cases"


def store_upload(case: Case, actor: User, event: CaseEvent, item: PreparedUpload) -> CaseDocument:
    """Write the file, sealed (core/crypto.py: ID cards, signed authorisations), under the
    case's folder and record it against the event; size and hash are the document's own."""
    relative = Path(str(case.pk)) / f"{uuid.uuid4().hex}{item.extension}"
    target = upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(crypto.encrypt_bytes(item.content))
    document = CaseDocument.objects.create(
        case=case,
        event=event,
        kind=item.kind,
        original_name=item.name,
        stored_path=str(relative),
        content_type=item.content_type,
        size=len(item.content),
        sha256=hashlib.sha256(item.content).hexdigest(),
        uploaded_by=actor,
    )
    return document


def read_document(document: CaseDocument) -> bytes | None:
    """A stored document's content, opened; None when its file is missing."""
    path = upload_root() / document.stored_path
    if not path.is_file():
        return None
    return crypto.decrypt_bytes(path.read_bytes())


def reseal_documents(on_file: Callable[[], Any]) -> int:
    """Seal again under the current key every stored document that is not (sealed under an
    older key, or stored before sealing began); each file is swapped in whole. Returns how
    many were sealed; `on_file` hears of each."""
    current = crypto.keyring().current_id
    count = 0
    for path in sorted(upload_root().rglob("*")):
        if not path.is_file() or path.suffix == ".sealing":
            continue
        stored = path.read_bytes()
        if crypto.file_key_id(stored) == current:
            continue
        swap = path.with_name(path.name + ".sealing")
        swap.write_bytes(crypto.encrypt_bytes(crypto.decrypt_bytes(stored)))
        os.replace(swap, path)
        count += 1
        on_file()
    return count


def add_documents(
    actor: User, case: Case, documents: list[tuple[str, UploadedFile]]
) -> list[CaseDocument]:
    """Materials added to an open case by the town responsible (the intake town may not,
    once the case is routed); a signed authorisation or commitment counts as signed from
    now, the authorisation checked by the staff uploading it (they hold the original)."""
    if actor.role not in TRANSITIONS[Action.PAUSE].roles | TRANSITIONS[
        Action.RECORD_HOME_VISIT
    ].roles | {Role.ONLINE_SERVICE}:
        raise PermissionError("无权为该申请上传材料。")
    if taken_in_only(actor, case):
        raise routed_away(case, "再上传材料")
    if not in_responsible_area(actor, case):
        raise PermissionError("无权为该申请上传材料。")
    if case.status not in OPEN_STATUSES:
        raise DomainError("申请已办结，不能再上传材料。")
    prepared = [prepare_upload(kind, upload) for kind, upload in documents]
    if not prepared:
        raise DomainError("请选择要上传的文件。", field="documents")
    with transaction.atomic():
        event = record_event(
            case,
            actor,
            Action.UPLOAD,
            case.status,
            case.status,
            "",
            {"files": [p.name for p in prepared]},
        )
        stored = [store_upload(case, actor, event, item) for item in prepared]
        signed = {p.kind for p in prepared}
        updates: dict[str, Any] = {}
        if DocumentKind.AUTHORISATION in signed and case.authorisation_signed_at is None:
            updates["authorisation_signed_at"] = timezone.now()
        if DocumentKind.COMMITMENT in signed and case.commitment_signed_at is None:
            updates["commitment_signed_at"] = timezone.now()
        if updates:
            Case.objects.filter(pk=case.pk).update(**updates)
            case.refresh_from_db()
        for document in stored:
            if document.kind == DocumentKind.AUTHORISATION:
                record_case_authorisation(actor, case, document, timezone.localdate())
        if DocumentKind.AUTHORISATION in signed:
            check_case_authorisation(actor, case)
    return stored
