"""The access log as a staff list: sorted by a column, paged, exported as filtered."""

import io

import pytest
from openpyxl import load_workbook

from jiuzhu.core.roles import Role
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def dong_e_household(dong_e_village, county_admin):
    return factories.household(county_admin, dong_e_village)


@pytest.fixture
def logged(dong_e_assistant, dong_e_household, county_admin):
    """孙助理 opened the household twice, the county administrator (王主任) once."""
    dong_e_assistant.last_name, dong_e_assistant.first_name = "孙", "助理"
    dong_e_assistant.save()
    county_admin.last_name, county_admin.first_name = "王", "主任"
    county_admin.save()
    for user in (dong_e_assistant, county_admin, dong_e_assistant):
        client_for(user).get(f"/households/{dong_e_household.pk}/")
    return factories.user(Role.AUDITOR, factories.county())


def _staff(page: str) -> list[str]:
    return [part.split("</td>")[0] for part in page.split('<td data-label="工作人员">')[1:]]


def test_the_log_sorts_by_staff_and_exports_what_the_filter_shows(
    logged, dong_e_assistant, dong_e_household
):
    client = client_for(logged)
    assert _staff(client.get("/core/access-log/").content.decode()) == [
        "孙助理",
        "王主任",
        "孙助理",
    ]
    by_name = client.get("/core/access-log/", {"sort": 1, "dir": "desc"}).content.decode()
    assert _staff(by_name) == ["王主任", "孙助理", "孙助理"]
    response = client.get("/core/access-log/", {"staff": dong_e_assistant.pk, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    title, header, *rows, totals = sheet.iter_rows(values_only=True)
    assert title[0] == "访问日志"
    assert header == ("时间", "工作人员", "岗位", "方式", "对象", "户号", "IP地址")
    assert [row[1:6] for row in rows] == [
        ("孙助理", "乡镇助理员", "页面", "家庭档案", dong_e_household.number)
    ] * 2
    assert totals[0] == "合计（2条）"


def test_bad_sort_and_page_are_ignored_and_others_may_not(logged, dong_e_assistant):
    client = client_for(logged)
    for params in ({"sort": "5"}, {"sort": "-1"}, {"page": "999"}, {"dir": "x"}):
        page = client.get("/core/access-log/", params)
        assert page.status_code == 200 and "共 3 条" in page.content.decode()
    assert (
        client_for(dong_e_assistant).get("/core/access-log/", {"format": "xlsx"}).status_code == 404
    )
