"""The demo county holds a re-pricing waiting for the county administrator."""

import pytest

from jiuzhu.cases.models import Recipient, Repricing
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_computes_a_repricing_to_confirm():
    out = run_demo(300, 5)
    run = Repricing.objects.get()
    assert run.state == Repricing.State.COMPUTED
    assert (
        run.recipients
        == Recipient.objects.filter(programme="dibao", status="active", person__isnull=True).count()
    )
    assert run.recipients > 0
    assert f"已按最新低保标准重新测算在保家庭 {run.recipients:,} 户" in out
