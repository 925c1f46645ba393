"""The demo county has duplicate pairs (both kinds, one flagged) and staff alerts."""

import pytest

from jiuzhu.core.models import User
from jiuzhu.demo.duplicates import seed_demo
from jiuzhu.oversight.models import StaffAlert
from jiuzhu.registry.models import DuplicatePair, RegisteredElsewhere
from tests.conftest import client_for
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_plants_duplicates_and_alerts():
    run_demo(300, 5)
    done = seed_demo()
    reasons = sorted(DuplicatePair.objects.values_list("reason", flat=True))
    assert reasons == ["name_birth", "name_birth", "one_digit", "one_digit"]
    assert done.pairs == 4 and done.flagged == 1 == RegisteredElsewhere.objects.count()
    # Cases of the 300-household county near their decision date, for their towns' staff.
    assert done.alerts == 32 == StaffAlert.objects.filter(kind="deadline").count()
    admin = User.objects.get(username="county_admin")
    page = client_for(admin).get("/households/duplicates/").content.decode()
    assert page.count("比较</a>") == 4 and "外县已登记" in page
