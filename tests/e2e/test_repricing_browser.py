"""Browser test: a new standard re-prices the recipients; the county confirms by town."""

import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.cases.models import Recipient, Repricing
from jiuzhu.policy.models import Parameter
from jiuzhu.registry.models import Relation
from tests import factories
from tests.e2e.conftest import log_in
from tests.payments.conftest import make_recipient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_county_administrator_reprices_and_confirms(
    page, live_server, county_admin, dong_e_village
):
    household = factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [
            factories.born(Relation.HEAD, "赵大伯", dong_e_village, dt.date(1980, 3, 1)),
            factories.born(Relation.SPOUSE, "钱大妈", dong_e_village, dt.date(1982, 7, 9), "F"),
        ],
        (("pension", "200"),),
    )
    make_recipient(county_admin, household, amount="500.00")
    for key in ("dibao.standard.urban", "dibao.standard.rural"):
        Parameter.objects.create(
            key=key, effective_from=dt.date(2026, 7, 1), value="1200.00", source="测试"
        )

    log_in(page, live_server, county_admin, factories.PASSWORD)
    page.goto(f"{live_server.url}/policy/standards/")
    page.click("text=标准调整重新核定在保对象")
    page.wait_for_selector("h1:has-text('标准调整重新核定')")
    page.fill("#month", "2026-07")
    page.click("button:has-text('重新测算')")
    page.wait_for_url("**/cases/repricing/?task=*")
    page.click("#repricing-task >> text=按项目和乡镇查看并确认")
    page.wait_for_selector("h1:has-text('2026年7月起')")
    row = page.locator("tbody tr", has_text="东阿镇").inner_text()
    assert "500.00" in row and "2,200.00" in row
    page.click("button:has-text('确认执行')")
    page.wait_for_selector(".messages >> text=已确认：1 户救助对象自生效月份起按新标准发放。")
    assert page.locator("button:has-text('确认执行')").count() == 0
    assert Repricing.objects.get().state == Repricing.State.CONFIRMED
    assert Recipient.objects.get().monthly_amount == Decimal("2200.00")
