"""Browser tests of supervision: a complaint from the public site to the reply the
complainant reads, a risk alert from the scan to its conclusion, the evaluation page."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jiuzhu.cases.models import Recipient
from jiuzhu.core.roles import Role
from jiuzhu.oversight import integrity
from jiuzhu.oversight.models import Alert, Complaint
from tests import factories
from tests.e2e.conftest import log_in
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_out(page):
    page.click("nav >> text=退出")
    page.wait_for_url("**/login/**")


def test_a_complaint_from_the_public_site_to_its_reply(page, live_server, dong_e, meigui):
    county = factories.county()
    supervisor = factories.user(Role.COUNTY_SUPERVISOR, county, last_name="赵监督")
    approver = factories.user(Role.TOWN_APPROVER, dong_e, last_name="孙审核")

    # A resident, without logging in, names no one and gives no contact: anonymous.
    page.goto(f"{live_server.url}/complaint/")
    page.select_option("#town", dong_e.code)
    page.select_option("#category", "eligibility")
    page.click("button:has-text('提交')")  # the browser insists on the content first
    assert not Complaint.objects.exists()
    page.fill("#content", "东阿村某户开着轿车，还在领低保。")
    page.click("button:has-text('提交')")
    page.wait_for_selector("text=实名反映请填写姓名和联系电话")
    page.check("#anonymous")
    page.click("button:has-text('提交')")
    page.wait_for_selector("h1:has-text('已收到您的反映')")
    number, code = page.inner_text("#number"), page.inner_text("#code")
    complaint = Complaint.objects.get()
    assert (number, code) == (complaint.number, complaint.query_code) and complaint.anonymous

    # The county supervisor gives it to 东阿镇's approver.
    log_in(page, live_server, supervisor, factories.PASSWORD)
    page.click("nav >> text=投诉举报")
    page.click(f"a:has-text('{number}')")
    assert page.inner_text("#complainant") == "匿名"
    page.select_option("#handler", str(approver.pk))
    page.click("button:has-text('分派')")
    page.wait_for_selector(".messages >> text=已分派。")
    log_out(page)

    # The approver investigates, concludes with a follow-up and replies.
    log_in(page, live_server, approver, factories.PASSWORD)
    page.click("nav >> text=投诉举报")
    page.click(f"a:has-text('{number}')")
    page.fill("#text", "入户核实：该户名下有一辆轿车，未申报。")
    page.click("button:has-text('记录调查情况')")
    page.wait_for_selector(".messages >> text=调查情况已记录。")
    page.select_option("#finding", "founded")
    page.fill("#conclusion", "停发低保，追回多发资金。")
    page.check("input[value=recovery]")
    page.click("button:has-text('办结')")
    page.wait_for_selector(".messages >> text=已办结，请答复反映人。")
    assert "追回多发资金" in page.inner_text("main")
    page.fill("#reply", "经核实反映属实，已停发并追回。感谢您的监督。")
    page.click("button:has-text('发送答复')")
    page.wait_for_selector(".messages >> text=已答复反映人。")
    assert page.inner_text("#status") == "已答复"
    log_out(page)

    # The resident reads the reply with the number and the code.
    page.goto(f"{live_server.url}/complaint/track/")
    page.fill("#t-number", number)
    page.fill("#t-code", code)
    page.click("button:has-text('查询')")
    assert page.inner_text("#reply") == "经核实反映属实，已停发并追回。感谢您的监督。"


def test_an_alert_from_the_scan_to_its_conclusion(page, live_server, dong_e, dong_e_village):
    county = factories.county()
    admin = factories.user(Role.COUNTY_ADMIN, county)
    supervisor = factories.user(Role.COUNTY_SUPERVISOR, county, last_name="赵监督")
    approver = factories.user(Role.TOWN_APPROVER, dong_e, last_name="孙审核")
    recipient = make_recipient(admin, make_household(admin, dong_e_village))
    Recipient.objects.filter(pk=recipient.pk).update(next_review_on=dt.date(2024, 1, 1))

    log_in(page, live_server, supervisor, factories.PASSWORD)
    page.click("nav >> text=风险预警")
    page.click("button:has-text('运行风险筛查')")
    page.wait_for_selector("#scan-task >> text=风险筛查完成，新增预警 1 条。")
    page.click("a:has-text('长期未复核')")
    assert "应于2024-01-01复核，至今未复核" in page.inner_text("main")
    page.select_option("#handler", str(approver.pk))
    page.click("button:has-text('分派')")
    page.wait_for_selector(".messages >> text=已分派。")
    log_out(page)

    log_in(page, live_server, approver, factories.PASSWORD)
    page.click("nav >> text=风险预警")
    page.click("a:has-text('长期未复核')")
    page.select_option("#conclusion", "correction")
    page.fill("#note", "已安排复核，调整为B类每半年复核。")
    page.click("button:has-text('办结')")
    page.wait_for_selector(".messages >> text=预警已办结。")
    assert "已办结（纠正）" in page.inner_text("main")
    alert = Alert.objects.get()
    assert (alert.status, alert.conclusion, alert.handler) == ("concluded", "correction", approver)


def test_the_evaluation_page_and_its_export(page, live_server, dong_e, meigui):
    county = factories.county()
    admin = factories.user(Role.COUNTY_ADMIN, county)
    supervisor = factories.user(Role.COUNTY_SUPERVISOR, county)
    approver = factories.user(Role.TOWN_APPROVER, meigui)
    integrity.review_fault(supervisor, approver, "漏审一项", ["public_good"], "不予容错", None)

    log_in(page, live_server, admin, factories.PASSWORD)
    page.click("nav >> text=绩效评价")
    year = timezone.localdate().year
    page.wait_for_selector(f"h1:has-text('{year}年镇（街道）社会救助绩效评价')")
    rows = page.locator("tbody tr")
    # 东阿镇 has nothing due and no errors; 玫瑰镇 loses the penalty for its one error.
    assert rows.nth(0).inner_text().startswith("东阿镇") and "100.0" in rows.nth(0).inner_text()
    assert rows.nth(1).inner_text().startswith("玫瑰镇") and "98.0" in rows.nth(1).inner_text()
    with page.expect_download() as download:
        page.click("a:has-text('导出')")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in sheet] == ["镇（街道）", "东阿镇", "玫瑰镇"]
    assert sheet[2][-1] == 98.0
