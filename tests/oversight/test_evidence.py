"""Evidence files of complaints, alerts and dishonesty records: checked, sealed, read
only by who may open what they are evidence of, every read logged."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog
from jiuzhu.oversight import complaints, evidence, integrity
from jiuzhu.oversight.models import Alert, AlertStatus, Complaint, Evidence, RiskScan
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import make_household

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100
PDF = b"%PDF-1.4\n" + b"1" * 50


def png(name="车辆照片.png", content=PNG):
    return SimpleUploadedFile(name, content)


def post_public(dong_e, files):
    return Client(REMOTE_ADDR="10.1.1.1").post(
        reverse("public_complaint"),
        {
            "town": dong_e.code,
            "category": "eligibility",
            "content": "某户有车还领低保。",
            "anonymous": "1",
            "files": files,
        },
    )


def test_the_public_form_takes_checked_files_sealed_on_disk(ov_staff, dong_e):
    refused = post_public(dong_e, [SimpleUploadedFile("假图.png", b"MZ\x90\x00 not a picture")])
    assert refused.status_code == 400
    assert "文件“假图.png”的格式不被接受，只能上传JPG、PNG图片或PDF。" in refused.content.decode()
    too_many = post_public(dong_e, [png(f"{n}.png") for n in range(4)])
    assert "一次最多上传3个文件。" in too_many.content.decode()
    assert not Complaint.objects.exists() and not Evidence.objects.exists()

    assert post_public(dong_e, [png(), SimpleUploadedFile("说明.pdf", PDF)]).status_code == 200
    complaint = Complaint.objects.get()
    picture, paper = complaint.files.order_by("pk")
    assert (picture.original_name, picture.content_type, picture.size) == (
        "车辆照片.png",
        "image/png",
        len(PNG),
    )
    assert paper.content_type == "application/pdf" and picture.uploaded_by is None
    raw = (evidence.evidence_root() / picture.stored_path).read_bytes()
    assert raw.startswith(b"JZSEALED1") and b"\x89PNG" not in raw
    assert "车辆" not in picture.stored_path

    supervisor = ov_staff["supervisor"]
    response = client_for(supervisor).get(reverse("oversight:evidence", args=[picture.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        AccessLog.objects.filter(
            user=supervisor, object_type="Evidence", object_id=picture.pk
        ).count()
        == 1
    )
    page = client_for(supervisor).get(reverse("oversight:complaint", args=[complaint.pk]))
    assert "车辆照片.png" in page.content.decode() and "反映人提交" in page.content.decode()
    # Not theirs to see: the other town's approver, an assistant without the duty.
    for who in ("other_approver", "assistant"):
        denied = client_for(ov_staff[who]).get(reverse("oversight:evidence", args=[picture.pk]))
        assert denied.status_code == 404
    assert not AccessLog.objects.filter(object_type="Evidence").exclude(user=supervisor).exists()


def test_staff_add_evidence_to_a_complaint_until_it_is_answered(ov_staff, dong_e):
    supervisor, approver = ov_staff["supervisor"], ov_staff["approver"]
    complaint = complaints.submit_public(
        town=dong_e, category="other", content="x", anonymous=True, source_ip="10.0.0.5"
    )
    with pytest.raises(PermissionError, match=r"^无权为此上传证据材料。$"):
        evidence.add(approver, complaint, [png()])  # not yet given to them
    complaints.assign(supervisor, complaint, approver)
    big = SimpleUploadedFile("大.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(DomainError, match=r"^文件“大.pdf”超过10MB。$"):
        evidence.add(approver, complaint, [big])
    with pytest.raises(DomainError, match=r"^请选择要上传的文件。$"):
        evidence.add(approver, complaint, [])
    response = client_for(approver).post(
        reverse("oversight:complaint_act", args=[complaint.pk]),
        {"action": "evidence", "files": [png("走访照片.png")]},
    )
    assert response.status_code == 302
    (stored,) = complaint.files.all()
    assert (stored.original_name, stored.uploaded_by) == ("走访照片.png", approver)
    complaints.conclude(approver, complaint, "unfounded", "不属实", [])
    complaints.reply(approver, complaint, "不属实")
    with pytest.raises(DomainError, match=r"^已办结，不能再上传证据材料。$"):
        evidence.add(approver, complaint, [png()])
    assert Evidence.objects.count() == 1


def test_evidence_on_alerts_and_dishonesty_records(ov_staff, dong_e_village):
    supervisor, approver, admin = ov_staff["supervisor"], ov_staff["approver"], ov_staff["admin"]
    household = make_household(admin, dong_e_village, "钱某")
    scan = RiskScan.objects.create(as_of=dt.date(2026, 11, 30), started_by=supervisor)
    alert = Alert.objects.create(
        rule="vehicle",
        subject_key="1",
        town_code=dong_e_village.parent.code,
        household=household,
        evidence={"text": "名下有车辆。"},
        first_scan=scan,
        last_seen_on=scan.as_of,
        status=AlertStatus.OPEN,
    )
    client_for(supervisor).post(
        reverse("oversight:alert_act", args=[alert.pk]),
        {"action": "evidence", "files": [SimpleUploadedFile("车管所回函.pdf", PDF)]},
    )
    assert [f.original_name for f in alert.files.all()] == ["车管所回函.pdf"]
    assert (
        "车管所回函.pdf"
        in client_for(supervisor).get(reverse("oversight:alert", args=[alert.pk])).content.decode()
    )
    record = integrity.record_dishonesty(
        approver, factories.head_of(household), household, "隐瞒车辆。", 100000
    )
    evidence.add(approver, record, [png("行驶证.png")])
    (stored,) = record.files.all()
    page = client_for(approver).get(reverse("oversight:evidence", args=[stored.pk]))
    assert page.status_code == 200
    assert AccessLog.objects.get(object_type="Evidence").household_id == household.pk
    # Another town's approver sees neither the record nor its files.
    other = client_for(ov_staff["other_approver"])
    assert other.get(reverse("oversight:evidence", args=[stored.pk])).status_code == 404
