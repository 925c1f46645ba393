"""Education aid in the browser: the town opens the new term's list, ticks the son of an
edge household (income between the dibao line and its multiple), the family's signed
commitment is uploaded and the application accepted, the approver decides, and the term's
amount is one line of the next month's payroll (figures: tests/cases/test_education_aid.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Case
from jiuzhu.outreach import monitoring
from jiuzhu.payments import services as payments
from tests import factories
from tests.cases.conftest import set_today
from tests.cases.test_education_aid import mother_and_son
from tests.e2e.conftest import log_in
from tests.e2e.test_cases_browser import act
from tests.payments.conftest import give_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def investigated(case: Case, assistant) -> None:
    """The investigation of an accepted case, with its home visit."""
    services.start_investigation(assistant, case, case.version)
    services.record_home_visit(
        assistant,
        case,
        case.version,
        services.HomeVisitInput(
            visited_on=timezone.localdate(),
            second_staff="李协理员",
            findings="母子二人，孩子在读初一。",
            checklist={"members_confirmed": True, "housing_checked": True},
            household_signed=True,
        ),
    )
    services.complete_investigation(assistant, case, case.version)


def test_the_new_terms_list_to_the_payroll_line(
    page, live_server, staff, dong_e_village, dong_e, monkeypatch
):
    set_today(monkeypatch, dt.date(2026, 9, 10))
    family = mother_and_son(staff["admin"], dong_e_village, "2000")  # an edge household
    assert monitoring.refresh_list(staff["admin"], timezone.localdate()) == (1, 0)
    give_account(staff["admin"], family, number="6221000055556666")

    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/outreach/education/?term=2026-09-01")
    row = page.locator("tbody tr", has_text="钱小东")
    cells = row.locator("td").all_inner_texts()
    assert [cells[2], cells[3], cells[5]] == ["钱小东", "12岁", "低保边缘家庭"]
    assert row.locator("select").input_value() == "junior"  # suggested by age, 初中
    assert "钱秀兰" not in page.inner_text("tbody")  # the mother is past school age
    page.check("input[aria-label='确认钱小东']")
    page.click("button:has-text('为所选学生登记申请')")
    page.wait_for_selector(".messages >> text=已为1名学生登记2026年秋季学期教育救助申请。")
    case = Case.objects.get(programme="education")
    assert (case.status, case.school_stage, case.school_term) == (
        "submitted",
        "junior",
        dt.date(2026, 9, 1),
    )

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.select_option("select[name=kind]", "commitment")
    page.set_input_files(
        "input[name=documents]",
        files=[{"name": "承诺书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 signed"}],
    )
    page.click("button:has-text('上传')")
    page.wait_for_selector(".messages >> text=已上传1个文件。")
    act(page, "accept")
    case.refresh_from_db()
    assert case.status == "accepted"
    investigated(case, staff["assistant"])
    page.click("text=退出")

    log_in(page, live_server, staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    act(page, "approve")
    case.refresh_from_db()
    assert (case.status, str(case.one_off_amount)) == ("in_force", "625.00")

    payroll = payments.prepare_payroll(staff["assistant"], dt.date(2026, 10, 1), dong_e)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/lines/")
    line = page.locator("tbody tr", has_text="教育救助")
    assert line.count() == 1
    assert "钱秀兰" in line.inner_text() and "625.00" in line.inner_text()
