import pytest
from django.core.cache import cache
from django.test import Client

from tests.cases.conftest import head_of, investigate, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_throttle():
    cache.clear()


def test_applicant_sees_progress_and_messages(staff, poor_household):
    from jiuzhu.cases import services

    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    page = (
        Client()
        .post(
            "/portal/progress/",
            {"case_number": case.number, "id_number": head_of(poor_household).id_number},
        )
        .content.decode()
    )
    assert "公示中" in page and "已受理" in page and "审核确认：批准" in page
    assert str(case.monthly_amount) in page
    assert staff["approver"].username not in page  # no staff names


def test_wrong_pairing_finds_nothing_and_lookups_are_throttled(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    spouse = poor_household.memberships.get(relation="spouse").person
    client = Client()
    page = client.post(
        "/portal/progress/", {"case_number": case.number, "id_number": spouse.id_number}
    )
    assert "没有找到该申请" in page.content.decode()
    for _ in range(10):
        client.post(
            "/portal/progress/", {"case_number": case.number, "id_number": spouse.id_number}
        )
    page = client.post(
        "/portal/progress/",
        {"case_number": case.number, "id_number": head_of(poor_household).id_number},
    )
    assert "查询次数过多" in page.content.decode()
