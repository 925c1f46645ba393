"""Browser tests of the payments and funds pages: a month's payroll from preparation to the
bank's results, accounts, recovery claims, budgets and allocation, as staff click them."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jiuzhu.funds.models import Allocation, Budget
from jiuzhu.payments import services
from jiuzhu.payments.models import BankAccount, LineResult, PaymentFile, Payroll, RecoveryClaim
from jiuzhu.payments.views import ACCOUNT_REQUESTED
from tests import factories
from tests.e2e.conftest import log_in
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

# serialized_rollback keeps the shipped policy parameters (data migrations) between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def head_of(household):
    return household.memberships.get(relation="head").person


def log_out(page):
    page.click("nav >> text=退出")
    page.wait_for_url("**/login/**")


def click_and_see(page, selector, message):
    """Submit a form and wait for the flash message it leaves."""
    page.click(selector)
    page.wait_for_selector(f".messages >> text={message}")


def downloaded_rows(download):
    """The rows of the first sheet of a downloaded Excel file."""
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def approved_payroll(staff, dong_e_village, dong_e):
    """Two recipients with accounts at one bank, a payroll checked and approved."""
    admin = staff["admin"]
    households = [make_household(admin, dong_e_village, name) for name in ("王老汉", "李大娘")]
    make_recipient(admin, households[0], "500.00")
    make_recipient(admin, households[1], "800.00")
    for household in households:
        give_account(staff["assistant"], household)
    payroll = services.prepare_payroll(staff["assistant"], MONTH, dong_e)
    services.check_payroll(staff["approver"], payroll)
    services.approve_payroll(staff["approver"], payroll)
    return households, payroll


def test_assistant_prepares_and_checks_a_month_and_an_approver_locks_it(
    page, live_server, pay_staff, dong_e_village, dong_e
):
    admin, assistant = pay_staff["admin"], pay_staff["assistant"]
    old, new = (
        make_household(admin, dong_e_village),
        make_household(admin, dong_e_village, "李大娘"),
    )
    make_recipient(admin, old, "500.00")
    make_recipient(admin, new, "800.00", programme="tekun")
    give_account(assistant, old)

    log_in(page, live_server, assistant, factories.PASSWORD)
    page.click("nav >> text=发放名册")
    page.wait_for_selector("h1:has-text('发放名册')")
    # A month without a standard in force is refused before anything is queued.
    page.fill("#month", "2012-05")
    click_and_see(page, "button:has-text('生成名册')", "没有生效的低保标准")
    assert not Payroll.objects.exists()

    page.fill("#month", "2026-12")
    page.select_option("#town", dong_e.code)
    page.click("button:has-text('生成名册')")
    page.wait_for_url("**/payments/?task=*")
    task = page.locator("#payroll-task")
    task.locator("text=2026年12月名册已生成").wait_for()
    assert "东阿镇：2 笔" in task.inner_text()
    assert page.input_value("#month") == "2026-12"  # the form keeps the month just run
    task.locator("a:has-text('东阿镇')").click()

    page.wait_for_selector("h1:has-text('东阿镇 2026年12月')")
    body = page.inner_text("main")
    assert "已生成待审查" in body and "笔数：2，实发合计 1,300.00 元" in body
    totals = page.inner_text("table")
    assert "500.00" in totals and "800.00" in totals  # one row per programme, named
    assert "最低生活保障" in totals and "特困人员救助供养" in totals and "其中 当月" in totals
    assert "dibao" not in totals and "regular" not in totals
    # The preparer is offered the check, never the approval.
    assert page.locator("button:has-text('审批并锁定')").count() == 0
    click_and_see(page, "button:has-text('审查（核对差异）')", "已审查")
    page.wait_for_selector("text=没有上月名册，无法比较差异。")
    page.wait_for_selector(".tag:has-text('已审查待审批')")
    log_out(page)

    payroll = Payroll.objects.get()
    log_in(page, live_server, pay_staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    click_and_see(page, "button:has-text('审批并锁定')", "已审批，名册已锁定。")
    page.wait_for_selector(".tag:has-text('已审批（锁定）')")
    # Approved: no more check or approve buttons, and the approver is named.
    assert page.locator("button:has-text('审查（核对差异）')").count() == 0
    assert "审批：乡镇审核人员" in page.inner_text("main")
    payroll.refresh_from_db()
    assert payroll.locked and payroll.approved_by == pay_staff["approver"]
    assert payroll.checked_by == assistant


def test_county_run_reports_each_town_and_the_preparer_cannot_approve(
    page, live_server, pay_staff, dong_e_village, meigui_village, dong_e
):
    admin = pay_staff["admin"]  # may both prepare and approve
    make_recipient(admin, make_household(admin, dong_e_village), "500.00")
    make_recipient(admin, make_household(admin, meigui_village, "玫瑰"), "600.00")

    log_in(page, live_server, admin, factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/")
    page.fill("#month", "2026-12")
    page.select_option("#town", "")  # every town, one payroll each
    page.click("button:has-text('生成名册')")
    task = page.locator("#payroll-task")
    task.locator("text=名册已生成").wait_for()
    assert "东阿镇：1 笔" in task.inner_text() and "玫瑰镇：1 笔" in task.inner_text()
    assert Payroll.objects.count() == 2

    # The same month again: every town refuses, and the task says why, in Chinese.
    page.fill("#month", "2026-12")
    page.click("button:has-text('生成名册')")
    page.wait_for_selector("#payroll-task .error:has-text('未生成')")
    assert "已经生成，不能重复生成" in page.inner_text("#payroll-task")
    assert Payroll.objects.count() == 2

    payroll = Payroll.objects.get(town=dong_e)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    click_and_see(page, "button:has-text('审查（核对差异）')", "已审查")
    assert page.locator("button:has-text('审批并锁定')").count() == 0
    # Even a hand-made approval of one's own payroll is refused, with the reason.
    page.evaluate(
        """(url) => { const form = document.querySelector('form[action$="/act/check/"]');
                      form.action = url; form.submit(); }""",
        f"/payments/{payroll.pk}/act/approve/",
    )
    page.wait_for_selector(".messages >> text=名册生成人不能审批自己生成的名册")
    payroll.refresh_from_db()
    assert not payroll.locked and payroll.approved_by is None


def results_file(rows, failed_ref=None, wrong_amount_ref=None):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["参考号", "账号", "金额（元）", "状态", "失败原因"])
    for ref, account, amount in rows:
        if ref == wrong_amount_ref:
            amount = "1.00"
        failed = ref == failed_ref
        writer.writerow([ref, account, amount, "失败" if failed else "成功", "账户已销户" * failed])
    return out.getvalue().encode("utf-8-sig")


def upload_results(page, content, name="回盘.csv"):
    page.set_input_files(
        "input[name=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.click("button:has-text('导入回盘')")


def test_bank_file_download_results_and_reissue_after_a_corrected_account(
    page, live_server, pay_staff, dong_e_village, dong_e
):
    households, payroll = approved_payroll(pay_staff, dong_e_village, dong_e)
    log_in(page, live_server, pay_staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    page.select_option("#bank", "农商银行")
    page.select_option("#format", "csv")
    click_and_see(
        page, "button:has-text('生成发放文件')", "已生成农商银行发放文件：2 笔，合计 1,300.00 元。"
    )
    with page.expect_download() as info:
        page.click("table >> a:has-text('农商银行')")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["参考号", "账号", "户名", "身份证号", "金额（元）"]
    assert rows[-1][:5] == ["合计", "2笔", "", "", "1300.00"]  # the control total
    lines = [(r[0], r[1], r[4]) for r in rows[1:-1]]
    assert sorted(amount for _, _, amount in lines) == ["500.00", "800.00"]
    assert head_of(households[0]).id_number in {r[3] for r in rows}  # the bank needs it whole

    # A results file that does not match the payment file is refused whole.
    upload_results(page, results_file(lines, wrong_amount_ref=lines[0][0]))
    page.wait_for_selector(".messages >> text=回盘文件与发放文件不一致，整份拒收")
    assert "金额1.00元与发放文件" in page.inner_text(".messages")
    assert not LineResult.objects.exists()
    assert PaymentFile.objects.get().results_imported_at is None

    failed_ref = next(ref for ref, _, amount in lines if amount == "500.00")
    upload_results(page, results_file(lines, failed_ref=failed_ref))
    page.wait_for_selector(".messages >> text=回盘已导入：成功 1 笔，失败 1 笔。")
    page.wait_for_selector("td:has-text('已导入')")
    page.click("text=查看明细")
    page.wait_for_selector(".tag:has-text('失败：账户已销户')")
    assert page.locator("td[data-label=回盘]:has-text('成功')").count() == 1

    # Correct the failed payee's account, then prepare the re-issue.
    page.goto(f"{live_server.url}/payments/accounts/{households[0].pk}/")
    page.select_option("#person", str(head_of(households[0]).pk))
    page.fill("#bank", "邮储银行")
    page.fill("#account_number", "6217 0000 1111 2222")
    page.fill("#holder_name", "王老汉")
    page.fill("#note", "原账户已销户")
    click_and_see(page, "button:has-text('保存')", ACCOUNT_REQUESTED)
    # The change waits for a second person: the approver sees it on the payroll's page.
    log_out(page)
    log_in(page, live_server, pay_staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    page.wait_for_selector("h2:has-text('待审核的账户变更')")
    page.wait_for_selector("td:has-text('邮储银行 尾号2222')")
    click_and_see(page, "button:has-text('审核通过')", "账户变更已审核通过，新账户生效。")
    assert BankAccount.objects.get(person=head_of(households[0]), valid=True).bank == "邮储银行"
    log_out(page)
    log_in(page, live_server, pay_staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/")
    page.fill("#month", "2026-12")
    page.select_option("#town", dong_e.code)
    click_and_see(page, "button:has-text('生成失败补发名册')", "已生成补发名册，共 1 笔。")
    page.wait_for_selector("h1:has-text('补发')")
    assert "实发合计 500.00 元" in page.inner_text("main")


def test_accounts_page_requests_a_change_that_the_approver_reviews(
    page, live_server, pay_staff, dong_e_village, dong_e
):
    household = make_household(pay_staff["admin"], dong_e_village)
    make_recipient(pay_staff["admin"], household, "500.00")
    first = give_account(pay_staff["assistant"], household, number="6221000011112222")
    head = head_of(household)
    log_in(page, live_server, pay_staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/accounts/{household.pk}/")
    page.wait_for_selector("td:has-text('尾号2222')")

    page.select_option("#person", str(head.pk))
    page.fill("#bank", "农商银行")
    page.fill("#account_number", "12AB")
    page.fill("#holder_name", head.name)
    click_and_see(page, "button:has-text('保存')", "账号应为8-32位数字。")
    assert list(BankAccount.objects.values_list("pk", "valid")) == [(first.pk, True)]

    page.select_option("#person", str(head.pk))
    page.fill("#bank", "农商银行")
    page.fill("#account_number", "6221000099998888")
    page.fill("#holder_name", head.name)
    page.fill("#note", "更换银行卡")
    click_and_see(page, "button:has-text('保存')", ACCOUNT_REQUESTED)
    page.wait_for_selector("tr:has-text('尾号8888') >> text=待审核")
    # Until a second person approves it the first account stays in force.
    assert BankAccount.objects.get(valid=True) == first
    # The full account number is never shown on the page.
    assert "6221000099998888" not in page.content()

    # A holder who is not the person registered is refused unless a reason is given.
    page.select_option("#person", str(head.pk))
    page.fill("#bank", "农商银行")
    page.fill("#account_number", "6221000077776666")
    page.fill("#holder_name", "李四")
    click_and_see(
        page,
        "button:has-text('保存')",
        f"户名“李四”与登记姓名“{head.name}”不一致；如为监护人等代领账户，请填写原因。",
    )
    assert BankAccount.objects.count() == 2

    # The approver rejects it on the payroll page, with a reason.
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    log_out(page)
    log_in(page, live_server, pay_staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    page.wait_for_selector("td:has-text('尾号8888')")
    page.fill("input[name=reason]", "账号与银行卡不符")
    click_and_see(page, "button:has-text('驳回')", "账户变更已驳回。")
    assert BankAccount.objects.get(valid=True) == first
    assert BankAccount.objects.get(review="rejected").review_note == "账号与银行卡不符"


def test_lines_and_export_mask_id_numbers_for_the_auditor(
    page, live_server, pay_staff, dong_e_village, dong_e
):
    households, payroll = approved_payroll(pay_staff, dong_e_village, dong_e)
    full = head_of(households[0]).id_number
    masked = f"{full[:6]}{'*' * 8}{full[-4:]}"

    log_in(page, live_server, pay_staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/lines/")
    page.wait_for_selector(f"td:has-text('{full}')")  # the town's staff see it whole
    log_out(page)

    log_in(page, live_server, pay_staff["auditor"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/")
    page.click("text=查看明细")
    page.wait_for_selector(f"td[data-label=身份证号]:has-text('{masked}')")
    assert full not in page.content()
    page.go_back()
    with page.expect_download() as info:
        page.click("text=导出Excel")
    ids = [row[4] for row in downloaded_rows(info.value)[1:]]
    assert masked in ids and full not in ids
    # The auditor may not fetch the bank file or correct accounts.
    assert page.locator("text=生成发放文件").count() == 0
    response = page.goto(f"{live_server.url}/payments/accounts/{households[0].pk}/")
    assert response.status == 404


def test_recovery_claim_repaid_in_part_then_waived_by_another_person(
    page, live_server, pay_staff, dong_e_village
):
    household = make_household(pay_staff["admin"], dong_e_village)
    log_in(page, live_server, pay_staff["assistant"], factories.PASSWORD)
    page.click("nav >> text=多发追回")
    page.wait_for_selector("h1:has-text('多发追回')")
    page.fill("#household", household.number)
    page.select_option("#programme", "dibao")
    page.fill("#from_month", "2026-10")
    page.fill("#to_month", "2026-11")
    page.fill("#amount", "200")
    page.fill("#instalment", "50")
    page.fill("#reason", "成员死亡未及时报告")
    click_and_see(page, "button:has-text('登记')", "已登记多发追回。")
    page.wait_for_selector("text=未追回余额 200.00 元")
    claim = RecoveryClaim.objects.get()

    page.fill("#amount", "300")
    click_and_see(page, "button:has-text('登记退回')", "退回金额应大于0且不超过未追回余额200.00元")
    page.fill("#amount", "50.5")
    page.fill("#on", "2026-11-20")
    page.fill("#note", "本人到镇里退回")
    click_and_see(page, "button:has-text('登记退回')", "已登记退回。")
    page.wait_for_selector("text=未追回余额 149.50 元")
    page.wait_for_selector("td:has-text('本人到镇里退回')")
    # Whoever registered the claim may not waive it.
    assert page.locator("button:has-text('核销余额')").count() == 0
    log_out(page)

    log_in(page, live_server, pay_staff["approver"], factories.PASSWORD)
    page.click("nav >> text=多发追回")
    page.click(f"a:has-text('{household.number}')")
    page.wait_for_selector("text=未追回余额 149.50 元")
    page.fill("#reason", "家中无劳动力，无力偿还")
    click_and_see(page, "button:has-text('核销余额')", "已核销。")
    page.wait_for_selector("text=核销理由：家中无劳动力，无力偿还")
    claim.refresh_from_db()
    assert claim.status == "waived" and claim.waived_fen == 14950
    page.click("nav >> text=多发追回")
    row = page.locator(f"tr:has(a:has-text('{household.number}'))")
    assert "已核销" in row.inner_text() and "50.50" in row.inner_text()  # 已追回


def test_budgets_indices_and_allocation_then_execution(
    page, live_server, pay_staff, dong_e_village, dong_e, meigui
):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village), "500.00")
    log_in(page, live_server, admin, factories.PASSWORD)
    page.goto(f"{live_server.url}/funds/?year=2026")
    page.wait_for_selector("text=本年度尚无预算。")
    page.click("text=预算与补助分配")
    page.wait_for_selector("h1:has-text('2026年预算与县级补助分配')")

    page.select_option("#b-programme", "dibao")
    page.select_option("#b-region", "370124000000")
    page.fill("#b-amount", "500000")
    page.fill("#b-note", "县级年初预算")
    click_and_see(page, "button:has-text('保存预算')", "预算已保存。")
    assert Budget.objects.get(region__code="370124000000").amount_fen == 50_000_000

    # Allocation needs every town's fiscal index first.
    page.select_option("#a-programme", "dibao")
    page.fill("#a-amount", "10000")
    click_and_see(page, "button:has-text('分配')", "以下乡镇未录入财力薄弱指数")
    assert not Allocation.objects.exists()
    for town, weakness in ((dong_e, "0.2"), (meigui, "0.8")):
        page.select_option("#i-town", town.code)
        page.fill("#i-weakness", weakness)
        click_and_see(page, "button:has-text('保存指数')", "财力指数已保存。")
    page.select_option("#a-programme", "dibao")
    page.fill("#a-amount", "10000")
    click_and_see(page, "button:has-text('分配')", "已分配县级补助 10,000.00 元。")
    # 东阿镇 has the only recipient: 0.6 × 1 + 0.4 × 0.2 = 0.68 of the subsidy.
    allocation = page.locator(".card:has(h3:has-text('最低生活保障 10,000.00 元'))")
    assert "6,800.00" in allocation.inner_text() and "3,200.00" in allocation.inner_text()

    page.click("text=预算执行")
    page.wait_for_selector("h1:has-text('2026年预算执行')")
    row = page.locator("tr:has(td[data-label=区划]:has-text('东阿镇'))")
    assert "6,800.00" in row.inner_text()
    assert page.locator("td[data-label=区划]:has-text('平阴县')").count() == 1
    with page.expect_download() as info:
        page.click("button:has-text('导出Excel')")
    cells = [(r[1], r[2]) for r in downloaded_rows(info.value)[1:]]
    assert ("东阿镇", "6800.00") in cells and ("平阴县", "500000.00") in cells


def test_payroll_detail_fits_a_phone(phone, live_server, pay_staff, dong_e_village, dong_e):
    _, payroll = approved_payroll(pay_staff, dong_e_village, dong_e)
    log_in(phone, live_server, pay_staff["assistant"], factories.PASSWORD)
    phone.goto(f"{live_server.url}/payments/{payroll.pk}/")
    phone.select_option("#bank", "农商银行")
    click_and_see(phone, "button:has-text('生成发放文件')", "已生成农商银行发放文件")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
