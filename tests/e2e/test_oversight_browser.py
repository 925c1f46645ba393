"""Browser tests of supervision: a complaint from the public site to the reply the
complainant reads, a risk alert from the scan to its conclusion, the evaluation page."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jiuzhu.cases.models import Recipient
from jiuzhu.core.models import Region
from jiuzhu.core.roles import Role
from jiuzhu.outreach.models import Post, RosterEntry
from jiuzhu.outreach.roster import gaps_of
from jiuzhu.oversight import integrity
from jiuzhu.oversight.models import Alert, Complaint
from jiuzhu.payments.models import RecoveryClaim
from tests import factories
from tests.e2e.conftest import log_in
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def log_out(page):
    page.click("nav >> text=退出")
    page.wait_for_url("**/login/**")


def test_a_complaint_from_the_public_site_to_its_reply(
    page, live_server, dong_e, meigui, dong_e_village
):
    county = factories.county()
    admin = factories.user(Role.COUNTY_ADMIN, county)
    supervisor = factories.user(Role.COUNTY_SUPERVISOR, county, last_name="赵监督")
    approver = factories.user(Role.TOWN_APPROVER, dong_e, last_name="孙审核")
    household = make_household(admin, dong_e_village, "孙有车")
    recipient = make_recipient(admin, household)

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
    page.set_input_files("#files", [{"name": "文档.png", "mimeType": "image/png", "buffer": b"MZ"}])
    page.click("button:has-text('提交')")
    page.wait_for_selector("text=只能上传JPG、PNG图片或PDF")
    assert not Complaint.objects.exists()
    page.set_input_files("#files", [{"name": "轿车.png", "mimeType": "image/png", "buffer": PNG}])
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
    with page.expect_popup() as popup:
        page.click("#evidence-files >> a:has-text('轿车.png')")
    assert popup.value.url.endswith(f"/oversight/evidence/{complaint.files.get().pk}/")
    popup.value.close()
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
    page.fill("#household", household.number)
    page.click("button:has-text('关联家庭')")
    page.wait_for_selector(".messages >> text=已关联涉及的家庭。")
    page.select_option("#finding", "founded")
    page.fill("#conclusion", "停发低保，追回多发资金。")
    page.check("input[value=case_review]")
    page.check("input[value=recovery]")
    page.fill("#from_month", "2026-01")
    page.fill("#to_month", "2026-06")
    page.fill("#amount", "3000")
    page.fill("#instalment", "500")
    page.click("button:has-text('办结')")
    page.wait_for_selector(".messages >> text=已办结，请答复反映人。")
    follow_ups = page.inner_text("#follow-ups")
    assert f"重新核查救助资格：已发起对申请 {recipient.case.number} 的复核" in follow_ups
    assert "追回多发资金：已登记追回 3,000.00元" in follow_ups
    claim = RecoveryClaim.objects.get()
    assert (claim.household, claim.amount_fen, claim.created_by) == (household, 300000, approver)
    assert Recipient.objects.get(pk=recipient.pk).next_review_on == timezone.localdate()
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
    page.set_input_files(
        "#files", [{"name": "入户照片.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("button:has-text('上传')")
    page.wait_for_selector(".messages >> text=已上传1个证据材料。")
    assert "入户照片.png" in page.inner_text("#evidence-files")
    page.select_option("#conclusion", "correction")
    page.fill("#note", "已安排复核，调整为B类每半年复核。")
    page.click("button:has-text('办结')")
    page.wait_for_selector(".messages >> text=预警已办结。")
    assert "已办结（纠正）" in page.inner_text("main")
    assert f"已发起对申请 {recipient.case.number} 的复核" in page.inner_text("#follow-ups")
    assert Recipient.objects.get(pk=recipient.pk).next_review_on == timezone.localdate()
    alert = Alert.objects.get()
    assert (alert.status, alert.conclusion, alert.handler) == ("concluded", "correction", approver)


def test_the_evaluation_page_and_its_export(page, live_server, dong_e, meigui):
    county = factories.county()
    admin = factories.user(Role.COUNTY_ADMIN, county)
    supervisor = factories.user(Role.COUNTY_SUPERVISOR, county)
    approver = factories.user(Role.TOWN_APPROVER, meigui)
    integrity.review_fault(supervisor, approver, "漏审一项", ["public_good"], "不予容错", None)
    # Every post the policy requires is filled (the roster indicator is then 100 %).
    for gap in gaps_of(Region.objects.all(), RosterEntry.objects.none(), timezone.localdate()):
        post = next(value for value, label in Post.choices if label == gap.post)
        RosterEntry.objects.bulk_create(
            RosterEntry(
                name="某某",
                post=post,
                region=gap.region,
                region_code=gap.region.code,
                since=dt.date(2020, 1, 1),
            )
            for _ in range(gap.minimum)
        )

    log_in(page, live_server, admin, factories.PASSWORD)
    page.click("nav >> text=绩效评价")
    year = timezone.localdate().year
    page.wait_for_selector(f"h1:has-text('{year}年镇（街道）社会救助绩效评价')")
    assert "尚未统计" in page.inner_text("#tally-stamp")
    page.click("button:has-text('重新统计')")
    page.wait_for_selector("#tally-task >> text=统计完成。")
    assert f"数据统计至{year}年" in page.inner_text("#tally-stamp")
    assert "平台使用率 5%" in page.inner_text("#tally-stamp")
    headers = page.inner_text("#scores thead")
    for label in ("按期探访", "线索按时研判", "低收入人口监测覆盖", "资金执行", "经办人员配备到位"):
        assert label in headers
    rows = page.locator("#scores tbody tr")
    # 东阿镇 has nothing due and no errors; 玫瑰镇 loses the penalty for its one error.
    assert rows.nth(0).inner_text().startswith("东阿镇") and "100.0" in rows.nth(0).inner_text()
    assert rows.nth(1).inner_text().startswith("玫瑰镇") and "98.0" in rows.nth(1).inner_text()
    with page.expect_download() as download:
        page.click("a:has-text('导出')")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in sheet] == ["镇（街道）", "东阿镇", "玫瑰镇"]
    assert sheet[2][-1] == 98.0
    months = list(book.worksheets[1].iter_rows(values_only=True))
    roster = next(row for row in months if row[:2] == ("东阿镇", "经办人员配备到位"))
    assert roster[-2] == roster[-1] > 0  # every post filled
