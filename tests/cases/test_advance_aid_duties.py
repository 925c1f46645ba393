"""Advance aid moves money, so it takes two people (issue 19): whoever opens it (the
application's intake) may not grant it, and granting needs the approving role (the town's
approver or the county)."""

import pytest
from django.utils import timezone

from jiuzhu.cases import rules, services
from jiuzhu.cases.models import AdvancePayment, Status
from jiuzhu.cases.workflow import allowed_actions
from jiuzhu.core.errors import DomainError
from tests.cases.conftest import submit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

GRANT = "先行救助：批准并发放"


def _open(actor, household):
    case = submit(actor, household, special_hardship=True)
    return case.advance_cases.get()


def _nothing_granted(advance, version: int) -> None:
    advance.refresh_from_db()
    assert advance.status == Status.ACCEPTED and advance.version == version
    assert advance.decided_by is None and advance.one_off_amount is None
    assert not AdvancePayment.objects.exists()
    assert not advance.events.filter(action="grant_advance_aid").exists()


@pytest.mark.parametrize("who", ["assistant", "coordinator", "supervisor", "auditor"])
def test_staff_without_the_approving_role_may_not_grant(who, staff, poor_household):
    advance = _open(staff["other_assistant"], poor_household)
    limit = rules.advance_aid_limit(advance, timezone.localdate())
    with pytest.raises(PermissionError) as refused:
        services.grant_advance_aid(staff[who], advance, advance.version, limit, "现金")
    assert str(refused.value) == f"您的角色不能执行“{GRANT}”。"
    _nothing_granted(advance, 0)
    assert GRANT not in [t.label for t in allowed_actions(advance.status, staff[who].role)]


def test_one_assistant_cannot_open_and_grant_alone(staff, poor_household):
    advance = _open(staff["assistant"], poor_household)
    assert advance.created_by == staff["assistant"]
    with pytest.raises(PermissionError, match=f"^您的角色不能执行“{GRANT}”。$"):
        services.grant_advance_aid(staff["assistant"], advance, advance.version, 100, "现金")
    # Through the page as well: nothing is paid.
    client_for(staff["assistant"]).post(
        f"/cases/{advance.pk}/act/grant_advance_aid/", {"amount": "100", "method": "现金"}
    )
    _nothing_granted(advance, 0)
    payment = services.grant_advance_aid(staff["approver"], advance, advance.version, 100, "现金")
    assert payment.recorded_by == staff["approver"] and payment.amount == 100
    advance.refresh_from_db()
    assert advance.status == Status.IN_FORCE and advance.decided_by == staff["approver"]


def test_the_approver_who_opened_it_may_not_grant_it(staff, poor_household):
    advance = _open(staff["approver"], poor_household)
    # The page offers the grant only to someone other than the opener.
    own_page = client_for(staff["approver"]).get(f"/cases/{advance.pk}/").content.decode()
    other_page = client_for(staff["approver2"]).get(f"/cases/{advance.pk}/").content.decode()
    assert (GRANT in own_page, GRANT in other_page) == (False, True)
    with pytest.raises(PermissionError) as refused:
        services.grant_advance_aid(staff["approver"], advance, advance.version, 100, "现金")
    assert str(refused.value) == "启动先行救助的人员不能批准发放同一救助（审批与经办分离）。"
    _nothing_granted(advance, 0)
    services.grant_advance_aid(staff["approver2"], advance, advance.version, 100, "现金")
    advance.refresh_from_db()
    assert advance.decided_by == staff["approver2"]


def test_the_county_may_grant_another_towns_approver_may_not(staff, poor_household):
    advance = _open(staff["assistant"], poor_household)
    with pytest.raises(PermissionError) as refused:
        services.grant_advance_aid(staff["other_approver"], advance, advance.version, 100, "现金")
    assert str(refused.value) == f"该申请不由您所在的区划负责，不能执行“{GRANT}”。"
    _nothing_granted(advance, 0)
    payment = services.grant_advance_aid(staff["admin"], advance, advance.version, 100, "现金")
    assert payment.recorded_by == staff["admin"]


def test_the_amount_limit_still_holds_for_the_approver(staff, poor_household):
    advance = _open(staff["assistant"], poor_household)
    limit = rules.advance_aid_limit(advance, timezone.localdate())
    with pytest.raises(DomainError, match=f"^先行救助金额不能超过{limit}元（乡镇审批权限）。$"):
        services.grant_advance_aid(staff["approver"], advance, advance.version, limit + 1, "现金")
    _nothing_granted(advance, 0)
