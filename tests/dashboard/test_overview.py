"""The overview: figures refreshed from locked payrolls, pages per area, drill-down, Excel."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from jiuzhu.cases.models import Case
from jiuzhu.core.models import RegionLevel
from jiuzhu.core.roles import Role
from jiuzhu.dashboard import figures, services
from jiuzhu.dashboard.models import CaseFigure, MonthlyFigure, RefreshedMonth, RegisteredPopulation
from jiuzhu.payments import files
from jiuzhu.payments import services as payments
from jiuzhu.payments.models import PayrollLine, line_ref
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db


def _approve(staff, town, capture):
    payroll = payments.prepare_payroll(staff["assistant"], MONTH, town)
    payments.check_payroll(staff["approver"], payroll)
    with capture(execute=True):  # the refresh is queued when the approval commits
        return payments.approve_payroll(staff["approver"], payroll)


@pytest.fixture
def paid(pay_staff, dong_e, dong_e_village, meigui_village, django_capture_on_commit_callbacks):
    """Three dibao households in 东阿村 (100, 200 and 300.50 a month, two persons each) and
    a tekun household in 玫瑰村; 东阿镇's December payroll approved."""
    admin = pay_staff["admin"]
    for name, amount in (("甲", "100.00"), ("乙", "200.00"), ("丙", "300.50")):
        household = make_household(admin, dong_e_village, name)
        make_recipient(admin, household, amount)
        give_account(pay_staff["assistant"], household)
    make_recipient(admin, make_household(admin, meigui_village, "丁"), "400.00", programme="tekun")
    return _approve(pay_staff, dong_e, django_capture_on_commit_callbacks)


def _figures():
    return sorted(
        MonthlyFigure.objects.values_list(
            "month", "region_code", "programme", "recipients", "households", "persons", "amount_fen"
        )
    )


def test_an_approval_refreshes_its_town_month(paid, dong_e_village):
    assert _figures() == [(MONTH, dong_e_village.code, "dibao", 3, 3, 6, 60050)]
    refreshed = RefreshedMonth.objects.get()
    assert refreshed.payrolls == {"payrolls": [paid.pk], "results": ""}
    assert figures.stale_town_months() == []


def test_failed_bank_results_leave_the_amount_but_not_the_recipients(
    paid, pay_staff, dong_e_village, django_capture_on_commit_callbacks
):
    made = files.make_payment_file(pay_staff["assistant"], paid, "农商银行", "csv")
    lines = PayrollLine.objects.of_payroll(paid.pk).order_by("line_no")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(files.RESULT_HEADER)
    for line in lines:
        failed = line.net_fen == 20000
        writer.writerow(
            [
                line_ref(paid.pk, line.line_no),
                "",
                f"{line.net_fen / 100:.2f}",
                "失败" if failed else "成功",
                "账户冻结" if failed else "",
            ]
        )
    with django_capture_on_commit_callbacks(execute=True):
        files.import_results(pay_staff["assistant"], made, "r.csv", out.getvalue().encode())
    assert _figures() == [(MONTH, dong_e_village.code, "dibao", 3, 3, 6, 40050)]
    assert figures.stale_town_months() == []


def test_the_nightly_run_finds_what_changed_and_a_rerun_changes_nothing(paid, dong_e):
    MonthlyFigure.objects.all().delete()
    RefreshedMonth.objects.all().delete()
    assert figures.stale_town_months() == [(MONTH, dong_e.code)]
    assert figures.refresh() == {"town_months": 1, "rows": 1, "case_rows": 0}
    before = _figures()
    assert figures.refresh() == {"town_months": 0, "rows": 0, "case_rows": 0}
    assert _figures() == before


