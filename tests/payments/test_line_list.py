"""A payroll's lines as a staff list: filters, sorting by a column, paging, and the Excel
export of what the filter shows (numbers as numbers, a totals row)."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jiuzhu.payments import services
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll(pay_staff, dong_e_village, dong_e):
    """东阿镇's December payroll: 甲 500.00 and 乙 200.00 with accounts, 丙 300.50 without."""
    admin = pay_staff["admin"]
    for name, amount, account in (
        ("甲", "500.00", True),
        ("乙", "200.00", True),
        ("丙", "300.50", False),
    ):
        household = make_household(admin, dong_e_village, name)
        make_recipient(admin, household, amount)
        if account:
            give_account(pay_staff["assistant"], household)
    return services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)


def _names(page: str) -> list[str]:
    return [part.split("</td>")[0] for part in page.split('<td data-label="姓名">')[1:]]


def test_lines_filter_and_sort_by_a_column(pay_staff, payroll):
    client = client_for(pay_staff["approver"])
    url = f"/payments/{payroll.pk}/lines/"
    assert _names(client.get(url).content.decode()) == ["甲", "乙", "丙"]
    by_net = client.get(url, {"sort": 8, "dir": "desc"}).content.decode()
    assert _names(by_net) == ["甲", "丙", "乙"]
    assert 'aria-sort="descending"' in by_net and "共 3 条" in by_net
    assert _names(client.get(url, {"sort": 8}).content.decode()) == ["乙", "丙", "甲"]
    no_account = client.get(url, {"problem": "no_account"}).content.decode()
    assert _names(no_account) == ["丙"] and "共 1 条" in no_account
    assert _names(client.get(url, {"q": "乙"}).content.decode()) == ["乙"]


def test_bad_list_input_is_ignored_not_an_error(pay_staff, payroll):
    client = client_for(pay_staff["approver"])
    url = f"/payments/{payroll.pk}/lines/"
    for params in ({"sort": "99"}, {"sort": "4"}, {"sort": "x"}, {"page": "abc"}, {"kind": "x"}):
        page = client.get(url, params)
        assert page.status_code == 200
        assert _names(page.content.decode()) == ["甲", "乙", "丙"]  # 4 (ID number) sorts nothing
    nothing = client.get(url, {"q": "无此人"}).content.decode()
    assert "没有符合条件的发放明细。" in nothing


def test_the_export_holds_what_the_filter_shows_with_numbers_and_totals(pay_staff, payroll):
    response = client_for(pay_staff["approver"]).get(
        f"/payments/{payroll.pk}/lines/",
        {"problem": "", "sort": 8, "dir": "desc", "format": "xlsx"},
    )
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="payroll_{payroll.pk}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    title, header, *rows, totals = sheet.iter_rows(values_only=True)
    assert title[0] == "发放名册_东阿镇_202612"
    assert header[:4] == ("参考号", "类型", "所属月份", "姓名")
    assert [(row[0], row[3], row[8]) for row in rows] == [
        (f"P{payroll.pk:06d}-0000001", "甲", 500),
        (f"P{payroll.pk:06d}-0000003", "丙", 300.5),
        (f"P{payroll.pk:06d}-0000002", "乙", 200),
    ]
    assert rows[0][2] == dt.datetime(2026, 12, 1)
    assert len(rows[0][4]) == 18 and "*" not in rows[0][4]  # a town approver sees them
    assert totals[0] == "合计（3条）" and totals[6:9] == (1000.5, 0, 1000.5)


def test_the_export_masks_id_numbers_as_the_page_does(pay_staff, payroll):
    response = client_for(pay_staff["auditor"]).get(f"/payments/{payroll.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    _, _, *rows, _ = sheet.iter_rows(values_only=True)
    assert all("*" in row[4] for row in rows)


def test_other_towns_and_roles_without_payroll_access_may_not(pay_staff, payroll):
    url = f"/payments/{payroll.pk}/lines/"
    assert client_for(pay_staff["other_approver"]).get(url).status_code == 404
    coordinator = client_for(pay_staff["coordinator"]).get(url, {"format": "xlsx"})
    assert coordinator.status_code == 404  # a village coordinator reads no payroll


@pytest.fixture
def claims(pay_staff, dong_e_village, meigui_village):
    """Two claims in 东阿镇 (30.00 for 甲, 120.00 for 乙) and one in 玫瑰镇."""
    admin, made = pay_staff["admin"], []
    for village, name, fen in (
        (dong_e_village, "甲", 3000),
        (dong_e_village, "乙", 12000),
        (meigui_village, "丁", 5000),
    ):
        household = make_household(admin, village, name)
        made.append(
            services.create_claim(
                admin, household, "dibao", dt.date(2026, 1, 1), MONTH, fen, 1000, "收入未报告"
            )
        )
    return made


def _households(page: str) -> list[str]:
    return [part.split("</a>")[0].split(">")[-1] for part in page.split('data-label="户号">')[1:]]


def test_claims_are_filtered_sorted_paged_and_exported(pay_staff, claims):
    client = client_for(pay_staff["approver"])
    numbers = [claim.household.number for claim in claims]
    page = client.get("/payments/claims/", {"sort": 4}).content.decode()
    assert _households(page) == numbers[:2] and "共 2 条" in page  # 东阿镇's only
    assert _households(
        client.get("/payments/claims/", {"sort": 4, "dir": "desc"}).content.decode()
    ) == [
        numbers[1],
        numbers[0],
    ]
    one = client.get("/payments/claims/", {"q": numbers[1]}).content.decode()
    assert _households(one) == [numbers[1]]
    assert (
        "没有符合条件的多发追回。"
        in client.get("/payments/claims/", {"status": "waived"}).content.decode()
    )
    response = client.get("/payments/claims/", {"sort": 4, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    title, header, *rows, totals = sheet.iter_rows(values_only=True)
    assert title[0] == "多发追回" and header[4] == "追回金额（元）"
    assert [(row[0], row[4], row[6]) for row in rows] == [
        (numbers[0], 30, "追回中"),
        (numbers[1], 120, "追回中"),
    ]
    assert totals[0] == "合计（2条）" and totals[4] == 150


def test_claims_list_refuses_who_may_not_read_payrolls(pay_staff, claims):
    assert client_for(pay_staff["coordinator"]).get("/payments/claims/").status_code == 404
    county = client_for(pay_staff["admin"]).get("/payments/claims/", {"page": "x"})
    assert "共 3 条" in county.content.decode()
