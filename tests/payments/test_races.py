"""Money-moving actions under concurrency (PostgreSQL): two people acting at the same moment
get exactly one winner, the loser a Chinese refusal, and never a server error."""

import pytest
from django.db import connection

from jiuzhu.core.roles import Role
from jiuzhu.payments import services
from jiuzhu.payments.models import (
    BankAccount,
    ClaimStatus,
    LineResult,
    Payroll,
    PayrollLine,
    RecoveryClaim,
)
from jiuzhu.registry.models import Household
from tests import factories
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient
from tests.races import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


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

    results = at_once(
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

    results = at_once(
        lambda: services.approve_account(
            pay_staff["approver"], BankAccount.objects.get(pk=requested.pk)
        ),
        lambda: services.approve_account(second, BankAccount.objects.get(pk=requested.pk)),
    )

    assert results.count("ok") == 1 and not any(r.startswith("ERROR") for r in results), results
    assert BankAccount.objects.filter(person=head, valid=True).count() == 1


def test_two_reissues_of_the_same_failed_line_one_wins(pay_staff, dong_e, checked_payroll):
    services.approve_payroll(pay_staff["approver"], checked_payroll)
    unpaid = PayrollLine.objects.get(payroll_id=checked_payroll.pk, account_id__isnull=True)
    give_account(pay_staff["assistant"], Household.objects.get(pk=unpaid.household_id))
    second = factories.user(Role.TOWN_ASSISTANT, dong_e, username="pay_assistant2")

    results = at_once(
        lambda: services.prepare_reissue(pay_staff["assistant"], dong_e, MONTH),
        lambda: services.prepare_reissue(second, dong_e, MONTH),
    )

    assert results == ["ok", "没有可重发的失败发放：请先为发放失败的人员更正发放账户。"]
    reissue = Payroll.objects.get(kind="reissue")
    assert (reissue.line_count, reissue.total_fen) == (1, 32050)
    assert LineResult.objects.get(line=unpaid).reissued_in == reissue


@pytest.fixture
def claim(pay_staff, dong_e_village):
    """An open claim of 300.00 yuan recorded by the assistant."""
    household = make_household(pay_staff["admin"], dong_e_village)
    return services.create_claim(
        pay_staff["assistant"], household, "dibao", MONTH, MONTH, 30000, 10000, "死亡未报"
    )


def test_two_collections_beyond_the_balance_one_wins(pay_staff, dong_e, claim):
    second = factories.user(Role.TOWN_ASSISTANT, dong_e, username="pay_assistant2")

    results = at_once(
        lambda: services.record_collection(
            pay_staff["assistant"], RecoveryClaim.objects.get(pk=claim.pk), 20000, MONTH
        ),
        lambda: services.record_collection(
            second, RecoveryClaim.objects.get(pk=claim.pk), 20000, MONTH
        ),
    )

    assert results == ["ok", "退回金额应大于0且不超过未追回余额100.00元。"]
    claim.refresh_from_db()
    assert services.claim_balance(claim) == 10000
    assert claim.status == ClaimStatus.OPEN


def test_settling_and_writing_off_one_claim_at_once_one_wins(pay_staff, claim):
    results = at_once(
        lambda: services.record_collection(
            pay_staff["assistant"], RecoveryClaim.objects.get(pk=claim.pk), 30000, MONTH
        ),
        lambda: services.waive_claim(
            pay_staff["approver"], RecoveryClaim.objects.get(pk=claim.pk), "无力偿还"
        ),
    )

    assert results == ["ok", "该追回已结清或核销。"]
    claim.refresh_from_db()
    repaid = sum(claim.repayments.values_list("amount_fen", flat=True))
    # Settled by the collection or written off whole: never both.
    assert (claim.status, repaid, claim.waived_fen) in (
        (ClaimStatus.SETTLED, 30000, 0),
        (ClaimStatus.WAIVED, 0, 30000),
    )


def test_the_same_claim_recorded_twice_at_once_one_wins(pay_staff, dong_e, dong_e_village):
    household = make_household(pay_staff["admin"], dong_e_village)
    second = factories.user(Role.TOWN_ASSISTANT, dong_e, username="pay_assistant2")

    def record(actor):
        return lambda: services.create_claim(
            actor, household, "dibao", MONTH, MONTH, 30000, 10000, "死亡未报"
        )

    results = at_once(record(pay_staff["assistant"]), record(second))

    assert results == [
        "ok",
        "该户该项目 2026年12月—2026年12月 已登记相同金额的未结清追回，不能重复登记。",
    ]
    assert RecoveryClaim.objects.filter(household=household).count() == 1


def test_discarding_and_approving_one_payroll_at_once_one_wins(pay_staff, checked_payroll):
    payroll_id = checked_payroll.pk
    # Each page has the payroll loaded before the buttons are pressed.
    seen = [Payroll.objects.get(pk=payroll_id) for _ in range(2)]

    results = at_once(
        lambda: services.approve_payroll(pay_staff["approver"], seen[0]),
        lambda: services.discard_payroll(pay_staff["assistant"], seen[1], "人数有误"),
    )

    assert results in (["ok", "该发放名册已审批锁定。"], ["ok", "该发放名册已被作废。"]), results
    approved = Payroll.objects.filter(pk=payroll_id, locked=True).exists()
    assert approved == (results[1] == "该发放名册已审批锁定。")
    assert PayrollLine.objects.filter(payroll_id=payroll_id).count() == (2 if approved else 0)


def test_checking_and_discarding_one_payroll_at_once_one_wins(
    shipped_parameters, pay_staff, dong_e_village, dong_e
):
    household = make_household(pay_staff["admin"], dong_e_village)
    make_recipient(pay_staff["admin"], household, "500.00")
    prepared = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    seen = [Payroll.objects.get(pk=prepared.pk) for _ in range(2)]

    results = at_once(
        lambda: services.check_payroll(pay_staff["approver"], seen[0]),
        lambda: services.discard_payroll(pay_staff["assistant"], seen[1], "人数有误"),
    )

    # Checked then discarded (both in turn), or discarded first and the check refused.
    assert results in (["ok", "ok"], ["ok", "该发放名册已被作废。"]), results
    assert not Payroll.objects.filter(pk=prepared.pk).exists()
