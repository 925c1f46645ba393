"""Browser test of charity: the town assistant registers a project, refers a household,
records the charity's gift (an overspend is refused on the form), and sees it on the
household's file."""

import datetime as dt

import pytest

from jiuzhu.cooperation.models import CharityGift, CharityProject
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Relation
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_referral_gift_household_file(page, live_server, dong_e, dong_e_village):
    admin = factories.user(Role.COUNTY_ADMIN, factories.county())
    assistant = factories.user(Role.TOWN_ASSISTANT, dong_e, username="e2e_assistant")
    household = factories.household_with_incomes(
        admin,
        dong_e_village,
        [factories.born(Relation.HEAD, "慈老汉", dong_e_village, dt.date(1950, 3, 1))],
    )

    log_in(page, live_server, assistant, factories.PASSWORD)
    page.click("nav >> text=慈善与部门协同")
    page.click("text=登记慈善项目")
    for selector, value in {
        "#id_organisation": "县慈善总会",
        "#id_name": "大病救助",
        "#id_funds": "1000",
        "#id_criteria": "重病",
        "#id_contact": "张三 0531-1",
    }.items():
        page.fill(selector, value)
    page.click("button:has-text('提交')")
    page.wait_for_selector(".messages >> text=已登记慈善项目。")
    project = CharityProject.objects.get()

    page.click("text=转介慈善项目")
    page.fill("#id_household", household.number)
    page.select_option("#id_project", str(project.pk))
    page.fill("#id_reason", "住院费用负担重")
    page.click("button:has-text('提交')")
    page.wait_for_selector(".messages >> text=已转介县慈善总会·大病救助。")

    page.fill("#id_amount", "1200")
    page.fill("#id_given_on", "2026-11-02")
    page.click("button:has-text('登记给付')")
    page.wait_for_selector("text=超出项目可用资金（尚余 1,000.00 元）。")
    assert not CharityGift.objects.exists()
    page.fill("#id_amount", "800")
    page.click("button:has-text('登记给付')")
    page.wait_for_selector(".messages >> text=已登记给付 800.00 元。")
    assert "项目可用资金 200.00 元" in page.inner_text("main")

    page.goto(f"{live_server.url}/households/{household.pk}/")
    assert "2026-11-02 给付资金 800.00 元" in page.inner_text("main")
