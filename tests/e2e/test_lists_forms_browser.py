"""A person walks the staff lists (filter, sort by a column header, page, Excel of what is
shown), a refused form (the summary on top, its link to the field, values kept) and the
issuing of a department partner's token."""

import pytest

from jiuzhu.core.models import ApiToken
from jiuzhu.core.roles import Role
from tests import factories
from tests.e2e.conftest import log_in
from tests.e2e.test_payments_browser import approved_payroll, downloaded_rows

pytestmark = pytest.mark.django_db(transaction=True)


def _names(page):
    return page.locator("td[data-label=姓名]").all_inner_texts()


def test_an_approver_sorts_filters_and_exports_the_payroll_lines(
    page, live_server, pay_staff, dong_e_village, dong_e
):
    _, payroll = approved_payroll(pay_staff, dong_e_village, dong_e)
    log_in(page, live_server, pay_staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/lines/")
    assert _names(page) == ["王老汉", "李大娘"]
    page.click("th a:has-text('实发（元）')")
    page.click("th a:has-text('实发（元）')")  # again: largest first
    page.wait_for_selector("th[aria-sort=descending]")
    assert _names(page) == ["李大娘", "王老汉"]
    page.fill("#f-q", "王")
    page.click("button:has-text('筛选')")
    page.wait_for_selector("text=共 1 条")
    assert _names(page) == ["王老汉"]
    with page.expect_download() as info:
        page.click("text=导出Excel（当前筛选的全部 1 条）")
    _, header, *rows, totals = downloaded_rows(info.value)
    assert header[8] == "实发（元）"
    assert [(row[3], row[8]) for row in rows] == [("王老汉", 500)]
    assert totals[0] == "合计（1条）" and totals[8] == 500


def test_a_coordinator_corrects_a_refused_household_form(page, live_server, dong_e_village):
    coordinator = factories.user(Role.VILLAGE_COORDINATOR, dong_e_village, username="e2e_coord")
    log_in(page, live_server, coordinator, factories.PASSWORD)
    page.goto(f"{live_server.url}/households/new/")
    chosen = page.locator("#id_registered_region").input_value()
    assert chosen == str(dong_e_village.pk)  # the only village, already chosen
    page.fill("#id_address", "东阿村5组")
    page.click("main button:has-text('保存')")  # the member left blank
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "第1行 姓名：请填写此项。" in summary.inner_text()
    page.click("#error-summary >> text=第1行 姓名：请填写此项。")
    assert page.evaluate("location.hash") == "#id_members-0-name"
    assert page.locator("#id_address").input_value() == "东阿村5组"  # kept
    assert page.locator("#id_registered_region").input_value() == str(dong_e_village.pk)


def test_an_admin_issues_a_partner_token_and_revokes_it(page, live_server, county_admin):
    officer = factories.user(
        Role.DEPARTMENT_OFFICER, factories.county(), username="e2e_yibao", last_name="医保"
    )
    log_in(page, live_server, county_admin, factories.PASSWORD)
    page.click("nav >> text=安全管理")
    page.click("text=为部门数据专员签发共享令牌")
    page.click("main button:has-text('签发')")  # nothing chosen
    page.wait_for_selector("#error-summary")
    assert "请选择部门数据专员。" in page.locator("#error-summary").inner_text()
    page.select_option("#id_officer", str(officer.pk))
    page.check("input[value='sharing.recipients']")
    page.click("main button:has-text('签发')")
    clear = page.locator("#token").inner_text()
    assert clear.startswith("jz_")
    page.click("text=返回安全管理")
    assert clear not in page.content()
    page.click("main button:has-text('吊销')")
    page.wait_for_selector("text=已吊销该令牌。")
    assert ApiToken.objects.get().revoked_at is not None
