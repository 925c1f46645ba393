"""A phone photo is shrunk to 1600 pixels on its longer side, turned upright as the
camera recorded it, and re-encoded as a JPEG."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jiuzhu.portal.uploads import shrink


def camera(size: tuple[int, int], orientation: int = 0, mode: str = "RGB") -> SimpleUploadedFile:
    buffer = BytesIO()
    picture = Image.new(mode, size, 128 if mode == "L" else (200, 180, 160))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    picture.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")


def opened(upload) -> Image.Image:
    image = Image.open(BytesIO(upload.read()))
    image.load()
    return image


def test_a_large_photo_is_shrunk_and_a_turned_one_set_upright():
    assert opened(shrink(camera((4000, 3000)))).size == (1600, 1200)
    # Taken with the phone held upright: stored sideways, with the orientation to turn it.
    upright = opened(shrink(camera((4000, 3000), orientation=6)))
    assert (upright.size, upright.format, upright.getexif().get(0x0112)) == (
        (1200, 1600),
        "JPEG",
        None,
    )
    grey = opened(shrink(camera((800, 600), mode="L")))
    assert (grey.size, grey.mode) == ((800, 600), "RGB")
