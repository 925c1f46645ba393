"""Budget writes under concurrency (PostgreSQL): two allocations of one year's subsidy at
once have exactly one winner (the other is refused in Chinese, never a server error), and
the towns' budget lines all come from the winner; two edits of one budget line at once are
applied one after the other, each audited."""

import pytest
from django.db import connection

from jiuzhu.core.models import AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.funds import services
from jiuzhu.funds.models import Allocation, Budget
from tests import factories
from tests.payments.conftest import make_household, make_recipient
from tests.races import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def two_admins(shipped_parameters, county_admin, dong_e, meigui, dong_e_village):
    for _ in range(3):
        make_recipient(county_admin, make_household(county_admin, dong_e_village))
    services.set_fiscal_index(county_admin, 2026, dong_e, "0.2")
    services.set_fiscal_index(county_admin, 2026, meigui, "0.8")
    other = factories.user(Role.COUNTY_ADMIN, factories.county(), username="admin2")
    return county_admin, other


def test_two_allocations_at_once_one_wins(two_admins, dong_e, meigui):
    first, second = two_admins

    results = at_once(
        lambda: services.allocate(first, 2026, "dibao", 1_000_000),
        lambda: services.allocate(second, 2026, "dibao", 2_000_000),
    )

    assert results == ["ok", "该年度该项目的补助刚被其他人分配，请刷新核对后再分配。"]
    allocation = Allocation.objects.get()
    lines = Budget.objects.filter(year=2026, programme="dibao", region__in=[dong_e, meigui])
    assert {line.allocation_id for line in lines} == {allocation.pk}
    assert sum(line.amount_fen for line in lines) == allocation.total_fen


def test_a_later_reallocation_is_allowed(two_admins):
    first, second = two_admins
    services.allocate(first, 2026, "dibao", 1_000_000)

    again = services.allocate(second, 2026, "dibao", 1_200_000)

    assert Budget.objects.filter(allocation=again).count() == 2


def test_two_edits_of_one_budget_line_at_once_are_both_applied(two_admins, dong_e):
    first, second = two_admins

    results = at_once(
        lambda: services.set_budget(first, 2026, "dibao", dong_e, 300_000),
        lambda: services.set_budget(second, 2026, "dibao", dong_e, 400_000),
    )

    assert results == ["ok", "ok"]
    line = Budget.objects.get(year=2026, programme="dibao", region=dong_e)
    assert line.amount_fen in (300_000, 400_000)
    actions = sorted(
        AuditEntry.objects.filter(object_type="Budget").values_list("action", flat=True)
    )
    assert actions == ["change_budget", "set_budget"]