def test_the_county_overview_shows_towns_programmes_and_trend(paid, pay_staff, dong_e):
    page = client_for(pay_staff["admin"]).get("/overview/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "平阴县统计概览（2026年12月）" in text
    assert '<strong id="kpi-persons">6</strong>' in text
    assert '<strong id="kpi-amount">600.50 元</strong>' in text
    assert f'href="/overview/?region={dong_e.code}">东阿镇</a>' in text
    assert "echarts-6.1.0.common.min.js" in text
    data = text.split('id="overview-charts" type="application/json">')[1]
    charts = json.loads(data.split("</script>")[0])
    assert charts["programmes"] == {
        "labels": ["最低生活保障"],
        "persons": [6],
        "amounts": [600.5],
    }
    assert charts["trend"]["labels"][-1] == "2026年12月" and len(charts["trend"]["labels"]) == 24
    assert charts["trend"]["persons"][-2:] == [0, 6]
    assert dict(zip(charts["regions"]["labels"], charts["regions"]["persons"], strict=True)) == {
        "东阿镇": 6,
        "玫瑰镇": 0,
    }


def test_drill_down_from_town_to_village_to_its_recipients(paid, pay_staff, dong_e, dong_e_village):
    client = client_for(pay_staff["admin"])
    town = client.get(f"/overview/?region={dong_e.code}").content.decode()
    assert "东阿镇统计概览" in town and f"?region={dong_e_village.code}" in town
    village = client.get(f"/overview/?region={dong_e_village.code}").content.decode()
    assert "东阿村救助对象" in village and "共 3 条" in village
    for name, amount in (("甲", "100.00"), ("乙", "200.00"), ("丙", "300.50")):
        assert f'<td data-label="申请人">{name}</td>' in village
        assert f'class="num">{amount}</td>' in village


def test_each_table_downloads_as_excel_with_numbers_and_totals(paid, pay_staff):
    response = client_for(pay_staff["admin"]).get("/overview/?table=regions")
    assert response["Content-Disposition"] == 'attachment; filename="overview_regions.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert rows[1] == ("镇（街道）", "救助对象（个）", "户数", "人数", "发放金额（元）")
    assert rows[2] == ("东阿镇", 3, 3, 6, 600.5)
    assert rows[3] == ("玫瑰镇", 0, 0, 0, 0)
    assert rows[-1] == ("合计", 3, 3, 6, 600.5)
    assert client_for(pay_staff["admin"]).get("/overview/?table=nonsense").status_code == 404


def test_the_monthly_statistical_report_splits_urban_and_rural(paid, pay_staff):
    response = client_for(pay_staff["admin"]).get("/overview/report.xlsx?month=2026-12")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert rows[0][0] == "平阴县社会救助统计月报（2026年12月）"
    assert rows[2] == ("最低生活保障", 0, 0, 0, 3, 6, 600.5, 3, 6, 600.5)
    assert rows[-1] == ("合计", 0, 0, 0, 3, 6, 600.5, 3, 6, 600.5)
    bad = client_for(pay_staff["admin"]).get("/overview/report.xlsx?month=12月", follow=True)
    assert "月份格式应为 YYYY-MM" in bad.content.decode()


def test_staff_see_only_their_area(paid, pay_staff, meigui, dong_e_village):
    other = client_for(pay_staff["other_assistant"])  # 玫瑰镇
    assert other.get(f"/overview/?region={dong_e_village.code}").status_code == 404
    own = other.get("/overview/").content.decode()
    assert "玫瑰镇统计概览" in own and "600.50" not in own
    coordinator = client_for(pay_staff["coordinator"])  # 东阿村
    assert "东阿村救助对象" in coordinator.get("/overview/").content.decode()
    assert coordinator.get(f"/overview/?region={meigui.code}").status_code == 404
    officer = factories.user(Role.DEPARTMENT_OFFICER, factories.county(), username="dept")
    assert client_for(officer).get("/overview/").status_code == 404


def test_coverage_against_the_registered_population(paid, pay_staff):
    county = factories.county()
    client = client_for(pay_staff["admin"])
    client.post(f"/overview/population/?region={county.code}", {"persons": "3,000", "year": "2025"})
    assert RegisteredPopulation.objects.get().persons == 3000
    text = client.get("/overview/").content.decode()
    assert "0.20%" in text and "户籍人口 3,000 人（2025年）" in text


@pytest.mark.parametrize(
    ("persons", "year", "message"),
    [
        ("三千", "2025", "户籍人口应为整数"),
        ("0", "2025", "户籍人口应在 1 到 2 亿之间"),
        ("3000", "1999", "统计年度应在 2000 年到 2100 年之间"),
    ],
)
def test_a_wrong_population_is_refused_in_chinese(pay_staff, persons, year, message):
    county = factories.county()
    page = client_for(pay_staff["admin"]).post(
        f"/overview/population/?region={county.code}",
        {"persons": persons, "year": year},
        follow=True,
    )
    assert message in page.content.decode()
    assert not RegisteredPopulation.objects.exists()


def test_only_a_county_administrator_sets_the_population(pay_staff, dong_e):
    assert (
        client_for(pay_staff["assistant"])
        .post(f"/overview/population/?region={dong_e.code}", {"persons": "5", "year": "2025"})
        .status_code
        == 404
    )
    with pytest.raises(PermissionError):
        services.set_population(pay_staff["auditor"], dong_e, "5", "2025")
    assert not RegisteredPopulation.objects.exists()
    assert dong_e.level == RegionLevel.TOWN


def test_timeliness_counts_decisions_in_time_and_advance_aid_within_24_hours(
    pay_staff, dong_e_village
):
    admin = pay_staff["admin"]
    now = timezone.now()
    today = timezone.localdate()
    cases = []
    for name in ("甲", "乙", "丙", "丁"):
        cases.append(make_recipient(admin, make_household(admin, dong_e_village, name)).case)
    # Two decided: one on its due date, one two days late.
    Case.objects.filter(pk=cases[0].pk).update(decided_at=now, decision_due=today)
    Case.objects.filter(pk=cases[1].pk).update(
        decided_at=now, decision_due=today - dt.timedelta(days=2)
    )
    # Two advance-aid cases: one granted in time, one still waiting past its 24 hours.
    for case, decided in ((cases[2], now), (cases[3], None)):
        Case.objects.filter(pk=case.pk).update(
            advance_for=cases[0], advance_due_at=now + dt.timedelta(hours=1), decided_at=decided
        )
    out = io.StringIO()
    call_command("refresh_overview", stdout=out, stderr=io.StringIO())
    assert "近13个月的办理时效统计 1 行" in out.getvalue()
    row = CaseFigure.objects.get()
    assert (row.decided, row.decided_in_time, row.advance, row.advance_in_time) == (2, 1, 2, 1)
    page = client_for(admin).get("/overview/").content.decode()
    assert "1 / 2 件在15个工作日内办结" in page and "50.00%" in page


def test_a_village_list_sorts_by_a_column_and_exports_what_it_shows(
    paid, pay_staff, dong_e_village, data_dir
):
    client = client_for(pay_staff["admin"])
    base = f"/overview/?region={dong_e_village.code}"
    page = client.get(f"{base}&sort=5&dir=desc").content.decode()
    assert page.index("300.50") < page.index("200.00") < page.index("100.00")
    assert 'aria-sort="descending"' in page and "共 3 条" in page
    ascending = client.get(f"{base}&sort=5").content.decode()
    assert ascending.index("100.00") < ascending.index("300.50")
    # A sort the list does not offer is ignored, not an error.
    assert client.get(f"{base}&sort=99&dir=desc").status_code == 200
    response = client.get(f"{base}&sort=5&dir=desc&format=xlsx")
    content = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].values)
    assert rows[0][0] == "平阴县东阿镇东阿村救助对象"
    assert [r[1] for r in rows[2:5]] == ["丙", "乙", "甲"]
    assert rows[2][4:6] == (2, 300.5) and rows[-1][0] == "合计（3条）"
    assert rows[-1][4:6] == (6, 600.5)
    assert not list((data_dir / "tmp").iterdir())  # nothing left on disk


def test_a_household_with_two_recipients_counts_once(
    pay_staff, dong_e, dong_e_village, django_capture_on_commit_callbacks
):
    """Husband and wife each a recipient of their own (one person each): two recipients,
    one household; another household's one recipient makes a second household."""
    admin = pay_staff["admin"]
    household = make_household(admin, dong_e_village, "戊")
    for membership in household.memberships.all():
        recipient = make_recipient(admin, household, "300.00")
        recipient.person = membership.person
        recipient.save()
    make_recipient(admin, make_household(admin, dong_e_village, "己"), "100.00")
    payroll = _approve(pay_staff, dong_e, django_capture_on_commit_callbacks)
    marked = PayrollLine.objects.of_payroll(payroll.pk).filter(household_first=True)
    assert marked.count() == 2
    # (the amount is not this test's: the payees have no bank accounts here)
    assert [row[:6] for row in _figures()] == [(MONTH, dong_e_village.code, "dibao", 3, 2, 6)]
