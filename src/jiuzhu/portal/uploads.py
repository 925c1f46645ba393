"""Photos and PDFs from a phone: checked that they are what they claim, photos shrunk
(a phone camera's 5 MB picture of a booklet page reads as well at 1600 pixels)."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from jiuzhu.core.errors import DomainError

MAX_PHONE_UPLOAD_BYTES = 10 * 1024 * 1024
LONGEST_SIDE = 1600
JPEG_QUALITY = 80
# A decompression bomb (a small file that opens as a huge picture) is refused.
MAX_PIXELS = 40_000_000


def _bad(upload: UploadedFile) -> DomainError:
    return DomainError(
        f"文件“{upload.name}”无法识别，只能上传照片（JPG、PNG）或PDF文件。", field="documents"
    )


def shrink(upload: UploadedFile) -> UploadedFile:
    """The upload ready for the case: a photo re-encoded as a JPEG no larger than
    LONGEST_SIDE (which also drops what a fake or damaged picture carries), a PDF as it
    is once it opens and closes like one. Anything else is refused."""
    size = upload.size or 0
    if size > MAX_PHONE_UPLOAD_BYTES:
        raise DomainError(
            f"文件“{upload.name}”超过{MAX_PHONE_UPLOAD_BYTES // 1024 // 1024}MB。",
            field="documents",
        )
    content = upload.read(MAX_PHONE_UPLOAD_BYTES + 1)
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content[-1024:]:
            raise _bad(upload)
        return SimpleUploadedFile(upload.name or "file.pdf", content, "application/pdf")
    try:
        with Image.open(BytesIO(content)) as image:
            if image.format not in ("JPEG", "PNG") or image.width * image.height > MAX_PIXELS:
                raise _bad(upload)
            # A camera's JPEG is decoded at the nearest smaller scale that still covers
            # LONGEST_SIDE (libjpeg's own scaling: a fraction of the work of full size).
            image.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))
            image.load()
            picture = image if image.mode == "RGB" else image.convert("RGB")
            ImageOps.exif_transpose(picture, in_place=True)
            picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _bad(upload) from exc
    out = BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY)
    stem = (upload.name or "photo").rsplit(".", 1)[0][:100]
    return SimpleUploadedFile(f"{stem}.jpg", out.getvalue(), "image/jpeg")
