"""Uploaded case documents sealed on disk (issue 19): served opened, rotated with the key,
and documents stored before sealing began are served as they are until rotation seals them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from jiuzhu.cases import services
from jiuzhu.core import crypto
from tests.cases.conftest import submit
from tests.conftest import OTHER_DATA_KEY, TEST_DATA_KEY, client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 signed authorisation of the household"


def _upload(staff, household, case=None):
    case = case or submit(staff["assistant"], household, authorisation_signed=False)
    upload = SimpleUploadedFile("授权书.pdf", PDF)
    (document,) = services.add_documents(staff["assistant"], case, [("other", upload)])
    return document, services.upload_root() / document.stored_path


def _served(staff, document) -> bytes:
    response = client_for(staff["assistant"]).get(f"/cases/documents/{document.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_a_document_is_sealed_on_disk_and_served_opened(staff, poor_household):
    document, path = _upload(staff, poor_household)
    assert PDF not in path.read_bytes() and crypto.file_key_id(path.read_bytes()) == "t1"
    assert _served(staff, document) == PDF


def test_a_changed_file_is_refused_not_served_wrongly(staff, poor_household):
    document, path = _upload(staff, poor_household)
    stored = bytearray(path.read_bytes())
    stored[-1] ^= 1
    path.write_bytes(bytes(stored))
    with pytest.raises(crypto.CryptoError) as refused:
        services.read_document(document)
    assert str(refused.value) == "无法解密：密钥“t1”与文件不符（密钥错误或文件被篡改）。"


def test_rotation_seals_old_and_plain_documents_under_the_new_key(data_keys, staff, poor_household):
    sealed, sealed_path = _upload(staff, poor_household)
    plain, plain_path = _upload(staff, poor_household, sealed.case)
    plain_path.write_bytes(PDF)  # stored before sealing began
    assert _served(staff, plain) == PDF
    data_keys(f"t2:{OTHER_DATA_KEY},t1:{TEST_DATA_KEY}")
    out = io.StringIO()
    call_command("rotate_data_key", "--no-progress", stdout=out)
    assert "、2 个材料文件。" in out.getvalue()
    for document, path in ((sealed, sealed_path), (plain, plain_path)):
        assert crypto.file_key_id(path.read_bytes()) == "t2"
        assert _served(staff, document) == PDF
    assert not list(services.upload_root().rglob("*.sealing"))
    data_keys(f"t2:{OTHER_DATA_KEY}")
    assert _served(staff, sealed) == PDF
