"""Journeys that used to break in the served app, walked as staff click them: the budget
simulation, a payroll whose lines have no bank account, funds execution after a paid month,
a verification without department data, and a mistyped ID number at intake."""

import datetime as dt

import pytest

from jiuzhu.cases.models import Case, Status
from jiuzhu.funds import services as funds
from jiuzhu.payments.models import Payroll, PayrollLine
from jiuzhu.verification import jobs
from jiuzhu.verification.models import VerificationJob
from tests import factories
from tests.cases.conftest import submit
from tests.e2e.conftest import log_in
from tests.e2e.test_payments_browser import (
    approved_payroll,
    click_and_see,
    log_out,
    results_file,
    upload_results,
)
from tests.factories import head_of
from tests.payments.conftest import make_household, make_recipient
from tests.verification.conftest import import_rows

# serialized_rollback keeps the shipped policy parameters (data migrations) between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _verification_in_process(settings):
    # The test runs the verification worker itself; a spawned one would not see its database.
    settings.JIUZHU_VERIFICATION_SPAWN = False


def act(page, action, fields=None):
    form = page.locator(f"#act-{action}")
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")


def test_budget_simulation_runs_from_the_standards_page(page, live_server, staff, poor_household):
    log_in(page, live_server, staff["admin"], factories.PASSWORD)
    page.click("nav >> text=救助标准")
    page.click("text=预算影响模拟")
    page.fill("#value", "600")
    page.fill("#month", "2026-12")
    page.click("button:has-text('模拟')")
    result = page.locator("#simulation-result")
    result.locator("h2:has-text('结果：1 户')").wait_for()
    assert "（2026年12月起）" in result.inner_text()
    assert "未知的后台任务类型" not in page.inner_text("main")
    row = result.locator("tr:has(td[data-label=乡镇]:has-text('东阿镇'))")
    assert row.locator("td[data-label=新增]").inner_text() == "0"


def test_payroll_without_bank_accounts_warns_before_approval_and_offers_no_bank_file(
    page, live_server, pay_staff, dong_e_village, dong_e
):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village), "500.00")
    make_recipient(admin, make_household(admin, dong_e_village, "李大娘"), "800.00")

    log_in(page, live_server, pay_staff["assistant"], factories.PASSWORD)
    page.click("nav >> text=发放名册")
    page.fill("#month", "2026-12")
    page.select_option("#town", dong_e.code)
    page.click("button:has-text('生成名册')")
    page.locator("#payroll-task a:has-text('东阿镇')").click()
    warning = "有 2 笔明细（合计 1,300.00 元）没有发放账户，审批后记为发放失败、不会发到银行"
    page.wait_for_selector(f"[role=alert]:has-text('{warning}')")
    click_and_see(page, "button:has-text('审查（核对差异）')", "已审查")
    log_out(page)

    payroll = Payroll.objects.get()
    log_in(page, live_server, pay_staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    # The approver sees the warning next to the approval button.
    page.wait_for_selector(f"[role=alert]:has-text('{warning}')")
    click_and_see(page, "button:has-text('审批并锁定')", "已审批，名册已锁定。")
    page.wait_for_selector("[role=alert]:has-text('因没有发放账户已记为发放失败')")
    log_out(page)

    log_in(page, live_server, pay_staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    page.wait_for_selector("text=该名册没有登记了发放账户的明细，无法生成银行发放文件。")
    assert page.locator("button:has-text('生成发放文件')").count() == 0
    assert "该名册没有的发放明细" not in page.inner_text("main")


def test_funds_execution_shows_what_was_paid_and_what_was_not(
    page, live_server, pay_staff, dong_e_village, dong_e
):
    # Without an account this one's line is marked failed when the payroll is approved.
    unpaid = make_household(pay_staff["admin"], dong_e_village, "丙老汉")
    make_recipient(pay_staff["admin"], unpaid, "250.00")
    _, payroll = approved_payroll(pay_staff, dong_e_village, dong_e)
    funds.set_budget(pay_staff["admin"], 2026, "dibao", dong_e, 10_000_000)

    log_in(page, live_server, pay_staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    page.select_option("#bank", "农商银行")
    page.select_option("#format", "csv")
    click_and_see(page, "button:has-text('生成发放文件')", "已生成农商银行发放文件")
    lines = [
        (line.ref, line.account_number, f"{line.net_fen // 100}.{line.net_fen % 100:02d}")
        for line in PayrollLine.objects.of_payroll(payroll.pk).filter(account_id__isnull=False)
    ]
    upload_results(page, results_file(lines))
    page.wait_for_selector(".messages >> text=回盘已导入：成功 2 笔，失败 0 笔。")

    page.goto(f"{live_server.url}/funds/?year=2026")
    row = page.locator("tr:has(td[data-label=区划]:has-text('东阿镇'))")
    assert row.locator("td[data-label='12月']").inner_text() == "1,300.00"
    assert row.locator("td[data-label=已支出]").inner_text() == "1,300.00"
    assert row.locator("td[data-label=余额]").inner_text() == "98,700.00"
    told = "本年度已审批的名册中有 250.00 元因没有发放账户或被银行退回而未发到救助对象手中"
    page.wait_for_selector(f"[role=alert]:has-text('{told}')")


def test_no_verification_without_department_data_and_no_decision_before_it(
    page, live_server, staff, poor_household, tmp_path
):
    case = submit(staff["assistant"], poor_household)
    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    act(page, "accept")
    act(page, "start_investigation")
    act(page, "request_verification")
    page.wait_for_selector(".messages >> text=尚未导入任何部门的核对数据，无法核对")
    assert not VerificationJob.objects.exists()

    head = head_of(poor_household)
    row = {"id_number": head.id_number, "name": head.name, "employer": "县水泥厂"}
    import_rows(staff["officer"], tmp_path, "employment", [{**row, "monthly_wage": "300"}])
    act(page, "request_verification")
    page.wait_for_selector(".messages >> text=已办理。")
    job = VerificationJob.objects.get()
    today = str(dt.date.today())
    act(
        page,
        "record_home_visit",
        {"visited_on": today, "second_staff": "李协理员", "findings": "情况属实"},
    )
    act(page, "complete_investigation")
    act(
        page,
        "record_community_review",
        {"held_on": today, "participants": "9", "outcome": "同意"},
    )
    log_out(page)

    log_in(page, live_server, staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    act(page, "approve")
    page.wait_for_selector(
        ".messages >> text=家庭经济状况核对尚未完成，请待核对报告生成后再审核确认。"
    )
    assert Case.objects.get().status == Status.DECIDING

    jobs.run_job(job.pk)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    report = page.locator("section.card:has-text('依据：')")
    assert "依据：人力资源和社会保障局 · 就业与工资（截至2024年6月30日）" in report.inner_text()
    assert "县水泥厂" in report.inner_text()
    act(page, "approve")
    page.wait_for_selector("text=公示中")


def test_intake_tells_a_wrong_check_digit(page, live_server, staff, poor_household):
    number = head_of(poor_household).id_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_id_number", wrong)
    page.click("button:has-text('查找家庭档案')")
    page.wait_for_selector("text=身份证号校验码错误，请核对。")
    assert "本县没有该身份证号的家庭档案" not in page.inner_text("main")
    page.fill("#id_id_number", number)
    page.click("button:has-text('查找家庭档案')")
    page.wait_for_selector("#id_programme")
