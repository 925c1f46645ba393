"""Intake at any town (全县通办) is no way into another town's households: the intake town
sees what it entered and the case's progress, never the household's file nor documents
added by others, and cannot act on the case once it is routed to the town responsible."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Case, CaseDocument, CaseEvent, Status
from jiuzhu.core.money import format_yuan
from jiuzhu.registry.models import Relation
from jiuzhu.verification.models import Authorisation
from tests.cases.conftest import investigate
from tests.conftest import client_for
from tests.factories import head_of

pytestmark = pytest.mark.django_db


def pdf(name: str, text: str = "scan") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f"%PDF-1.4 {text}".encode(), content_type="application/pdf")


def spouse_of(household):
    return household.memberships.get(relation=Relation.SPOUSE, end_date__isnull=True).person


def taken_in_at_meigui(staff, household, **extra) -> Case:
    """An application for `household` taken in at 玫瑰镇's window (the applicant its head)."""
    return services.submit_application(
        staff["other_assistant"],
        services.ApplicationInput(
            household=household,
            applicant=head_of(household),
            programme="dibao",
            reason="老两口年老体弱，收入很低。",
            commitment_signed=True,
            **extra,
        ),
    )


def intake_form(head, **fields) -> dict:
    """The intake form's fields for a household found by its head's ID card."""
    return {
        "submit": "1",
        "intake_id_number": head.id_number,
        "programme": "dibao",
        "applicant": head.pk,
        "reason": "生活困难",
        "channel": "window",
        "document_kind": "household_booklet",
        **fields,
    }


@pytest.fixture
def taken_in_elsewhere(staff, poor_household):
    """A 东阿镇 household's application taken in at 玫瑰镇's window with a booklet scan and
    the signed 授权书; 东阿镇 then adds a medical record of its own."""
    case = taken_in_at_meigui(
        staff,
        poor_household,
        authorisation=services.SignedAuthorisation(
            pdf("授权书.pdf", "signed"), timezone.localdate()
        ),
        documents=[("household_booklet", pdf("户口簿.pdf"))],
    )
    services.add_documents(staff["assistant"], case, [("medical_records", pdf("病历.pdf"))])
    return case


def test_the_intake_town_sees_progress_and_its_own_entries_only(
    staff, poor_household, taken_in_elsewhere
):
    case = taken_in_elsewhere
    investigate(case, staff["assistant"], staff["coordinator"])
    services.approve(staff["approver"], case, case.version, "符合条件")
    page = client_for(staff["other_assistant"]).get(f"/cases/{case.pk}/").content.decode()
    # What it entered and the progress: number, status, the steps, where it went.
    assert f"最低生活保障申请 {case.number}" in page
    assert "<dt>状态</dt><dd><strong>公示中</strong></dd>" in page
    assert "<dt>申请人</dt><dd>王老汉</dd>" in page
    assert "<dt>负责镇（街道）</dt><dd>东阿镇</dd>" in page
    assert "本申请已转东阿镇办理。受理地只能查看办理进度和本地登记的内容。" in page
    assert '<td data-label="事项">受理</td>' in page
    assert '<td data-label="事项">审核确认：批准</td>' in page
    assert "户口簿.pdf" in page and "授权书.pdf" in page
    # Never the household's file: members, ID numbers, amounts, the investigation.
    head, spouse = head_of(poor_household), spouse_of(poor_household)
    assert spouse.name not in page
    assert head.id_number not in page and spouse.id_number not in page
    assert poor_household.number not in page
    assert "计算说明" not in page and format_yuan(case.monthly_amount, fen=False) not in page
    assert "家中无车" not in page and "符合条件" not in page
    # Nor documents others added, nor any action or upload form.
    assert "病历.pdf" not in page
    assert 'id="act-' not in page and "/upload/" not in page
    # The town responsible sees the whole file.
    full = client_for(staff["assistant"]).get(f"/cases/{case.pk}/").content.decode()
    assert "病历.pdf" in full
    assert f"<dt>月救助金额</dt><dd>{format_yuan(case.monthly_amount, fen=False)} 元</dd>" in full
    assert poor_household.number in full


