"""The cross-county page as a staff list: in the menu, paged, sorted, exported as filtered."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from jiuzhu.core.roles import Role
from tests import factories
from tests.api.sharing_data import build
from tests.api.test_exchange import provincial_file
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(dong_e_village, rose_village, tmp_path):
    """王建国 listed by two other counties in June: two matches."""
    made = build(dong_e_village, rose_village)
    head = factories.head_of(made.wang)
    path = provincial_file(
        tmp_path,
        [
            [head.id_number, "王建国", "370102", "dibao", "2026-06"],
            [head.id_number, "王建国", "370103", "tekun", "2026-06"],
        ],
    )
    call_command(
        "import_provincial_list", str(path), "--user", made.admin.username, stdout=io.StringIO()
    )
    return made


def test_the_page_is_in_the_menu_sorted_paged_and_exported(world):
    client = client_for(world.admin)
    home = client.get("/").content.decode()
    assert 'href="/exchange/cross-county/"' in home and "跨县重复核查" in home
    page = client.get("/exchange/cross-county/", {"sort": 6, "dir": "desc"}).content.decode()
    assert page.index("370103") < page.index("370102") and "共 2 条" in page
    tekun = client.get(
        "/exchange/cross-county/", {"programme": "dibao", "page": "x"}
    ).content.decode()
    assert "共 2 条" in tekun  # the programme here is dibao for both
    response = client.get("/exchange/cross-county/", {"sort": 6, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    title, header, *rows, totals = sheet.iter_rows(values_only=True)
    assert title[0] == "跨县重复享受" and header[5] == "月份"
    assert [(row[0], row[5], row[6], row[7]) for row in rows] == [
        ("王建国", dt.datetime(2026, 6, 1), "370102", "最低生活保障"),
        ("王建国", dt.datetime(2026, 6, 1), "370103", "特困人员救助供养"),
    ]
    assert "*" in rows[0][1] or len(rows[0][1]) == 18
    assert totals[0] == "合计（2条）"


def test_other_towns_see_none_and_a_department_officer_may_not(world, rose):
    other = client_for(factories.user(Role.TOWN_ASSISTANT, rose)).get(
        "/exchange/cross-county/", {"format": "xlsx"}
    )
    _, _, totals = load_workbook(io.BytesIO(b"".join(other.streaming_content))).active.iter_rows(
        values_only=True
    )
    assert totals[0] == "合计（0条）"
    department = factories.user(Role.DEPARTMENT_OFFICER, factories.county())
    assert client_for(department).get("/exchange/cross-county/").status_code == 404
