"""The payroll after a confirmed re-pricing: the new amount, and the arrears once."""

import datetime as dt

import pytest

from jiuzhu.cases.models import RepricingChange
from jiuzhu.cases.repricing import compute_repricing, confirm_repricing
from jiuzhu.payments import services
from jiuzhu.payments.models import LineKind, PayrollLine, Reason
from jiuzhu.policy.models import Parameter
from jiuzhu.registry.models import Relation
from tests import factories
from tests.payments.conftest import MONTH, give_account, make_recipient

pytestmark = pytest.mark.django_db

EFFECTIVE = dt.date(2026, 7, 1)


def test_next_payroll_pays_new_amount_and_arrears_once(pay_staff, dong_e_village, dong_e):
    """Standard 1,200.00 from July, confirmed in December: December pays 2,200.00 and one
    arrears line of 5 × (2,200.00 − 500.00) for July; January pays no arrears again."""
    admin = pay_staff["admin"]
    household = factories.household_with_incomes(
        admin,
        dong_e_village,
        [
            factories.born(Relation.HEAD, "赵大伯", dong_e_village, dt.date(1980, 3, 1)),
            factories.born(Relation.SPOUSE, "钱大妈", dong_e_village, dt.date(1982, 7, 9), "F"),
        ],
        (("pension", "200"),),
    )
    recipient = make_recipient(admin, household, amount="500.00")
    give_account(pay_staff["assistant"], household)
    for key in ("dibao.standard.urban", "dibao.standard.rural"):
        Parameter.objects.create(key=key, effective_from=EFFECTIVE, value="1200.00", source="测试")
    confirm_repricing(compute_repricing(EFFECTIVE, admin, computed=MONTH), admin)
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    lines = PayrollLine.objects.filter(payroll=payroll).order_by("line_no")
    assert [(line.kind, line.for_month, line.amount_fen, line.reason) for line in lines] == [
        (LineKind.REGULAR, MONTH, 220000, Reason.DECIDED),
        (LineKind.ARREARS, EFFECTIVE, 850000, Reason.STANDARD_CHANGE),
    ]
    assert all(line.recipient_id == recipient.pk for line in lines)
    assert payroll.total_fen == 1070000
    assert RepricingChange.objects.get().arrears_paid_month == MONTH
    services.check_payroll(pay_staff["approver"], payroll)
    services.approve_payroll(pay_staff["approver"], payroll)
    january = services.prepare_payroll(pay_staff["assistant"], dt.date(2027, 1, 1), dong_e)
    assert list(PayrollLine.objects.filter(payroll=january).values_list("kind", "amount_fen")) == [
        (LineKind.REGULAR, 220000)
    ]
