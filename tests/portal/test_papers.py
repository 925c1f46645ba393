import subprocess

import pytest
from django.test import Client
from django.utils import timezone

from jiuzhu.cases import services as cases
from jiuzhu.portal.models import IssuedPaper, PaperKind
from tests.cases.conftest import in_force, investigate, submit
from tests.factories import head_of
from tests.portal.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    # The Chinese font travels inside the file (a subset), so it prints anywhere.
    assert b"/FontFile2" in pdf
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def genuine(code: str) -> str:
    return Client().get("/portal/verify/", {"code": code}).content.decode()


def test_receipt_pdf_and_its_code(staff, poor_household, django_capture_on_commit_callbacks):
    case = submit(staff["assistant"], poor_household)
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    text = text_of(client.get(f"/portal/applications/{case.number}/receipt.pdf").content)
    paper = IssuedPaper.objects.get(kind=PaperKind.RECEIPT)
    for expected in (
        "社会救助申请受理回执",
        case.number,
        "最低生活保障",
        "王老汉",
        "东阿镇人民政府",
        f"验证码：{paper.code}",
    ):
        assert expected in text
    # Printing again prints the same paper.
    client.get(f"/portal/applications/{case.number}/receipt.pdf")
    assert IssuedPaper.objects.count() == 1
    page = genuine(paper.code)
    assert "此文书真实有效" in page and "申请受理回执" in page and "王*汉" in page
    assert "王老汉" not in page
    assert "没有找到该验证码对应的文书" in genuine("ABCDEFGHJKLM")
    assert "没有找到该验证码对应的文书" in genuine("<script>")


def test_decision_letter_of_approval_and_certificate(
    staff, poor_household, monkeypatch, django_capture_on_commit_callbacks
):
    case = in_force(staff, poor_household, monkeypatch)
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    page = client.get(f"/portal/applications/{case.number}/").content.decode()
    assert f"<p>每月{case.monthly_amount}元，自" in page and "下载决定书（PDF）" in page
    text = text_of(client.get(f"/portal/applications/{case.number}/decision.pdf").content)
    paper = IssuedPaper.objects.get(kind=PaperKind.DECISION)
    for expected in (
        "社会救助审核确认决定书",
        "批准",
        f"{case.monthly_amount}元",
        "起始月份",
        "行政复议",
        f"验证码：{paper.code}",
    ):
        assert expected in text
    assert "不予批准" not in text
    text = text_of(client.get("/portal/certificate.pdf").content)
    certificate = IssuedPaper.objects.get(kind=PaperKind.CERTIFICATE)
    assert "救助证明" in text and "最低生活保障" in text and f"每月{case.monthly_amount}元" in text
    assert f"验证码：{certificate.code}" in text
    page = genuine(certificate.code)
    assert "此文书真实有效" in page and "其家庭目前享受最低生活保障" in page
    assert "王老汉" not in page


def test_termination_notice(staff, poor_household, monkeypatch, django_capture_on_commit_callbacks):
    case = in_force(staff, poor_household, monkeypatch)
    cases.terminate(staff["approver"], case, case.version, "家庭人均收入已高于保障标准")
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    page = client.get(f"/portal/applications/{case.number}/").content.decode()
    assert "起停止发放。理由：家庭人均收入已高于保障标准" in page
    text = text_of(client.get(f"/portal/applications/{case.number}/termination.pdf").content)
    paper = IssuedPaper.objects.get(kind=PaperKind.TERMINATION)
    for expected in (
        "停止救助通知书",
        case.number,
        "家庭人均收入已高于保障标准",
        "行政复议",
        f"验证码：{paper.code}",
    ):
        assert expected in text
    assert "停止救助通知书" in genuine(paper.code)


def test_refusal_letter_gives_reasons_and_how_to_object(
    staff, poor_household, django_capture_on_commit_callbacks
):
    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    cases.reject(staff["approver"], case, case.version, "第九条", "家庭收入高于保障标准")
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    text = text_of(client.get(f"/portal/applications/{case.number}/decision.pdf").content)
    assert "不予批准" in text and "第九条：家庭收入高于保障标准" in text
    assert "60日内向县人民政府申请行政复议" in text


def test_undecided_application_has_no_decision_letter_and_no_certificate(
    staff, poor_household, django_capture_on_commit_callbacks
):
    case = submit(staff["assistant"], poor_household)
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    assert client.get(f"/portal/applications/{case.number}/decision.pdf").status_code == 404
    assert client.get("/portal/certificate.pdf").status_code == 404
    assert Client().get(f"/portal/applications/{case.number}/receipt.pdf").status_code == 302
    assert IssuedPaper.objects.count() == 0


def test_home_visit_record_pdf_and_its_code(
    staff, poor_household, django_capture_on_commit_callbacks
):
    case = submit(staff["assistant"], poor_household)
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    assert (
        "下载入户调查记录"
        not in client.get(f"/portal/applications/{case.number}/").content.decode()
    )
    assert client.get(f"/portal/applications/{case.number}/home-visit.pdf").status_code == 404
    investigate(case, staff["assistant"])
    page = client.get(f"/portal/applications/{case.number}/").content.decode()
    assert "下载入户调查记录（PDF）" in page
    text = text_of(client.get(f"/portal/applications/{case.number}/home-visit.pdf").content)
    paper = IssuedPaper.objects.get(kind=PaperKind.HOME_VISIT)
    today = timezone.localdate()
    for expected in (
        "入户调查记录",
        case.number,
        "王老汉",
        "最低生活保障",
        poor_household.number,
        f"{today:%Y年%m月%d日}",
        "东阿镇工作人员2名",
        "已核实",
        "核实共同生活家庭成员",
        "未核实",
        "走访邻里、村（居）民委员会",
        "调查情况：家中无车，住房简陋，二人均无劳动能力。",
        "被调查家庭签字确认：已签字",
        "东阿镇人民政府",
        f"验证码：{paper.code}",
    ):
        assert expected in text
    # Staff names stay off the applicant's copy.
    assert "李协理员" not in text
    client.get(f"/portal/applications/{case.number}/home-visit.pdf")
    assert IssuedPaper.objects.filter(kind=PaperKind.HOME_VISIT).count() == 1
    page = genuine(paper.code)
    assert "此文书真实有效" in page and "入户调查记录" in page and "王*汉" in page
