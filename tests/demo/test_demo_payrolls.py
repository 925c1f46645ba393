"""`jiuzhu demo` pays the months before today the way staff do, so the overview has trends."""

import pytest
from django.db.models import Sum

from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.dashboard.models import MonthlyFigure
from jiuzhu.funds.models import Budget
from jiuzhu.payments.models import BankAccount, LineResult, Payroll, PayrollLine, ResultStatus
from jiuzhu.verification.models import Authorisation, VerificationJob
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_two_months_of_payrolls_paid_with_accounts_results_figures_and_budgets():
    printed = run_demo(400, 5, "--paid-months=2")
    towns = Region.objects.filter(level=RegionLevel.TOWN).count()
    payrolls = Payroll.objects.all()
    assert payrolls.count() == 2 * towns and not payrolls.filter(locked=False).exists()
    assert set(payrolls.values_list("status", flat=True)) == {"approved"}
    # Three different people on each payroll: prepared, checked, approved.
    for payroll in payrolls:
        people = {payroll.prepared_by_id, payroll.checked_by_id, payroll.approved_by_id}
        assert len(people) == 3
    # Every payee has an approved account, so no line lacks one.
    assert not PayrollLine.objects.filter(account_id__isnull=True).exists()
    accounts = BankAccount.objects.values_list("created_by_id", "reviewed_by_id", "valid")
    assert accounts and all(made != reviewed and valid for made, reviewed, valid in accounts)
    failed = LineResult.objects.filter(status=ResultStatus.FAILED)
    assert failed.count() == 2  # one a month
    paid = PayrollLine.objects.exclude(result__status=ResultStatus.FAILED).aggregate(
        n=Sum("net_fen")
    )["n"]
    assert MonthlyFigure.objects.aggregate(n=Sum("amount_fen"))["n"] == paid
    assert Budget.objects.filter(level="county").count() == len(
        set(PayrollLine.objects.values_list("programme", flat=True))
    )
    assert "已发放近2个月的名册" in printed and "回盘失败 2 笔" in printed
    # The full demo also holds the records of the later pages (the phone applications).
    assert "已生成掌上办申请 6 件" in printed
    for later in ("医疗救助票据", "困难线索", "投诉举报"):
        assert f"已生成{later}" in printed
    # Department data and one finished county-wide verification (five planted findings).
    job = VerificationJob.objects.get()
    # Every household that had applied before the verification signed, and was verified.
    filed = Authorisation.objects.filter(checked_at__isnull=False, notes="演示数据：纸质原件存档")
    assert job.status == "done" and job.reports.count() == job.households_total == filed.count()
    assert job.households_total > 50
