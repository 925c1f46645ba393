import pytest

from jiuzhu.demo.medical import seed_demo
from jiuzhu.demo.payrolls import pay_history
from jiuzhu.medical.models import Bill, BillStatus, PaymentBatch
from tests.demo.helpers import AS_OF, run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_medical_pages():
    run_demo(1200, 5)
    pay_history(1, progress=False)  # the payees have accounts, as in the full demo
    assert seed_demo(1, today=AS_OF) == 5
    bills = list(Bill.objects.order_by("discharged_on", "pk"))
    # 8,600 → 6,450; 36,000 × 75 % = 27,000 but only 23,550 of the 30,000 cap is left.
    assert [b.amount_fen for b in bills[:2]] == [645_000, 2_355_000]
    assert "（已达年度限额）" in bills[1].explanation
    assert [b.status for b in bills[2:]] == [
        BillStatus.PAID,
        BillStatus.PROPOSED,
        BillStatus.SETTLED,
    ]
    assert bills[4].one_stop and bills[4].amount_fen == 240_000  # 3,200 × 75 %
    paid = Bill.objects.filter(status=BillStatus.PAID)
    assert sum(b.rows for b in PaymentBatch.objects.all()) == paid.count()
