import datetime as dt
import io
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jiuzhu.cases import services as cases
from jiuzhu.cases.models import Case, CaseDocument, Channel, Status
from jiuzhu.cases.services import upload_root
from jiuzhu.cases.services.documents import read_document
from jiuzhu.core.roles import Role
from jiuzhu.oversight.models import Complaint
from jiuzhu.portal.models import ApplicantMessage, IssuedPaper, PaperKind
from jiuzhu.registry.models import Relation
from jiuzhu.verification.models import Authorisation
from tests import factories
from tests.cases.conftest import submit
from tests.conftest import client_for
from tests.factories import head_of
from tests.portal.conftest import photo, signed_in_client

pytestmark = pytest.mark.django_db


def form(household, **extra):
    return {
        "household": household.pk,
        "programme": "dibao",
        "temporary_kind": "",
        "beneficiary": "",
        "reason": "老两口年老体弱，收入很低。",
        "agree_authorisation": "on",
        "agree_commitment": "on",
        "typed_signature": "王老汉",
        "drawn_signature": "",
        **extra,
    }


def pdf_text(document: CaseDocument) -> str:
    """The text of a stored PDF (documents are sealed on disk: opened as the site opens them)."""
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=read_document(document),
        capture_output=True,
        check=True,
    ).stdout.decode()


def test_phone_application_arrives_as_a_window_intake(
    staff, poor_household, django_capture_on_commit_callbacks
):
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    response = client.post(
        "/portal/apply/", form(poor_household, household_booklet=photo()), follow=True
    )
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == f"/portal/applications/{case.number}/?submitted=1"
    assert f"申请已提交，申请编号 {case.number}。" in response.content.decode()
    assert (case.channel, case.status, case.programme) == (Channel.PHONE, Status.SUBMITTED, "dibao")
    assert case.responsible_town.name == "东阿镇" and case.intake_region == case.responsible_town
    assert case.applicant == head_of(poor_household)
    assert case.commitment_signed_at is not None and case.authorisation_signed_at is not None
    assert case.created_by.role == Role.ONLINE_SERVICE and not case.created_by.has_usable_password()
    # The photo was shrunk to 1600 pixels and re-encoded; the signed paper kept as a PDF.
    booklet = CaseDocument.objects.get(kind="household_booklet")
    assert (upload_root() / booklet.stored_path).read_bytes()[:3] != b"\xff\xd8\xff"  # sealed
    with Image.open(io.BytesIO(read_document(booklet))) as image:
        assert (image.format, image.size) == ("JPEG", (1600, 1067))
    signed = CaseDocument.objects.get(kind="authorisation")
    assert signed.content_type == "application/pdf"
    text = pdf_text(signed)
    paper = IssuedPaper.objects.get(kind=PaperKind.AUTHORISATION)
    for expected in (
        "家庭经济状况核对授权书和承诺书",
        "签署人",
        "王老汉",
        "签名：王老汉（输入签名）",
        "最低生活保障",
        "东阿镇人民政府",
        f"验证码：{paper.code}",
    ):
        assert expected in text
    # Verification keeps the signed record: the file's hash and the signer.
    authorisation = Authorisation.objects.get()
    assert authorisation.document_sha256 == signed.sha256
    assert authorisation.signed_by == head_of(poor_household) and authorisation.checked_at is None
    # The town's page names the 掌上办 account in the history, never its login.
    staff_page = client_for(staff["assistant"]).get(f"/cases/{case.pk}/").content.decode()
    assert '<td data-label="经办人">掌上办</td><td data-label="事项">提交申请</td>' in staff_page
    assert "zhangshangban" not in staff_page and "online_service" not in staff_page
    # The town accepts it as it accepts one from its window (and checks the authorisation).
    cases.accept(staff["assistant"], case, case.version)
    assert Case.objects.get().status == Status.ACCEPTED
    assert Authorisation.objects.get().checked_by == staff["assistant"]


def refused(client, household, message, **extra):
    page = client.post("/portal/apply/", form(household, **extra)).content.decode()
    assert message in page
    return page


def test_application_made_by_a_family_member_is_recorded_as_such(
    poor_household, django_capture_on_commit_callbacks
):
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    client.post("/portal/apply/", form(poor_household, on_behalf="王小明（儿子）"))
    case = Case.objects.get()
    assert case.reason == "老两口年老体弱，收入很低。\n（由王小明（儿子）代为操作）"
    signed = CaseDocument.objects.get(kind="authorisation")
    text = pdf_text(signed)
    assert "手机在线签署，由王小明（儿子）代为操作" in text


