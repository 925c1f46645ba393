"""The demo county holds a re-pricing waiting for the county administrator."""

import pytest

from jiuzhu.cases.models import Recipient, Repricing
from jiuzhu.cases.repricing import REPRICED
from jiuzhu.demo.repricing import seed_demo
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_computes_a_repricing_to_confirm():
    run_demo(300, 5)
    run = seed_demo()
    assert run is not None and run.state == Repricing.State.COMPUTED
    assert run.created_by is not None and run.created_by.role == "county_admin"
    current = Recipient.objects.filter(programme__in=REPRICED, status="active")
    assert run.recipients == current.count() > 0
    assert Repricing.objects.get() == run
