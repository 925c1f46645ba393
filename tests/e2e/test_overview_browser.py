"""The county overview in a browser: charts drawn from the same numbers as their tables, a
drill-down from the county to a village's recipients, a table downloaded as Excel."""

import pytest

from jiuzhu.payments import services
from tests.e2e.conftest import log_in
from tests.e2e.test_payments_browser import downloaded_rows
from tests.factories import PASSWORD
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def paid_month(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    for name, amount in (("王老汉", "500.00"), ("李大娘", "800.00")):
        household = make_household(admin, dong_e_village, name)
        make_recipient(admin, household, amount)
        give_account(pay_staff["assistant"], household)
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    services.check_payroll(pay_staff["approver"], payroll)
    return services.approve_payroll(pay_staff["approver"], payroll)  # refreshes the figures


def test_county_leader_reads_the_overview_and_drills_down_to_households(
    page, live_server, pay_staff, paid_month
):
    log_in(page, live_server, pay_staff["admin"], PASSWORD)
    page.click("nav >> text=统计概览")
    page.wait_for_selector("#chart-regions canvas")
    page.wait_for_selector("#chart-trend canvas")
    page.wait_for_selector("#chart-programmes canvas")
    assert page.inner_text("#kpi-persons") == "4"
    assert page.inner_text("#kpi-amount") == "1,300.00 元"
    # The table beside the chart says the same as the headline figures.
    assert page.inner_text("#table-regions tfoot td.num >> nth=0") == "4"
    assert page.inner_text("#table-regions tfoot td.num >> nth=2") == "1,300.00"
    with page.expect_download() as download:
        page.click("#h-regions ~ p >> text=导出Excel")
    rows = downloaded_rows(download.value)
    assert ("东阿镇", 2, 2, 4, 1300.0) in rows and rows[-1] == ("合计", 2, 2, 4, 1300.0)

    page.click("#table-regions >> text=东阿镇")
    page.wait_for_selector("h1 >> text=东阿镇统计概览")
    page.click("#table-regions >> text=东阿村")
    page.wait_for_selector("h1 >> text=东阿村救助对象")
    assert page.locator("tbody tr").count() == 2
    row = page.locator("tbody tr", has_text="王老汉")
    number = row.locator("a").inner_text()
    row.locator("a").click()
    page.wait_for_selector(f"h1 >> text=家庭档案 {number}")
    assert "王老汉" in page.inner_text("main")
