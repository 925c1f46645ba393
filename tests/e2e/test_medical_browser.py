"""Browser test of medical assistance: a town assistant enters a bill (a wrong sum is
refused on the form), the approver decides, the assistant makes the bank file."""

from pathlib import Path

import pytest

from jiuzhu.medical.models import Bill, BillStatus
from tests import factories
from tests.e2e.conftest import log_in
from tests.payments.conftest import give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_bill_decision_payment_file(page, live_server, pay_staff, dong_e_village):
    admin, assistant = pay_staff["admin"], pay_staff["assistant"]
    household = make_household(admin, dong_e_village)
    make_recipient(admin, household, programme="dibao")
    give_account(assistant, household)
    patient = factories.head_of(household)

    log_in(page, live_server, assistant, factories.PASSWORD)
    page.click("nav >> text=医疗救助")
    page.click("text=录入票据")
    fields = {
        "#id_id_number": patient.id_number,
        "#id_hospital": "平阴县人民医院",
        "#id_admitted_on": "2026-03-01",
        "#id_discharged_on": "2026-03-10",
        "#id_total": "17000.01",
        "#id_basic": "6000",
        "#id_critical": "1000",
        "#id_eligible": "10000",
    }
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click("button:has-text('录入并计算')")
    page.wait_for_selector("text=与总费用 17,000.01 元不符")
    assert not Bill.objects.exists()
    page.fill("#id_total", "17000")
    page.click("button:has-text('录入并计算')")
    page.wait_for_selector(".messages >> text=已录入，按政策计算救助 7,500.00 元，待审批。")
    assert page.locator("button:has-text('审批同意')").count() == 0
    page.click("nav >> text=退出")
    page.wait_for_url("**/login/**")

    bill = Bill.objects.get()
    log_in(page, live_server, pay_staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/medical/{bill.pk}/")
    assert "低保对象：起付线 0.00 元，救助比例 75%" in page.inner_text("main")
    page.click("button:has-text('审批同意')")
    page.wait_for_selector(".messages >> text=已审批：已审批，待发放。")
    page.click("nav >> text=退出")
    page.wait_for_url("**/login/**")

    log_in(page, live_server, assistant, factories.PASSWORD)
    page.goto(f"{live_server.url}/medical/payments/")
    page.click("button:has-text('生成银行发放文件')")
    page.wait_for_selector(".messages >> text=已生成 1 个银行发放文件，共 1 笔，7,500.00 元。")
    with page.expect_download() as info:
        page.click("a:has-text('下载')")
    rows = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].endswith(f"{patient.id_number},7500.00,medical,2026-03")
    assert Bill.objects.get().status == BillStatus.PAID
