"""The bureau's extract recorded as columns (bulk.record_extract): the same bills as
services.record_bills on the same file, the cap across imports, bad rows named by their
line and nothing written."""

import datetime as dt

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.medical import bulk, importer, services
from jiuzhu.medical.models import Bill, BillSource
from tests import factories
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db
HEADER = (
    "身份证号,医疗机构,入院日期,出院日期,医疗总费用,基本医保支付,大病保险支付,"
    "政策范围内自付,政策外自费,一站式结算,医疗救助支付\n"
)
FIELDS = (
    "person_id",
    "household_id",
    "town_code",
    "hospital",
    "admitted_on",
    "discharged_on",
    "total_fen",
    "basic_fen",
    "critical_fen",
    "eligible_fen",
    "self_paid_fen",
    "one_stop",
    "category",
    "amount_fen",
    "status",
    "deductible_fen",
    "share_bp",
    "cap_fen",
    "eligible_before_fen",
    "paid_before_fen",
)


def row(id_number, eligible, day="2026-03-10", self_paid="0", one_stop="否", deducted=""):
    total = 7_000 + float(eligible) + float(self_paid)
    return (
        f'{id_number},平阴县人民医院,{day},{day},"{total:,.2f}",6000,1000,'
        f"{eligible},{self_paid},{one_stop},{deducted}\n"
    )


def extract(*rows):
    return (HEADER + "".join(rows)).encode()


def recorded():
    return sorted(Bill.objects.values_list(*FIELDS), key=lambda b: (b[0], b[5], b[13], b[9]))


def test_the_fast_path_records_what_record_bills_records(pay_staff, patient, dong_e_village):
    admin, assistant = pay_staff["admin"], pay_staff["assistant"]
    tekun = make_household(admin, dong_e_village, "王五")
    make_recipient(admin, tekun, programme="tekun", start=dt.date(2025, 1, 1))
    other = factories.head_of(tekun)
    content = extract(
        row(patient.id_number, "10000", day="2026-02-10"),
        row(other.id_number, "1234.56", day="2026-01-05", self_paid="300.10"),
        row(patient.id_number, "20000", day="2026-01-20"),
        row(patient.id_number, "12000", day="2026-03-10"),
        row(other.id_number, "100", day="2025-12-31", one_stop="是", deducted="75"),
        row(patient.id_number, "30000", day="2025-06-01"),
    )
    services.record_bills(assistant, importer.parse("x.csv", content), BillSource.IMPORTED)
    by_record_bills = recorded()
    Bill.objects.all().delete()
    assert bulk.record_extract(assistant, importer.read("x.csv", content)) == (6, 5_350_092)
    assert recorded() == by_record_bills
    # patient (dibao) 2025: 30,000 × 75 %; 2026 in discharge order: 20,000 and 10,000 at
    # 75 %, then 12,000 would be 9,000 but only 7,500 of the 30,000 is left. The tekun
    # person: a one-stop bill of 100 (75 deducted) and 1,234.56 × 75 % = 925.92.
    amounts = sorted(b[13] for b in by_record_bills)
    assert amounts == [7_500, 92_592, 750_000, 750_000, 1_500_000, 2_250_000]
    assert sum(amounts) == 5_350_092


def test_the_cap_holds_across_imports_to_the_fen(pay_staff, patient):
    assistant = pay_staff["assistant"]
    # 39,999.98 of eligible costs: 29,999.985 → 29,999.99 granted; 0.01 is left.
    bulk.record_extract(
        assistant, importer.read("x.csv", extract(row(patient.id_number, "39999.98")))
    )
    last = extract(row(patient.id_number, "100", day="2026-03-11"))
    assert bulk.record_extract(assistant, importer.read("x.csv", last)) == (1, 1)
    explanation = Bill.objects.get(discharged_on=dt.date(2026, 3, 11)).explanation
    assert explanation.endswith("本年此前已救助 29,999.99 元，本次救助 0.01 元（已达年度限额）。")
    again = extract(row(patient.id_number, "100", day="2026-03-12"))
    name = patient.name
    with pytest.raises(
        DomainError,
        match=rf"^第2行：{name}本年度救助已达年度限额或未超过起付线，无可救助金额。未导入任何票据。$",
    ):
        bulk.record_extract(assistant, importer.read("x.csv", again))
    over = extract(row(patient.id_number, "100", day="2026-03-12", one_stop="是", deducted="75"))
    with pytest.raises(
        DomainError,
        match=r"^第2行：医院已减免 75.00 元，超过按政策可救助的 0.00 元（含年度限额）。未导入",
    ):
        bulk.record_extract(assistant, importer.read("x.csv", over))
    assert Bill.objects.count() == 2


def test_bad_rows_are_named_by_line_and_nothing_is_written(pay_staff, patient, dong_e_village):
    assistant = pay_staff["assistant"]
    plain = factories.head_of(make_household(pay_staff["admin"], dong_e_village, "李四"))
    content = extract(
        row(patient.id_number, "100"),
        row(factories.id_number(), "100"),
        row(plain.id_number, "100"),
        row(patient.id_number, "100", one_stop="是", deducted="80"),
    )
    with pytest.raises(DomainError) as refused:
        bulk.record_extract(assistant, importer.read("x.csv", content))
    assert refused.value.message == (
        "第3行：未找到该身份证号的人员，请先在家庭档案中登记。"
        "第4行：李四在出院日不是特困人员、低保对象、低保边缘家庭成员或防止返贫监测对象，"
        "不属于医疗救助对象。未导入任何票据。"
    )
    with pytest.raises(DomainError, match=r"^第2行：.+的户籍不在本人管辖区域内。未导入任何票据。$"):
        bulk.record_extract(
            pay_staff["other_assistant"],
            importer.read("x.csv", extract(row(patient.id_number, "1"))),
        )
    unmatched = extract(
        row(patient.id_number, "100"),
        row(patient.id_number, "100", one_stop="是", deducted="70"),
    )
    with pytest.raises(
        DomainError,
        match=r"^第3行：医院已减免 70.00 元，与按政策计算的 75.00 元不符，请核对结算单。未导入",
    ):
        bulk.record_extract(assistant, importer.read("x.csv", unmatched))
    for role in ("coordinator", "auditor", "approver"):
        with pytest.raises(PermissionError, match="无权生成发放名册、银行文件与回盘"):
            bulk.record_extract(pay_staff[role], importer.read("x.csv", unmatched))
    assert not Bill.objects.exists()