def test_refusals_write_nothing(
    staff, poor_household, meigui_village, django_capture_on_commit_callbacks
):
    head = head_of(poor_household)
    client = signed_in_client(head, django_capture_on_commit_callbacks)
    other = factories.household(village_region=meigui_village)
    refused(client, other, "您不是该家庭的现有成员，不能为该家庭申请。")
    fake = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"not a picture" * 50, "image/jpeg")
    refused(
        client,
        poor_household,
        "文件“photo.jpg”无法识别，只能上传照片（JPG、PNG）或PDF文件。",
        id_cards=fake,
    )
    huge = SimpleUploadedFile(
        "big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024) + b"%%EOF", "application/pdf"
    )
    refused(client, poor_household, "文件“big.pdf”超过10MB。", id_cards=huge)
    refused(
        client,
        poor_household,
        "请签名：输入与身份证一致的姓名，或在框内手写签名。",
        typed_signature="王",
    )
    refused(client, poor_household, "请阅读并同意核对授权书和承诺书。", agree_commitment="")
    refused(
        client,
        poor_household,
        "手写签名无法识别，请重新签名。",
        drawn_signature="data:image/png;base64,AAAA",
    )
    assert Case.objects.count() == 0 and CaseDocument.objects.count() == 0
    assert Authorisation.objects.count() == 0 and IssuedPaper.objects.count() == 0
    existing = submit(staff["assistant"], poor_household)
    refused(
        client,
        poor_household,
        f"该户已有未办结的最低生活保障申请（{existing.number}），不能重复申请。",
    )
    assert Case.objects.count() == 1


def test_living_away_from_registration_applies_where_they_live(
    dong_e_village, meigui_village, county_admin, django_capture_on_commit_callbacks
):
    away = factories.household(
        county_admin,
        dong_e_village,
        [
            factories.born(
                Relation.HEAD,
                "赵大姐",
                meigui_village,
                dt.date(1970, 4, 4),
                "F",
                phone="13900000009",
            )
        ],
        residence_region=meigui_village,
    )
    client = signed_in_client(head_of(away), django_capture_on_commit_callbacks)
    client.post("/portal/apply/", form(away, typed_signature="赵大姐"))
    case = Case.objects.get()
    assert case.responsible_town.name == "玫瑰镇" and case.responsible_code == away.residence_code
    assert case.created_by.region == case.responsible_town


def test_request_for_documents_answered_by_upload(
    staff, poor_household, django_capture_on_commit_callbacks
):
    case = submit(staff["assistant"], poor_household)
    cases.accept(staff["assistant"], case, case.version)
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    page = client.get(f"/portal/applications/{case.number}/").content.decode()
    assert "需要补充材料" not in page
    cases.pause_clock(staff["assistant"], case, case.version, "请补充老人的病历")
    page = client.get(f"/portal/applications/{case.number}/").content.decode()
    assert "<p>请补充老人的病历</p>" in page and "暂停计时" in page
    response = client.post(f"/portal/applications/{case.number}/", {"document": photo("病历.jpg")})
    assert response["Location"] == f"/portal/applications/{case.number}/?answered=1"
    added = CaseDocument.objects.get(original_name="病历.jpg")
    assert added.kind == "other" and added.uploaded_by.role == Role.ONLINE_SERVICE
    # Another household's case is not there for this applicant.
    assert client.get("/portal/applications/SQ2000010100001/").status_code == 404


def test_change_and_complaint_reach_the_town(
    staff, poor_household, django_capture_on_commit_callbacks
):
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    page = client.post("/portal/write/", {"kind": "change", "text": "老伴住院了"}).content.decode()
    assert "已送达东阿镇" in page
    assert (
        "请填写内容（最多2000字）。"
        in client.post("/portal/write/", {"kind": "complaint", "text": " "}).content.decode()
    )
    assert ApplicantMessage.objects.get().town.name == "东阿镇"
    inbox = client_for(staff["assistant"]).get("/portal/inbox/").content.decode()
    assert "老伴住院了" in inbox and "家庭情况变化报告" in inbox
    other = client_for(staff["other_assistant"]).get("/portal/inbox/").content.decode()
    assert "老伴住院了" not in other
    # A complaint is also filed with the complaints and reports, as sent from the phone.
    page = client.post("/portal/write/", {"kind": "complaint", "text": "低保金三个月没到账"})
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.town.name, complaint.content) == (
        "portal",
        "东阿镇",
        "低保金三个月没到账",
    )
    assert complaint.complainant_name == "王老汉" and not complaint.anonymous
    assert f"投诉编号 {complaint.number}，查询码 {complaint.query_code}" in page.content.decode()
    assert ApplicantMessage.objects.filter(kind="complaint").count() == 1


def test_phone_expenditure_aid_carries_its_hardship(
    staff, poor_household, django_capture_on_commit_callbacks
):
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    temporary = {"programme": "temporary", "temporary_kind": "expenditure"}
    refused = client.post("/portal/apply/", form(poor_household, **temporary), follow=True)
    assert "支出型临时救助须填写家庭难以承受的必需支出金额。" in refused.content.decode()
    assert not Case.objects.exists()
    hardship = {
        "temporary_expense": "3000",
        "temporary_expense_kind": "medical",
        "temporary_evidence": "住院费用票据",
    }
    client.post("/portal/apply/", form(poor_household, **temporary, **hardship), follow=True)
    case = Case.objects.get()
    assert (str(case.temporary_expense), case.temporary_expense_kind) == ("3000.00", "medical")
