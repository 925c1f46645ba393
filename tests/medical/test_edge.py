"""Edge households (低保边缘家庭) and households monitored against returning to poverty get
the medical.edge rule (3,000 deductible, 50 %, 20,000 a year) while on the monitoring list;
entered and imported bills are decided alike."""

import datetime as dt
from dataclasses import replace

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.medical import bulk, importer, services
from jiuzhu.medical.models import Bill, BillSource
from jiuzhu.outreach.models import MonitoredHousehold
from tests import factories
from tests.medical.conftest import bill_input
from tests.medical.test_bulk import FIELDS, extract, row
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db
ENTERED = BillSource.ENTERED


def listed(household, reason, since=dt.date(2025, 1, 1), until=None):
    MonitoredHousehold.objects.create(
        household=household,
        reason=reason,
        town_code=household.registered_code,
        since=since,
        until=until,
    )
    return factories.head_of(household)


@pytest.fixture
def edge_person(pay_staff, dong_e_village):
    return listed(make_household(pay_staff["admin"], dong_e_village, "边大姐"), "edge")


def test_an_edge_household_member_meets_the_deductible_then_the_cap(pay_staff, edge_person):
    assistant = pay_staff["assistant"]
    # 5,000.50 eligible: 2,000.50 above the 3,000 deductible, half of it is 1,000.25.
    item = replace(bill_input(edge_person.id_number, 0), eligible_fen=500_050, total_fen=1_200_050)
    (first,) = services.record_bills(assistant, [item], ENTERED)
    assert (first.category, first.amount_fen) == ("edge", 100_025)
    assert first.explanation == (
        "低保边缘家庭成员：起付线 3,000.00 元，救助比例 50%，年度限额 20,000.00 元。"
        "本年此前已计政策内自付 0.00 元，本次超过起付线部分 2,000.50 元，按比例计 1,000.25 元。"
        "本年此前已救助 0.00 元，本次救助 1,000.25 元。"
    )
    # Imported: 40,000 counted whole (the deductible is met), 20,000 by the share, but only
    # 20,000 − 1,000.25 = 18,999.75 is left of the year's cap.
    content = extract(row(edge_person.id_number, "40000", day="2026-05-01"))
    assert bulk.record_extract(assistant, importer.read("x.csv", content)) == (1, 1_899_975)
    second = Bill.objects.get(discharged_on=dt.date(2026, 5, 1))
    assert (second.eligible_before_fen, second.paid_before_fen) == (500_050, 100_025)
    assert second.explanation.endswith(
        "本年此前已救助 1,000.25 元，本次救助 18,999.75 元（已达年度限额）。"
    )
    with pytest.raises(DomainError, match="边大姐本年度救助已达年度限额或未超过起付线"):
        services.record_bills(
            assistant, [bill_input(edge_person.id_number, 100, day=dt.date(2026, 6, 1))], ENTERED
        )
    assert Bill.objects.count() == 2


def test_monitored_dibao_and_ended_listings(pay_staff, dong_e_village, edge_person):
    admin, assistant = pay_staff["admin"], pay_staff["assistant"]
    risk = listed(make_household(admin, dong_e_village, "监大哥"), "return_risk")
    # On the list as edge and a dibao recipient: dibao comes first (75 %, no deductible).
    both_home = make_household(admin, dong_e_village, "双重户")
    make_recipient(admin, both_home, start=dt.date(2025, 1, 1))
    both = listed(both_home, "edge")
    # Left the list the day before the discharge; joined the day after it.
    left = listed(
        make_household(admin, dong_e_village, "已移出"), "edge", until=dt.date(2026, 3, 10)
    )
    later = listed(
        make_household(admin, dong_e_village, "后纳入"), "edge", since=dt.date(2026, 3, 11)
    )
    bills = services.record_bills(
        assistant,
        [bill_input(risk.id_number, 3_500), bill_input(both.id_number, 3_500)],
        ENTERED,
    )
    assert [(b.category, b.amount_fen) for b in bills] == [
        ("monitored", 25_000),
        ("dibao", 262_500),
    ]
    assert bills[0].explanation.startswith("防止返贫监测对象：起付线 3,000.00 元，救助比例 50%")
    for person in (left, later):
        with pytest.raises(
            DomainError, match=f"^{person.name}在出院日不是特困人员、低保对象、低保边缘"
        ):
            services.record_bills(assistant, [bill_input(person.id_number, 3_500)], ENTERED)
    content = extract(row(left.id_number, "3500"), row(edge_person.id_number, "3500"))
    with pytest.raises(
        DomainError, match=r"^第2行：已移出在出院日不是特困人员、.+未导入任何票据。$"
    ):
        bulk.record_extract(assistant, importer.read("x.csv", content))
    assert Bill.objects.count() == 2
    # A warning from department data is no standing of its own.
    warned = listed(make_household(admin, dong_e_village, "预警户"), "warning")
    with pytest.raises(DomainError, match="不属于医疗救助对象"):
        services.record_bills(assistant, [bill_input(warned.id_number, 3_500)], ENTERED)


def test_entered_and_imported_edge_bills_agree(pay_staff, dong_e_village, edge_person):
    assistant = pay_staff["assistant"]
    risk = listed(make_household(pay_staff["admin"], dong_e_village, "监大哥"), "return_risk")
    content = extract(
        row(edge_person.id_number, "12000.10", day="2026-02-01"),
        row(risk.id_number, "3000.02", day="2026-02-03", one_stop="是", deducted="0.01"),
        row(edge_person.id_number, "30000", day="2026-01-15"),
        row(risk.id_number, "8000", day="2026-04-03"),
    )
    services.record_bills(assistant, importer.parse("x.csv", content), BillSource.IMPORTED)
    entered = sorted(Bill.objects.values_list(*FIELDS))
    Bill.objects.all().delete()
    # Edge person: 30,000 on 15 January → 27,000 × 50 % = 13,500; 12,000.10 → 6,000.05,
    # but only 6,500 of the cap is left: 6,000.05. Monitored: 0.02 × 50 % = 0.01 settled at
    # the hospital, then 8,000 → 4,000.
    assert bulk.record_extract(assistant, importer.read("x.csv", content)) == (4, 2_350_006)
    assert sorted(Bill.objects.values_list(*FIELDS)) == entered
    assert sorted(Bill.objects.values_list("amount_fen", flat=True)) == [
        1,
        400_000,
        600_005,
        1_350_000,
    ]
