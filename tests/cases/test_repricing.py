"""A new standard re-prices every current dibao recipient from its effective month."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from jiuzhu.cases.models import Recipient, Repricing, RepricingChange
from jiuzhu.cases.repricing import compute_repricing, confirm_repricing
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.policy.models import Parameter
from jiuzhu.registry.models import Relation
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import make_recipient

EFFECTIVE = dt.date(2026, 7, 1)
COMPUTED = dt.date(2026, 12, 1)


def _household(admin, village, pension):
    return factories.household_with_incomes(
        admin,
        village,
        [
            factories.born(Relation.HEAD, "赵大伯", village, dt.date(1980, 3, 1)),
            factories.born(Relation.SPOUSE, "钱大妈", village, dt.date(1982, 7, 9), "F"),
        ],
        (("pension", pension),),
    )


def _raise_standard(value):
    """Both standards (they are one since 2024) from July 2026."""
    for key in ("dibao.standard.urban", "dibao.standard.rural"):
        Parameter.objects.create(
            key=key, effective_from=EFFECTIVE, value=value, unit="元/人·月", source="测试文件"
        )


def test_standard_raised_mid_year_pays_difference_and_arrears(county_admin, dong_e_village):
    household = _household(county_admin, dong_e_village, "200")
    recipient = make_recipient(county_admin, household, amount="500.00")
    _raise_standard("1200.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    change = RepricingChange.objects.get(repricing=run)
    # (1,200.00 × 2 − 200.00 pension) = 2,200.00 a month from July; July to November were
    # paid at 500.00: 5 × 1,700.00 arrears.
    assert (change.kind, change.old_fen, change.new_fen) == ("amount", 50000, 220000)
    assert (change.arrears_months, change.arrears_fen) == (5, 850000)
    assert run.towns[0]["name"] == "东阿镇"
    assert (run.towns[0]["raised"], run.towns[0]["arrears_fen"]) == (1, 850000)
    assert confirm_repricing(run, county_admin) == 1
    recipient.refresh_from_db()
    assert recipient.monthly_amount == Decimal("2200.00")
    assert AuditEntry.objects.filter(action="confirm_repricing").count() == 1


def test_income_above_the_new_line_starts_the_phase_out(county_admin, dong_e_village):
    """A lowered standard: a pension of 2,000.00 is above 2 × 900.00, so the household keeps
    its amount and enters the phase-out (other families: its months from July)."""
    household = _household(county_admin, dong_e_village, "2000")
    recipient = make_recipient(county_admin, household, amount="300.00")
    _raise_standard("900.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    change = RepricingChange.objects.get(repricing=run)
    assert (change.kind, change.old_fen, change.new_fen, change.arrears_fen) == (
        "phase_out",
        30000,
        30000,
        0,
    )
    confirm_repricing(run, county_admin)
    recipient.refresh_from_db()
    months = change.phase_out_months
    assert recipient.status == "phase_out"
    assert recipient.phase_out_until == dt.date(2026, 6 + months, 1)
    assert recipient.monthly_amount == Decimal("300.00")


def test_a_stale_run_is_refused_and_nothing_written(county_admin, dong_e_village):
    household = _household(county_admin, dong_e_village, "200")
    recipient = make_recipient(county_admin, household, amount="500.00")
    _raise_standard("1200.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    Parameter.objects.create(
        key="dibao.topup_share",
        effective_from=EFFECTIVE,
        value="0.2",
        source="测试文件",
    )
    with pytest.raises(DomainError, match="测算后政策参数已有变动，本次结果已过时"):
        confirm_repricing(run, county_admin)
    recipient.refresh_from_db()
    run.refresh_from_db()
    assert recipient.monthly_amount == Decimal("500.00")
    assert run.state == Repricing.State.COMPUTED
    assert not AuditEntry.objects.filter(action="confirm_repricing").exists()


@pytest.mark.parametrize("role", [Role.COUNTY_SUPERVISOR, Role.AUDITOR, Role.TOWN_APPROVER])
def test_only_the_county_administrator_confirms(role, county_admin, dong_e_village):
    household = _household(county_admin, dong_e_village, "200")
    make_recipient(county_admin, household, amount="500.00")
    _raise_standard("1200.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    other = factories.user(role, factories.county(), username=f"x_{role}")
    with pytest.raises(PermissionError, match="无权制定救助标准与政策参数。"):
        confirm_repricing(run, other)
    assert Recipient.objects.get().monthly_amount == Decimal("500.00")
    confirm_repricing(run, county_admin)
    with pytest.raises(DomainError, match="该次重新核定已经确认，不能重复确认。"):
        confirm_repricing(run, county_admin)


def test_pages_start_show_and_confirm(county_admin, dong_e_village, settings):
    """The administrator starts a run (a task, inline in tests), sees it by town and
    confirms; a supervisor sees the page without the button and is refused the POST."""
    settings.JIUZHU_TASKS_INLINE = True
    household = _household(county_admin, dong_e_village, "200")
    make_recipient(county_admin, household, amount="500.00")
    _raise_standard("1200.00")
    admin = client_for(county_admin)
    response = admin.post(reverse("cases:repricing"), {"month": "2026-07"})
    assert response.status_code == 302
    run = Repricing.objects.get()
    page = admin.get(reverse("cases:repricing_detail", args=[run.pk])).content.decode()
    assert "东阿镇" in page and "确认执行" in page
    supervisor = factories.user(Role.COUNTY_SUPERVISOR, factories.county(), username="sup2")
    watcher = client_for(supervisor)
    page = watcher.get(reverse("cases:repricing_detail", args=[run.pk])).content.decode()
    assert "东阿镇" in page and "确认执行" not in page
    watcher.post(reverse("cases:repricing_confirm", args=[run.pk]))
    assert Repricing.objects.get().state == Repricing.State.COMPUTED
    town = factories.user(Role.TOWN_APPROVER, dong_e_village.parent, username="ta2")
    assert client_for(town).get(reverse("cases:repricing")).status_code == 404
    admin.post(reverse("cases:repricing_confirm", args=[run.pk]))
    assert Repricing.objects.get().state == Repricing.State.CONFIRMED
    assert Recipient.objects.get().monthly_amount > Decimal("500.00")
