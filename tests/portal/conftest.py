import re
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from jiuzhu.cases.notifications import RecordingSmsBackend
from jiuzhu.portal import identity
from tests.cases.conftest import poor_household, staff  # noqa: F401  (fixtures)
from tests.payments.conftest import pay_staff  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def clear_throttle_and_outbox():
    cache.clear()
    RecordingSmsBackend.outbox.clear()


def texted_code(phone: str) -> str:
    """The last sign-in code the recording SMS backend holds for this phone."""
    texts = [text for to, text in RecordingSmsBackend.outbox if to == phone]
    found = re.search(r"验证码为(\d{6})", texts[-1])
    assert found is not None
    return found.group(1)


def signed_in_client(person, capture) -> Client:
    """A client signed in as the applicant through the two pages (code texted, then typed)."""
    client = Client()
    with capture(execute=True):
        client.post(
            "/portal/sign-in/",
            {"step": "code", "id_number": person.id_number, "name": person.name},
        )
    response = client.post(
        "/portal/sign-in/",
        {"step": "sign_in", "id_number": person.id_number, "code": texted_code(person.phone)},
    )
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert identity.COOKIE in response.cookies
    return client


def photo(name: str = "booklet.jpg", size: tuple[int, int] = (3000, 2000)) -> SimpleUploadedFile:
    """A phone camera's photo: larger than the portal keeps."""
    buffer = BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, "JPEG", quality=95)
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")
