import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from openpyxl import load_workbook

from jiuzhu.core.errors import DomainError
from jiuzhu.funds import formulas, selectors, services
from jiuzhu.funds.models import Allocation, Budget, TownFiscalIndex
from jiuzhu.payments import services as pay
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db


def test_allocation_formula_favours_weak_towns_and_adds_up():
    w = formulas.weights([50, 50], [Decimal("0.2"), Decimal("0.8")], Decimal("0.6"), Decimal("0.4"))
    assert w == [Decimal("0.38"), Decimal("0.62")]
    amounts = formulas.split(100_001, w)
    assert sum(amounts) == 100_001 and amounts[1] > amounts[0]
    # Recipients only: weakness weight 0 → shares follow recipients exactly.
    assert formulas.split(
        300, formulas.weights([1, 2], [Decimal(1), Decimal(0)], Decimal(1), Decimal(0))
    ) == [100, 200]
    assert formulas.split(0, w) == [0, 0]


def test_allocate_writes_town_budgets(pay_staff, dong_e_village, meigui_village, dong_e, meigui):
    admin = pay_staff["admin"]
    for _ in range(3):
        make_recipient(admin, make_household(admin, dong_e_village))
    make_recipient(admin, make_household(admin, meigui_village, "玫瑰"))
    with pytest.raises(DomainError, match="未录入财力薄弱指数"):
        services.allocate(admin, 2026, "dibao", 1_000_000)
    services.set_fiscal_index(admin, 2026, dong_e, "0.2")
    services.set_fiscal_index(admin, 2026, meigui, "0.8")
    with pytest.raises(DomainError, match=r"^财力薄弱指数应为0到1之间的小数。$"):
        services.set_fiscal_index(admin, 2026, meigui, "1.5")
    assert TownFiscalIndex.objects.get(year=2026, town=meigui).weakness == Decimal("0.8")
    allocation = services.allocate(admin, 2026, "dibao", 1_000_000)
    lines = {line.town_id: line.amount_fen for line in allocation.lines.all()}
    # 0.6 × 3/4 + 0.4 × 0.2 = 0.53 for 东阿; 0.6 × 1/4 + 0.4 × 0.8 = 0.47 for 玫瑰.
    assert lines == {dong_e.pk: 530_000, meigui.pk: 470_000}
    assert Budget.objects.get(year=2026, programme="dibao", region=meigui).amount_fen == 470_000
    with pytest.raises(PermissionError, match=r"^无权管理预算与县级补助分配。$"):
        services.allocate(pay_staff["assistant"], 2026, "dibao", 1)
    assert Allocation.objects.count() == 1 and Budget.objects.count() == 2


def test_execution_budget_vs_paid_with_run_out_warning(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh, "1000.00")
    give_account(pay_staff["assistant"], hh)
    for month in (dt.date(2026, 10, 1), dt.date(2026, 11, 1)):
        payroll = pay.prepare_payroll(pay_staff["assistant"], month, dong_e)
        pay.check_payroll(pay_staff["approver"], payroll)
        pay.approve_payroll(pay_staff["approver"], payroll)
    services.set_budget(admin, 2026, "dibao", dong_e, 250_000)
    [line] = selectors.execution(pay_staff["approver"], 2026, MONTH)
    assert line.months[9] == line.months[10] == 100_000 and line.paid == 200_000
    assert line.run_rate == 100_000 and line.projected == 300_000
    assert line.projected > 250_000 and "预算不足" in line.warning
    page = client_for(pay_staff["approver"]).get("/funds/?year=2026")
    assert "预算不足" in page.content.decode()
    export = client_for(pay_staff["approver"]).get("/funds/?year=2026&format=xlsx")
    header, row = load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
    assert header[:3] == ("项目", "区划", "预算") and header[-4:] == (
        "已支出",
        "余额",
        "预计全年",
        "预警",
    )
    assert row[:3] == ("最低生活保障", dong_e.name, "2500.00")
    assert row[12:14] == ("1000.00", "1000.00")  # October and November
    assert row[-4:-1] == ("2000.00", "500.00", "3000.00") and "预算不足" in row[-1]
    assert client_for(pay_staff["approver"]).get("/funds/budgets/").status_code == 404
    assert selectors.execution(pay_staff["other_assistant"], 2026, MONTH) == []


def test_budgets_page_says_why_a_step_is_refused_and_writes_nothing(pay_staff, dong_e):
    client = client_for(pay_staff["admin"])
    refused = client.post(
        "/funds/budgets/",
        {"action": "index", "year": "2026", "town": dong_e.code, "weakness": "2"},
        follow=True,
    )
    said = [str(message) for message in get_messages(refused.wsgi_request)]
    assert said == ["财力薄弱指数应为0到1之间的小数。"]
    assert not TownFiscalIndex.objects.exists()
    saved = client.post(
        "/funds/budgets/",
        {
            "action": "budget",
            "year": "2026",
            "programme": "dibao",
            "region": dong_e.code,
            "amount": "1234.50",
        },
        follow=True,
    )
    assert [str(message) for message in get_messages(saved.wsgi_request)] == ["预算已保存。"]
    assert Budget.objects.get(year=2026, region=dong_e).amount_fen == 123_450


def test_execution_counts_what_reached_recipients_and_says_what_did_not(
    pay_staff, dong_e_village, dong_e
):
    admin, approver = pay_staff["admin"], pay_staff["approver"]
    with_account, without = (
        make_household(admin, dong_e_village, "甲"),
        make_household(admin, dong_e_village, "乙"),
    )
    make_recipient(admin, with_account, "1000.00")
    make_recipient(admin, without, "250.00")
    give_account(pay_staff["assistant"], with_account)
    services.set_budget(admin, 2026, "dibao", dong_e, 1_000_000)
    payroll = pay.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    pay.check_payroll(approver, payroll)
    pay.approve_payroll(approver, payroll)
    [line] = selectors.execution(approver, 2026, MONTH)
    assert line.months[11] == line.paid == 100_000
    assert selectors.not_paid(approver, 2026) == 25_000
    assert selectors.not_paid(pay_staff["other_approver"], 2026) == 0
    page = client_for(approver).get("/funds/?year=2026").content.decode()
    assert "有 250.00 元因没有发放账户或被银行退回而未发到救助对象手中" in page
    assert "1,000.00" in page
    # Once the account is recorded and the re-issue prepared, the warning goes.
    give_account(pay_staff["assistant"], without)
    pay.prepare_reissue(pay_staff["assistant"], dong_e, MONTH)
    assert selectors.not_paid(approver, 2026) == 0
