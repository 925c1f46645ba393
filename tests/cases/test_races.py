"""Cases under concurrency (PostgreSQL): advance aid granted by two approvers at once and the
same application taken at two windows at once each have exactly one winner; the loser is
refused in Chinese, never a server error."""

from decimal import Decimal

import pytest
from django.db import connection

from jiuzhu.cases import services
from jiuzhu.cases.models import AdvancePayment, Case, Status
from tests.cases.conftest import submit
from tests.races import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_approvers_granting_one_advance_aid_one_wins(shipped_parameters, staff, poor_household):
    advance = submit(staff["other_assistant"], poor_household, special_hardship=True)
    advance = advance.advance_cases.get()

    def grant(who: str, amount: str):
        return lambda: services.grant_advance_aid(
            staff[who], Case.objects.get(pk=advance.pk), 0, Decimal(amount), "现金"
        )

    results = at_once(grant("approver", "500"), grant("approver2", "600"))

    assert results == ["ok", "该申请刚被其他人办理，内容已变化，请刷新后重试。"]
    payment = AdvancePayment.objects.get()
    advance.refresh_from_db()
    assert (advance.status, advance.one_off_amount, advance.version) == (
        Status.IN_FORCE,
        payment.amount,
        1,
    )
    assert advance.events.filter(action="grant_advance_aid").count() == 1


def test_one_application_taken_at_two_windows_at_once_one_wins(
    shipped_parameters, staff, poor_household
):
    results = at_once(
        lambda: submit(staff["assistant"], poor_household),
        lambda: submit(staff["other_assistant"], poor_household),
    )

    assert results[0] == "ok"
    assert results[1].startswith("该户已有未办结的最低生活保障申请（SQ")
    assert results[1].endswith("），不能重复申请。")
    assert Case.objects.filter(household=poor_household, programme="dibao").count() == 1
