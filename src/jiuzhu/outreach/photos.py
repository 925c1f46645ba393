"""Photos of leads and visits: only JPEG or PNG (checked by their first bytes), stored
outside the web root and served through a view that checks the area and logs the read."""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from jiuzhu.cases.services import FILE_SIGNATURES, MAX_UPLOAD_BYTES
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.outreach.models import Lead, Photo, Visit

MAX_PHOTOS = 6
IMAGE_SIGNATURES = {
    signature: (content_type, extension)
    for signature, (content_type, extension) in FILE_SIGNATURES.items()
    if content_type.startswith("image/")
}


def photo_root() -> Path:
    return Path(settings.DATA_DIR) / "uploads" / "outreach"


def checked(uploads: list[UploadedFile]) -> list[tuple[bytes, str, str]]:
    """Each upload's bytes, content type and extension; refused unless every one is a photo
    of at most the upload limit (before anything is written)."""
    if len(uploads) > MAX_PHOTOS:
        raise DomainError(f"最多上传{MAX_PHOTOS}张照片。", field="photos")
    out = []
    for upload in uploads:
        size = upload.size or 0
        if size == 0 or size > MAX_UPLOAD_BYTES:
            raise DomainError(
                f"照片“{upload.name}”为空或超过{MAX_UPLOAD_BYTES // 1024 // 1024}MB。",
                field="photos",
            )
        content = upload.read(MAX_UPLOAD_BYTES + 1)
        kind = next(
            (found for sig, found in IMAGE_SIGNATURES.items() if content.startswith(sig)), None
        )
        if kind is None:
            raise DomainError(
                f"文件“{upload.name}”不是照片，只能上传JPG或PNG图片。", field="photos"
            )
        out.append((content, *kind))
    return out


def store(
    actor: User,
    photos: list[tuple[bytes, str, str]],
    lead: Lead | None = None,
    visit: Visit | None = None,
) -> None:
    """Write the checked photos to disk and record them against their lead or visit."""
    folder = f"lead-{lead.pk}" if lead is not None else f"visit-{visit.pk if visit else 0}"
    for content, content_type, extension in photos:
        relative = Path(folder) / f"{uuid.uuid4().hex}{extension}"
        target = photo_root() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        Photo.objects.create(
            lead=lead,
            visit=visit,
            stored_path=str(relative),
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=actor,
        )
