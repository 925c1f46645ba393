"""Bills recorded, decided by a second person and paid through a bank file; bad input is
refused in Chinese with nothing written; who may not."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from jiuzhu.core.errors import DomainError
from jiuzhu.funds.selectors import execution
from jiuzhu.funds.services import set_budget
from jiuzhu.medical import importer, services
from jiuzhu.medical.models import Bill, BillSource, BillStatus, PaymentBatch
from jiuzhu.registry import sections
from tests import factories
from tests.medical.conftest import bill_input
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db
ENTERED = BillSource.ENTERED


def test_the_cap_is_reached_within_a_year_across_entries(pay_staff, patient):
    assistant = pay_staff["assistant"]
    first = services.record_bills(assistant, [bill_input(patient.id_number, 10_000)], ENTERED)
    assert first[0].amount_fen == 750_000 and first[0].status == BillStatus.PROPOSED
    assert first[0].category == "dibao"
    second = services.record_bills(
        assistant,
        [bill_input(patient.id_number, 20_000), bill_input(patient.id_number, 12_000)],
        BillSource.IMPORTED,
    )
    assert [b.amount_fen for b in second] == [1_500_000, 750_000]
    assert second[1].explanation.endswith("本次救助 7,500.00 元（已达年度限额）。")
    with pytest.raises(DomainError, match="本年度救助已达年度限额或未超过起付线"):
        services.record_bills(assistant, [bill_input(patient.id_number, 100)], ENTERED)
    # A new year starts again.
    new_year = bill_input(patient.id_number, 1_000, day=dt.date(2025, 6, 1))
    assert services.record_bills(assistant, [new_year], ENTERED)[0].amount_fen == 75_000
    assert Bill.objects.count() == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"total_fen": 1}, "各项费用之和 17,000.00 元与总费用 0.01 元不符"),
        ({"hospital": " "}, "请填写医疗机构。"),
        ({"admitted_on": dt.date(2026, 4, 1)}, "入院日期不能晚于出院日期。"),
    ],
)
def test_bad_bills_are_refused(pay_staff, patient, change, message):
    item = bill_input(patient.id_number, 10_000)
    item = type(item)(**{**item.__dict__, **change})
    with pytest.raises(DomainError, match=message):
        services.record_bills(pay_staff["assistant"], [item], ENTERED)
    assert not Bill.objects.exists()


def test_unknown_person_other_area_and_non_recipients_are_refused(
    pay_staff, patient, dong_e_village, meigui_village
):
    assistant = pay_staff["assistant"]
    with pytest.raises(DomainError, match=r"^未找到该身份证号的人员"):
        services.record_bills(assistant, [bill_input(factories.id_number(), 10)], ENTERED)
    with pytest.raises(DomainError, match=r"的户籍不在本人管辖区域内。$"):
        services.record_bills(
            pay_staff["other_assistant"], [bill_input(patient.id_number, 10)], ENTERED
        )
    plain = factories.head_of(make_household(pay_staff["admin"], dong_e_village, "李四"))
    with pytest.raises(
        DomainError, match="李四在出院日不是特困人员、低保对象、低保边缘家庭成员或防止返贫监测对象"
    ):
        services.record_bills(assistant, [bill_input(plain.id_number, 10)], ENTERED)
    assert not Bill.objects.exists()


def test_an_import_with_one_bad_row_writes_nothing(pay_staff, patient):
    good = bill_input(patient.id_number, 1_000)
    bad = bill_input(factories.id_number(), 1_000)
    with pytest.raises(
        DomainError,
        match=r"^第2条：未找到该身份证号的人员，请先在家庭档案中登记。未导入任何票据。$",
    ):
        services.record_bills(pay_staff["assistant"], [good, bad], BillSource.IMPORTED)
    assert not Bill.objects.exists()


def test_one_stop_settlement_must_match_and_never_exceeds_the_cap(pay_staff, patient):
    assistant = pay_staff["assistant"]
    over = bill_input(patient.id_number, 10_000, one_stop=True, deducted_fen=800_000)
    with pytest.raises(
        DomainError, match=r"医院已减免 8,000.00 元，超过按政策可救助的 7,500.00 元"
    ):
        services.record_bills(assistant, [over], ENTERED)
    assert not Bill.objects.exists()
    ok = bill_input(patient.id_number, 10_000, one_stop=True, deducted_fen=750_000)
    (bill,) = services.record_bills(assistant, [ok], ENTERED)
    settled = services.approve(pay_staff["approver"], bill)
    assert settled.status == BillStatus.SETTLED
    with pytest.raises(DomainError, match="无需重复审批"):
        services.approve(pay_staff["approver"], bill)


def test_who_may_not(pay_staff, patient):
    item = bill_input(patient.id_number, 10_000)
    for role in ("coordinator", "auditor", "approver"):
        with pytest.raises(PermissionError, match="无权生成发放名册、银行文件与回盘"):
            services.record_bills(pay_staff[role], [item], ENTERED)
    (bill,) = services.record_bills(pay_staff["assistant"], [item], ENTERED)
    admin_bill = services.record_bills(pay_staff["admin"], [item], ENTERED)[0]
    with pytest.raises(DomainError, match="录入人不能审批本人录入的票据"):
        services.approve(pay_staff["admin"], admin_bill)
    with pytest.raises(PermissionError, match="无权审批发放名册"):
        services.approve(pay_staff["assistant"], bill)
    with pytest.raises(PermissionError, match="不在本人管辖区域内"):
        services.approve(pay_staff["other_approver"], bill)
    with pytest.raises(PermissionError):
        services.make_payment_files(pay_staff["approver"])
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.PROPOSED


def test_approved_bills_go_into_a_bank_file_the_file_and_execution(
    pay_staff, patient, dibao_family, dong_e, dong_e_village
):
    assistant, approver = pay_staff["assistant"], pay_staff["approver"]
    with pytest.raises(DomainError, match="没有已审批且已登记发放账户的待发放医疗救助"):
        services.make_payment_files(assistant)
    (bill,) = services.record_bills(assistant, [bill_input(patient.id_number, 10_000)], ENTERED)
    # A tekun member without an account waits.
    other = make_household(pay_staff["admin"], dong_e_village, "赵五")
    make_recipient(pay_staff["admin"], other, programme="tekun")
    other_head = factories.head_of(other)
    (waiting,) = services.record_bills(
        assistant, [bill_input(other_head.id_number, 2_000)], ENTERED
    )
    assert waiting.category == "tekun" and waiting.amount_fen == 150_000
    services.approve(approver, bill)
    services.approve(approver, waiting)
    (batch,) = services.make_payment_files(assistant)
    assert (batch.rows, batch.total_fen, batch.bank) == (1, 750_000, "农商银行")
    with open(batch.stored_path, encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == [
        f"M{batch.pk:06d}-0000001",
        f"62210000{patient.pk:08d}",
        patient.name,
        patient.id_number,
        "7500.00",
        "medical",
        "2026-03",
    ]
    assert rows[2][:5] == ["合计", "1笔", "", "", "7500.00"]
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.PAID
    assert Bill.objects.get(pk=waiting.pk).status == BillStatus.APPROVED
    # The household file and budget execution show it.
    entries = [e for e in sections.collect(approver, dibao_family) if e.programme == "medical"]
    assert entries[0].title == (
        f"{patient.name} 平阴县人民医院 2026-03-10 出院，救助 7,500.00 元（已制银行发放文件）"
    )
    elsewhere = sections.collect(pay_staff["other_approver"], dibao_family)
    assert not any(e.programme == "medical" for e in elsewhere)
    year = timezone.localdate().year
    set_budget(pay_staff["admin"], year, "medical", dong_e, 10_000_000)
    lines = execution(approver, year, timezone.localdate())
    (line,) = [line for line in lines if line.budget.programme == "medical"]
    assert line.paid == 750_000 and line.months[timezone.localdate().month - 1] == 750_000
    assert PaymentBatch.objects.count() == 1


def test_the_bureau_extract_is_read_by_headers():
    content = (
        "出院日期,入院日期,身份证号,医疗机构,医疗总费用,基本医保支付,大病保险支付,"
        "政策范围内自付,一站式结算,医疗救助支付\n"
        '2026-03-10,2026-03-01,370124197005170011,县医院,"17,000.00",6000,1000,10000,是,7500\n'
    ).encode()
    (item,) = importer.parse("extract.csv", content)
    assert (item.total_fen, item.eligible_fen, item.one_stop, item.deducted_fen) == (
        1_700_000,
        1_000_000,
        True,
        750_000,
    )
    assert item.discharged_on == dt.date(2026, 3, 10)
    with pytest.raises(
        DomainError,
        match=r"^文件缺少列：身份证号、入院日期、出院日期、医疗总费用、基本医保支付、大病保险支付、政策范围内自付。$",
    ):
        importer.parse("x.csv", "医疗机构\n县医院\n".encode())
    bad = content.decode().replace("2026-03-10,", "3月10日,").encode()
    with pytest.raises(
        DomainError, match=r"^第2行：出院日期应为日期，例如 2026-03-05。未导入任何票据。$"
    ):
        importer.parse("x.csv", bad)


def test_an_xlsx_extract_with_date_and_number_cells():
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "医疗机构", "入院日期", "出院日期", "医疗总费用", "基本医保支付"])
    sheet.append(["370124197005170011", "县医院", dt.datetime(2026, 3, 1), dt.date(2026, 3, 10)])
    sheet.cell(row=2, column=5, value=17000.5)
    sheet.cell(row=2, column=6, value=6000)
    for column, header, value in ((7, "大病保险支付", 1000), (8, "政策范围内自付", 10000.5)):
        sheet.cell(row=1, column=column, value=header)
        sheet.cell(row=2, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    (item,) = importer.parse("extract.XLSX", buffer.getvalue())
    assert (item.admitted_on, item.discharged_on) == (dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert (item.total_fen, item.basic_fen, item.eligible_fen, item.one_stop) == (
        1_700_050,
        600_000,
        1_000_050,
        False,
    )
    with pytest.raises(DomainError, match=r"^无法读取该 Excel 文件，请确认是 xlsx 格式。$"):
        importer.parse("extract.xlsx", b"not a workbook")
