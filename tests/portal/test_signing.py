"""Submitting from the phone does not wait for the signed PDF: what was signed is kept, and
one background task renders every record waiting and attaches it to its case."""

import datetime as dt
import subprocess

import pytest
from django.utils import timezone

from jiuzhu.cases.models import Case, CaseDocument
from jiuzhu.core import tasks
from jiuzhu.core.models import Task
from jiuzhu.portal import font, papers, signing
from jiuzhu.portal.models import SignedRecord
from jiuzhu.verification.models import Authorisation
from tests.factories import head_of
from tests.portal.conftest import signed_in_client
from tests.portal.test_apply import form, pdf_text

pytestmark = pytest.mark.django_db


def test_submission_keeps_the_signature_and_one_task_attaches_the_pdf(
    poor_household, settings, django_capture_on_commit_callbacks
):
    settings.JIUZHU_TASKS_INLINE = False
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    client.post("/portal/apply/", form(poor_household))
    case = Case.objects.get()
    record = SignedRecord.objects.get()
    assert (record.typed, record.attached_at, record.paper.case) == ("王老汉", None, case)
    assert record.verify_url == "http://testserver/portal/verify/"
    assert not CaseDocument.objects.filter(kind="authorisation").exists()
    assert case.authorisation_signed_at is None and case.commitment_signed_at is not None
    # A second submission while the task waits queues no second task.
    signing.render_soon(case.created_by)
    queued = Task.objects.get(kind=signing.KIND)
    tasks.run(queued.pk)
    queued.refresh_from_db()
    assert (queued.status, queued.result) == ("done", {"attached": 1})
    record.refresh_from_db()
    case.refresh_from_db()
    assert record.attached_at is not None
    assert case.authorisation_signed_at == record.signed_at
    signed = CaseDocument.objects.get(kind="authorisation")
    text = pdf_text(signed)
    assert "签名：王老汉（输入签名）" in text and f"验证码：{record.paper.code}" in text
    assert Authorisation.objects.get().signed_on == timezone.localdate(record.signed_at)


def test_a_record_left_waiting_is_queued_again_by_the_supervisor(
    poor_household, settings, django_capture_on_commit_callbacks
):
    settings.JIUZHU_TASKS_INLINE = False
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    client.post("/portal/apply/", form(poor_household))
    Task.objects.all().delete()  # the worker's spawn was lost
    assert signing.sweep_waiting(True) == []  # not waiting long yet
    SignedRecord.objects.update(signed_at=timezone.now() - dt.timedelta(minutes=3))
    assert signing.sweep_waiting(True) == ["手机签署的授权书1份待生成，已重新排队"]
    assert Task.objects.get(kind=signing.KIND).status == "queued"


def test_the_font_is_read_once_and_every_paper_embeds_its_own_subset(tmp_path):
    first = font._template()
    texts = []
    for name in ("张三丰", "李四光"):
        pdf = papers._Paper(f"测试{name}")
        pdf.line_of(f"签名：{name}")
        content = pdf.finish(
            "东阿镇人民政府", "ABCDEFGHJKLM", "http://x/verify/", dt.date(2026, 1, 2)
        )
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(content)
        texts.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True))
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True)
        assert b"WenQuanYiMicroHei" in fonts.stdout and b"yes yes yes" in fonts.stdout
    assert font._template() is first
    assert "签名：张三丰" in texts[0].stdout.decode() and "李四光" not in texts[0].stdout.decode()
    assert "签名：李四光" in texts[1].stdout.decode()
    assert "2026年01月02日" in texts[1].stdout.decode()


def test_the_applicant_downloads_the_authorisation_they_signed(
    poor_household, django_capture_on_commit_callbacks
):
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    client.post("/portal/apply/", form(poor_household, on_behalf="王小明（儿子）"))
    case = Case.objects.get()
    page = client.get(f"/portal/applications/{case.number}/").content.decode()
    assert "下载已签署的核对授权书和承诺书（PDF）" in page
    response = client.get(f"/portal/applications/{case.number}/authorisation.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    record = SignedRecord.objects.get()
    for expected in (
        "家庭经济状况核对授权书和承诺书",
        "签名：王老汉（输入签名）",
        "手机在线签署，由王小明（儿子）代为操作",
        f"验证码：{record.paper.code}",
    ):
        assert expected in text
    # The same text as the copy the case keeps.
    assert text == pdf_text(CaseDocument.objects.get(kind="authorisation"))