def test_the_intake_town_cannot_open_documents_added_by_others(staff, taken_in_elsewhere):
    case = taken_in_elsewhere
    own = case.documents.get(original_name="户口簿.pdf")
    theirs = case.documents.get(original_name="病历.pdf")
    intake = client_for(staff["other_assistant"])
    assert intake.get(f"/cases/documents/{own.pk}/").status_code == 200
    assert intake.get(f"/cases/documents/{theirs.pk}/").status_code == 404
    assert client_for(staff["assistant"]).get(f"/cases/documents/{theirs.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("action", "fields", "label"),
    [
        ("accept", {"comment": ""}, "受理"),
        ("refuse_intake", {"reason": "材料不全"}, "不予受理"),
        ("withdraw", {"reason": "申请人撤回"}, "申请人撤回"),
    ],
)
def test_the_intake_town_cannot_act_once_the_case_is_routed(
    staff, poor_household, action, fields, label
):
    case = taken_in_at_meigui(staff, poor_household)
    client = client_for(staff["other_assistant"])
    response = client.post(
        f"/cases/{case.pk}/act/{action}/", {"version": case.version, **fields}, follow=True
    )
    assert f"该申请已转东阿镇办理，受理地不能执行“{label}”。" in response.content.decode()
    case.refresh_from_db()
    assert (case.status, case.version) == (Status.SUBMITTED, 0)
    assert list(CaseEvent.objects.values_list("action", flat=True)) == ["submit"]
    with pytest.raises(PermissionError) as refused:
        services.check_allowed(staff["other_approver"], case, action)
    assert str(refused.value) == f"该申请已转东阿镇办理，受理地不能执行“{label}”。"


def test_the_intake_town_cannot_upload_once_the_case_is_routed(staff, taken_in_elsewhere):
    case = taken_in_elsewhere
    before = set(CaseDocument.objects.values_list("pk", flat=True))
    files_before = sorted(services.upload_root().rglob("*"))
    response = client_for(staff["other_assistant"]).post(
        f"/cases/{case.pk}/upload/",
        {"kind": "other", "documents": pdf("补充.pdf")},
        follow=True,
    )
    assert "该申请已转东阿镇办理，受理地不能再上传材料。" in response.content.decode()
    assert set(CaseDocument.objects.values_list("pk", flat=True)) == before
    assert sorted(services.upload_root().rglob("*")) == files_before
    assert not case.events.filter(actor=staff["other_assistant"], action="upload").exists()


def test_the_intake_form_shows_only_the_person_presenting_the_card(staff, poor_household):
    head, spouse = head_of(poor_household), spouse_of(poor_household)
    client = client_for(staff["other_assistant"])
    page = client.post("/cases/new/", {"find": "1", "id_number": head.id_number})
    text = page.content.decode()
    assert page.status_code == 200
    assert f'<option value="{head.pk}">王老汉（户主）</option>' in text
    assert spouse.name not in text and spouse.id_number not in text
    assert "救助对象身份证号" in text
    # Another member is named by the ID number the applicant gives, never chosen from a list.
    response = client.post("/cases/new/", intake_form(head, applicant=spouse.pk))
    assert "请从列表中选择。" in response.content.decode()
    assert not Case.objects.exists()
    response = client.post(
        "/cases/new/",
        intake_form(head, beneficiary_id_number=spouse.id_number, single_person_unit="on"),
    )
    assert response.status_code == 302
    assert Case.objects.get().beneficiary == spouse


def test_the_intake_towns_list_shows_the_case_but_not_the_household(staff, taken_in_elsewhere):
    page = client_for(staff["other_assistant"]).get("/cases/").content.decode()
    assert taken_in_elsewhere.number in page
    assert (
        client_for(staff["other_assistant"])
        .get(f"/registry/{taken_in_elsewhere.household_id}/")
        .status_code
        == 404
    )


def test_an_authorisation_checkbox_records_nothing(staff, poor_household):
    head = head_of(poor_household)
    response = client_for(staff["other_assistant"]).post(
        "/cases/new/", intake_form(head, authorisation_signed="on")
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.authorisation_signed_at is None
    assert not Authorisation.objects.exists()
    page = client_for(staff["assistant"]).get(f"/cases/{case.pk}/").content.decode()
    assert '<dt>核对授权书</dt><dd><span class="tag warn">未签署</span></dd>' in page
