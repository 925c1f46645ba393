import pytest

from jiuzhu.cooperation.models import (
    ApplicationStatus,
    CharityGift,
    CharityProject,
    DepartmentApplication,
)
from jiuzhu.core.models import User
from jiuzhu.demo.cooperation import seed_demo
from tests.conftest import client_for
from tests.demo.helpers import AS_OF, run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_charity_and_department_pages():
    run_demo(300, 5)
    seeded = seed_demo(today=AS_OF)
    assert (seeded.projects, seeded.referrals, seeded.gifts, seeded.applications) == (2, 1, 1, 1)
    assert sorted(CharityProject.objects.values_list("funds_fen", flat=True)) == [
        8_000_000,
        19_700_000,
    ]
    gift = CharityGift.objects.get()
    assert gift.amount_fen == 300_000
    application = DepartmentApplication.objects.get()
    assert application.status == ApplicationStatus.DISPATCHED
    handler = User.objects.get(username="dept_handler")
    page = client_for(handler).get(f"/cooperation/applications/{application.pk}/")
    assert "户主失业，申请公益性岗位。" in page.content.decode()
    household_page = client_for(gift.recorded_by).get(f"/households/{gift.referral.household_id}/")
    assert "给付资金 3,000.00 元 住院费用资助" in household_page.content.decode()
