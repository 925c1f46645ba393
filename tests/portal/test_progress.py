import pytest
from django.core.cache import cache
from django.test import Client

from jiuzhu.cases import services
from jiuzhu.core.money import format_yuan
from tests.cases.conftest import investigate, submit
from tests.factories import head_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_throttle():
    cache.clear()


def test_applicant_sees_progress_and_messages(staff, poor_household):
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
    assert "<dd><strong>公示中</strong></dd>" in page
    assert "<dt>办理单位</dt><dd>东阿镇</dd>" in page
    assert f"<dt>月救助金额</dt><dd>{format_yuan(case.monthly_amount, fen=False)} 元</dd>" in page
    assert "已受理" in page and "审核确认：批准" in page
    # No staff names, and no other member of the household.
    for who in ("assistant", "approver"):
        assert staff[who].username not in page
    assert "刘大娘" not in page


def test_wrong_pairing_finds_nothing_and_lookups_are_throttled(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    spouse = poor_household.memberships.get(relation="spouse").person
    client = Client()
    page = client.post(
        "/portal/progress/", {"case_number": case.number, "id_number": spouse.id_number}
    )
    assert "没有找到该申请，请核对申请编号和身份证号。" in page.content.decode()
    assert 'id="progress"' not in page.content.decode()
    for _ in range(10):
        client.post(
            "/portal/progress/", {"case_number": case.number, "id_number": spouse.id_number}
        )
    page = client.post(
        "/portal/progress/",
        {"case_number": case.number, "id_number": head_of(poor_household).id_number},
    )
    # Even the right pairing is refused once the address has used its lookups.
    assert "查询次数过多，请10分钟后再试。" in page.content.decode()
    assert 'id="progress"' not in page.content.decode()


def test_lookups_of_one_case_are_limited_from_any_address(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    wrong = {"case_number": case.number, "id_number": head_of(poor_household).id_number[:-1] + "0"}
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n}").post("/portal/progress/", wrong)
    right = {"case_number": case.number, "id_number": head_of(poor_household).id_number}
    page = Client(REMOTE_ADDR="10.0.0.9").post("/portal/progress/", right).content.decode()
    assert "查询次数过多，请10分钟后再试。" in page
