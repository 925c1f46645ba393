"""Temporary aid in the browser: an expenditure-type application with its hardship taken at
the window, refused to the town above its limit, approved by the county, and paid once as a
line of the next month's bank file (figures: tests/cases/test_temporary_aid.py)."""

import csv
import datetime as dt

import pytest

from jiuzhu.cases.models import Case
from jiuzhu.payments import services as payments
from tests import factories
from tests.cases.conftest import investigate, set_today
from tests.e2e.conftest import log_in
from tests.e2e.test_cases_browser import act
from tests.factories import head_of
from tests.payments.conftest import give_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_expenditure_aid_from_the_window_to_the_bank_file(
    page, live_server, staff, poor_household, dong_e, monkeypatch
):
    set_today(monkeypatch, dt.date(2026, 3, 2))
    give_account(staff["admin"], poor_household, number="6221000077778888")
    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_id_number", head_of(poor_household).id_number)
    page.click("button:has-text('查找家庭档案')")
    page.select_option("#id_programme", "temporary")
    page.select_option("#id_temporary_kind", "expenditure")
    page.fill("#id_temporary_expense", "8000")
    page.select_option("#id_temporary_expense_kind", "medical")
    page.fill("#id_temporary_evidence", "住院费用结算单")
    page.fill("#id_reason", "老伴住院，自付医疗费用难以承受。")
    page.check("#id_commitment_signed")
    page.set_input_files(
        "#id_authorisation_scan",
        files=[{"name": "授权书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 signed"}],
    )
    page.click("button:has-text('登记申请')")
    page.wait_for_selector("text=住院费用结算单")
    assert "8,000.00元（医疗支出）" in page.inner_text("main")
    case = Case.objects.get()
    investigate(case, staff["assistant"])
    page.click("text=退出")

    log_in(page, live_server, staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    act(page, "approve")
    assert "临时救助金额7956.00元超过乡镇审批权限5304.00元，须报县级审批。" in page.inner_text(
        ".messages"
    )
    assert Case.objects.get().status == "deciding"
    page.click("text=退出")

    log_in(page, live_server, staff["admin"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    act(page, "county_approve", {"comment": "县民政局审批同意"})
    case.refresh_from_db()
    assert (case.status, str(case.one_off_amount)) == ("in_force", "7956.00")

    payroll = payments.prepare_payroll(staff["assistant"], dt.date(2026, 4, 1), dong_e)
    payments.check_payroll(staff["approver"], payroll)
    payments.approve_payroll(staff["admin"], payroll)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    assert "临时救助" in page.inner_text("table")
    page.select_option("#bank", "农商银行")
    page.select_option("#format", "csv")
    page.click("button:has-text('生成发放文件')")
    page.wait_for_selector(".messages >> text=已生成农商银行发放文件：1 笔，合计 7,956.00 元。")
    with page.expect_download() as info:
        page.click("table >> a:has-text('农商银行')")
    with open(info.value.path(), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [(r[1], r[2], r[4]) for r in rows[1:-1]] == [("6221000077778888", "王老汉", "7956.00")]
