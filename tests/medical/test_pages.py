"""The pages in Chinese: entry (refusals shown on the form), approval by the second
person, the bank file, the import, the household file; and who may not open them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiuzhu.medical.models import Bill, BillStatus, PaymentBatch
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def form(id_number: str, total: str = "17000", **extra: str) -> dict[str, str]:
    return {
        "id_number": id_number,
        "hospital": "平阴县人民医院",
        "admitted_on": "2026-03-01",
        "discharged_on": "2026-03-10",
        "total": total,
        "basic": "6000",
        "critical": "1000",
        "eligible": "10000",
        "self_paid": "0",
        "deducted": "0",
        **extra,
    }


def test_the_journey_bill_decision_bank_file(pay_staff, patient, dibao_family):
    assistant = client_for(pay_staff["assistant"])
    approver = client_for(pay_staff["approver"])
    page = assistant.get(reverse("medical:bills")).content.decode()
    assert "医疗救助" in page and "录入票据" in page and "暂无票据。" in page
    refused = assistant.post(reverse("medical:bill_new"), form(patient.id_number, "17000.01"))
    assert "各项费用之和 17,000.00 元与总费用 17,000.01 元不符" in refused.content.decode()
    assert not Bill.objects.exists()
    entered = assistant.post(reverse("medical:bill_new"), form(patient.id_number))
    bill = Bill.objects.get()
    assert entered.url == reverse("medical:bill", args=[bill.pk])
    mine = assistant.get(entered.url).content.decode()
    assert "7,500.00 元" in mine and "审批同意" not in mine  # not the one who entered it
    decision = approver.get(entered.url).content.decode()
    assert "审批同意" in decision and "本次救助 7,500.00 元" in decision
    approver.post(entered.url)
    assert Bill.objects.get().status == BillStatus.APPROVED
    listed = assistant.get(reverse("medical:bills") + "?year=2026").content.decode()
    assert "7,500.00" in listed and "已审批，待发放" in listed
    assistant.post(reverse("medical:batches_make"))
    batch = PaymentBatch.objects.get()
    download = assistant.get(reverse("medical:batch_file", args=[batch.pk]))
    content = b"".join(download.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[1].endswith(f"{patient.id_number},7500.00,medical,2026-03")
    assert approver.get(reverse("medical:batch_file", args=[batch.pk])).status_code == 404
    household = approver.get(reverse("registry:detail", args=[dibao_family.pk])).content.decode()
    assert "平阴县人民医院 2026-03-10 出院，救助 7,500.00 元（已制银行发放文件）" in household


def test_import_page_refuses_a_bad_file_whole(pay_staff, patient):
    assistant = client_for(pay_staff["assistant"])
    header = (
        "身份证号,医疗机构,入院日期,出院日期,医疗总费用,基本医保支付,大病保险支付,政策范围内自付\n"
    )
    good = f"{patient.id_number},县医院,2026-03-01,2026-03-10,17000,6000,1000,10000\n"
    bad = f"{patient.id_number},县医院,2026-03-01,2026-03-10,17000,6000,1000,9000\n"
    upload = SimpleUploadedFile("extract.csv", (header + good + bad).encode())
    response = assistant.post(reverse("medical:bill_import"), {"file": upload}, follow=True)
    assert "第3行：各项费用之和 16,000.00 元与总费用 17,000.00 元不符" in response.content.decode()
    assert not Bill.objects.exists()
    upload = SimpleUploadedFile("extract.csv", (header + good + good).encode())
    response = assistant.post(reverse("medical:bill_import"), {"file": upload}, follow=True)
    assert "已导入 2 张票据，救助合计 15,000.00 元，待审批。" in response.content.decode()


def test_who_may_not_open_the_pages(pay_staff, patient):
    coordinator = client_for(pay_staff["coordinator"])
    for name in ("medical:bills", "medical:bill_new", "medical:bill_import", "medical:batches"):
        assert coordinator.get(reverse(name)).status_code == 404
    approver = client_for(pay_staff["approver"])
    assert approver.get(reverse("medical:bill_new")).status_code == 404
    assert approver.post(reverse("medical:batches_make")).status_code == 404
    other = client_for(pay_staff["other_approver"])
    bill = Bill.objects.create(
        person=patient,
        household_id=patient.memberships.get().household_id,
        town_code="370124102201",
        hospital="县医院",
        admitted_on="2026-03-01",
        discharged_on="2026-03-02",
        total_fen=100,
        basic_fen=0,
        critical_fen=0,
        eligible_fen=100,
        source="entered",
        category="dibao",
        amount_fen=75,
        deductible_fen=0,
        share_bp=7_500,
        cap_fen=3_000_000,
        eligible_before_fen=0,
        paid_before_fen=0,
        status=BillStatus.PROPOSED,
        entered_by=pay_staff["assistant"],
    )
    assert other.get(reverse("medical:bill", args=[bill.pk])).status_code == 404
    assert other.post(reverse("medical:bill", args=[bill.pk])).status_code == 404
    assert Bill.objects.get().status == BillStatus.PROPOSED
