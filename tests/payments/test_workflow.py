"""The payroll's transition table (payments/workflow.py) is the one list of its steps."""

import pytest

from jiuzhu.payments import files, services, views
from jiuzhu.payments.models import PayrollStatus
from jiuzhu.payments.workflow import TRANSITIONS, offered
from tests.payments.conftest import MONTH, make_household, make_recipient

pytestmark = pytest.mark.django_db


def test_every_transition_names_its_service_and_its_page_step():
    modules = {"services": services, "files": files}
    for transition in TRANSITIONS.values():
        module, name = transition.service.split(".")
        assert callable(getattr(modules[module], name)), transition.service
        assert transition.label and transition.sources
    assert set(views.ACTS) == set(TRANSITIONS)
    # Only approval locks, and only a checked payroll may be approved.
    assert TRANSITIONS["approve"].sources == (PayrollStatus.CHECKED,)
    assert [t.action for t in TRANSITIONS.values() if t.target == PayrollStatus.APPROVED] == [
        "approve"
    ]


def test_offered_buttons_follow_role_maker_checker_and_lock(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    assert set(offered(pay_staff["assistant"], payroll)) == {"check", "discard"}
    assert set(offered(pay_staff["approver"], payroll)) == {"check", "approve"}
    assert set(offered(admin, payroll)) == {"check", "approve", "discard"}
    assert offered(pay_staff["auditor"], payroll) == {}
    services.check_payroll(pay_staff["approver"], payroll)
    services.approve_payroll(pay_staff["approver"], payroll)
    assert set(offered(pay_staff["assistant"], payroll)) == {"file", "results"}
    assert offered(pay_staff["approver"], payroll) == {}
