"""Money-moving actions under concurrency (PostgreSQL): two people acting at the same moment
get exactly one winner, the loser a Chinese refusal, and never a server error."""

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection

from jiuzhu.core.errors import DomainError
from jiuzhu.core.roles import Role
from jiuzhu.payments import services
from jiuzhu.payments.models import BankAccount, LineResult, Payroll
from tests import factories
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _at_once(*actions: Callable[[], object]) -> list[str]:
    """Run the actions in threads released together; "ok" or each refusal's message."""
    results: list[str] = []
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], object]) -> None:
        close_old_connections()
        barrier.wait()
        try:
            action()
            results.append("ok")
        except (DomainError, PermissionError) as refusal:
            results.append(getattr(refusal, "message", str(refusal)))
        except Exception as error:  # anything else is the server error the test forbids
            results.append(f"ERROR {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


@pytest.fixture
def checked_payroll(shipped_parameters, pay_staff, dong_e_village, dong_e) -> Payroll:
    """A checked payroll of 东阿镇: one line with an account, one without."""
    admin = pay_staff["admin"]
    paid = make_household(admin, dong_e_village, "有账户户")
    make_recipient(admin, paid, "500.00")
    give_account(pay_staff["assistant"], paid)
    make_recipient(admin, make_household(admin, dong_e_village, "无账户户"), "320.50")
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    return services.check_payroll(pay_staff["approver"], payroll)


def test_two_approvers_approving_one_payroll_one_wins(pay_staff, dong_e, checked_payroll):
    second = factories.user(Role.TOWN_APPROVER, dong_e, username="pay_approver2")
    payroll_id = checked_payroll.pk

    results = _at_once(
        lambda: services.approve_payroll(pay_staff["approver"], Payroll.objects.get(pk=payroll_id)),
        lambda: services.approve_payroll(second, Payroll.objects.get(pk=payroll_id)),
    )

    assert results == ["ok", "该发放名册已审批锁定。"]
    # The line without an account is marked failed once, not twice.
    assert LineResult.objects.filter(line__payroll_id=payroll_id).count() == 1
    assert Payroll.objects.get(pk=payroll_id).locked


def test_two_reviewers_approving_one_account_request_one_wins(pay_staff, dong_e_village):
    household = make_household(pay_staff["admin"], dong_e_village)
    head = factories.head_of(household)
    requested = services.set_account(
        pay_staff["assistant"], household, head, "农商银行", "6221000000000009", head.name
    )
    second = factories.user(Role.TOWN_APPROVER, pay_staff["approver"].region, username="rev2")

    results = _at_once(
        lambda: services.approve_account(
            pay_staff["approver"], BankAccount.objects.get(pk=requested.pk)
        ),
        lambda: services.approve_account(second, BankAccount.objects.get(pk=requested.pk)),
    )

    assert results.count("ok") == 1 and not any(r.startswith("ERROR") for r in results), results
    assert BankAccount.objects.filter(person=head, valid=True).count() == 1
