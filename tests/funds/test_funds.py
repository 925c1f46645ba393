import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.funds import formulas, selectors, services
from jiuzhu.funds.models import Budget
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


def test_allocate_writes_town_budgets(pay_staff, village, other_village, dong_e, meigui):
    admin = pay_staff["admin"]
    for _ in range(3):
        make_recipient(admin, make_household(admin, village))
    make_recipient(admin, make_household(admin, other_village, "玫瑰"))
    with pytest.raises(DomainError, match="未录入财力薄弱指数"):
        services.allocate(admin, 2026, "dibao", 1_000_000)
    services.set_fiscal_index(admin, 2026, dong_e, "0.2")
    services.set_fiscal_index(admin, 2026, meigui, "0.8")
    with pytest.raises(DomainError):
        services.set_fiscal_index(admin, 2026, meigui, "1.5")
    allocation = services.allocate(admin, 2026, "dibao", 1_000_000)
    lines = {line.town_id: line.amount_fen for line in allocation.lines.all()}
    # 0.6 × 3/4 + 0.4 × 0.2 = 0.53 for 东阿; 0.6 × 1/4 + 0.4 × 0.8 = 0.47 for 玫瑰.
    assert lines == {dong_e.pk: 530_000, meigui.pk: 470_000}
    assert Budget.objects.get(year=2026, programme="dibao", region=meigui).amount_fen == 470_000
    with pytest.raises(PermissionError):
        services.allocate(pay_staff["assistant"], 2026, "dibao", 1)


def test_execution_budget_vs_paid_with_run_out_warning(pay_staff, village, dong_e):
    admin = pay_staff["admin"]
    hh = make_household(admin, village)
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
    assert client_for(pay_staff["approver"]).get("/funds/?year=2026&format=xlsx").status_code == 200
    assert client_for(pay_staff["approver"]).get("/funds/budgets/").status_code == 404
    assert selectors.execution(pay_staff["other_assistant"], 2026, MONTH) == []
