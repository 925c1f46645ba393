"""The approver sees the policy engine's calculation, stored when the investigation ends, on
the case page above the decision: an ineligible household shows at the start, not first at
the approve button. A review computes with the standards of the month it takes effect."""

import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.cases import services
from jiuzhu.cases.models import Status
from jiuzhu.registry.models import Relation
from tests import factories
from tests.cases.conftest import in_force, investigate, set_today, submit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)  # next month's rural standard: 884 (2024)


def _page(staff, case) -> str:
    return client_for(staff["approver"]).get(f"/cases/{case.pk}/").content.decode()


def test_the_calculation_is_stored_and_shown_before_the_decision(
    staff, poor_household, monkeypatch
):
    set_today(monkeypatch, TODAY)
    case = submit(staff["assistant"], poor_household)
    assert case.explanation == {} and 'id="calculation"' not in _page(staff, case)
    investigate(case, staff["assistant"], staff["coordinator"])
    assert case.status == Status.DECIDING
    case.refresh_from_db()
    assert case.explanation["month"] == "2026-04-01"
    page = _page(staff, case)
    assert (
        '<div class="card" id="calculation"><h2>计算说明</h2>\n'
        "<p><strong>符合条件</strong>：符合低保条件，每月1,744.80元</p>"
    ) in page
    assert "<h3>收入核算</h3>" in page
    assert page.index('id="calculation"') < page.index("<h2>办理</h2>")


def test_an_ineligible_household_shows_before_the_approve_button(
    staff, dong_e_village, county_admin, monkeypatch
):
    set_today(monkeypatch, TODAY)
    earner = factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [factories.born(Relation.HEAD, "赵大", dong_e_village, dt.date(1980, 5, 1))],
        (("wages", "5000"),),
    )
    case = investigate(submit(staff["assistant"], earner), staff["assistant"])
    page = _page(staff, case)
    assert "<p><strong>不符合条件</strong>：" in page
    assert page.index("<strong>不符合条件</strong>") < page.index("<h2>办理</h2>")


def test_a_review_after_a_new_standard_tells_the_new_amount(staff, poor_household, monkeypatch):
    # In force for December 2023 on the 2022 rural standard (770); reviewed in December for
    # January 2024, when the standard is 884.
    set_today(monkeypatch, dt.date(2023, 11, 1))
    case = in_force(staff, poor_household, monkeypatch)
    assert case.monthly_amount == Decimal("1494.00")  # 770 × 2 − 200 + 2 × 77
    set_today(monkeypatch, dt.date(2023, 12, 20))
    recipient = services.review(staff["assistant"], case, case.version, "年度复核")
    assert recipient.monthly_amount == Decimal("1744.80")
    assert case.notifications.order_by("pk").last().text == (
        "经复核，您的最低生活保障自2024年01月起调整为每月1,744.80元。"
    )
