"""Hostile input on the payments pages: a Chinese refusal, never a server error, nothing
written (issue 19: amounts like 1e9999, unknown programmes, NUL characters, races)."""

import re
import threading

import pytest
from django.db import close_old_connections, connection, transaction

from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import NUL_REFUSAL, SUBMISSION_REFUSAL
from jiuzhu.payments import services
from jiuzhu.payments.accounts import ONE_PENDING
from jiuzhu.payments.models import AccountReview, BankAccount, Payroll, RecoveryClaim, Repayment
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household

pytestmark = pytest.mark.django_db


def _said(client, url: str, data: dict) -> list[str]:
    """The messages shown at the top of the page the post ends on (a refused NUL: 400)."""
    response = client.post(url, data, follow=True)
    page = response.content.decode()
    poisoned = any("\x00" in str(value) for value in data.values())
    assert response.status_code == (400 if poisoned else 200)
    shown = re.search(r'<ul class="messages">(.*?)</ul>', page, re.S)
    return re.findall(r"<li[^>]*>(.*?)</li>", shown[1]) if shown else []


def _claim_form(target, **overrides) -> dict:
    return {
        "household": target.number,
        "programme": "dibao",
        "from_month": "2026-10",
        "to_month": "2026-11",
        "amount": "100",
        "instalment": "50",
        "reason": "隐瞒收入",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "1e9999"}, "金额格式不正确，应为数字，例如 1234.56。"),
        ({"amount": "Infinity"}, "金额格式不正确，应为数字，例如 1234.56。"),
        ({"amount": "NaN"}, "金额格式不正确，应为数字，例如 1234.56。"),
        ({"instalment": "-Infinity"}, "每月抵扣金额格式不正确，应为数字，例如 1234.56。"),
        ({"programme": "lottery"}, "救助项目不正确，请从列表中选择。"),
        ({"programme": ""}, "救助项目不正确，请从列表中选择。"),
        ({"reason": "隐瞒\x00收入"}, SUBMISSION_REFUSAL),
        ({"household": ""}, "请填写户号。"),
        ({"household": "370124999"}, "本辖区没有该户号的家庭，请核对户号。"),
    ],
)
def test_claim_form_refuses_bad_amounts_programmes_and_nul(
    pay_staff, dong_e_village, overrides, message
):
    household = make_household(pay_staff["admin"], dong_e_village)
    client = client_for(pay_staff["assistant"])
    said = _said(client, "/payments/claims/", _claim_form(household, **overrides))
    assert said == [message]
    assert not RecoveryClaim.objects.exists()


def test_claim_service_refuses_an_unknown_programme(pay_staff, dong_e_village):
    household = make_household(pay_staff["admin"], dong_e_village)
    with pytest.raises(DomainError) as refused:
        services.create_claim(
            pay_staff["assistant"], household, "lottery", MONTH, MONTH, 100, 100, "隐瞒收入"
        )
    assert refused.value.message == "救助项目不正确，请从列表中选择。"
    assert not RecoveryClaim.objects.exists()


def test_claim_page_refuses_nul_in_waiver_and_collection(pay_staff, dong_e_village):
    household = make_household(pay_staff["admin"], dong_e_village)
    claim = services.create_claim(
        pay_staff["assistant"], household, "dibao", MONTH, MONTH, 5000, 5000, "隐瞒收入"
    )
    url = f"/payments/claims/{claim.pk}/"
    collection = {"amount": "10", "on": "2026-12-01", "note": "现金\x00退回"}
    assert _said(client_for(pay_staff["assistant"]), url, collection) == [SUBMISSION_REFUSAL]
    waiver = {"action": "waive", "reason": "无力\x00偿还"}
    assert _said(client_for(pay_staff["approver"]), url, waiver) == [SUBMISSION_REFUSAL]
    # The services refuse it too, naming the field (for the API and commands).
    with pytest.raises(DomainError) as refused:
        services.record_collection(pay_staff["assistant"], claim, 1000, MONTH, "现金\x00")
    assert refused.value.message == f"备注{NUL_REFUSAL}"
    with pytest.raises(DomainError) as refused:
        services.waive_claim(pay_staff["approver"], claim, "无力\x00偿还")
    assert refused.value.message == f"核销理由{NUL_REFUSAL}"
    with pytest.raises(DomainError) as refused:
        services.create_claim(
            pay_staff["assistant"], household, "dibao", MONTH, MONTH, 100, 100, "隐瞒\x00"
        )
    assert refused.value.message == f"多发原因{NUL_REFUSAL}"
    claim.refresh_from_db()
    assert claim.status == "open" and claim.waived_fen == 0
    assert not Repayment.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("holder_name", "王\x00老汉", "户名"),
        ("bank", "农商\x00银行", "开户银行"),
        ("note", "更正\x00", "备注"),
        ("account_number", "6221\x000000123456", "账号"),
    ],
)
def test_account_form_refuses_nul(pay_staff, dong_e_village, field, value, what):
    household = make_household(pay_staff["admin"], dong_e_village)
    head = household.memberships.get(relation="head").person
    data = {
        "person": head.pk,
        "bank": "农商银行",
        "account_number": "6221000000123456",
        "holder_name": head.name,
        "note": "",
        field: value,
    }
    url = f"/payments/accounts/{household.pk}/"
    assert _said(client_for(pay_staff["assistant"]), url, data) == [SUBMISSION_REFUSAL]
    with pytest.raises(DomainError) as refused:  # the service too (API, commands)
        services.set_account(
            pay_staff["assistant"],
            household,
            head,
            data["bank"],
            data["account_number"],
            data["holder_name"],
            data["note"],
        )
    assert refused.value.message == f"{what}{NUL_REFUSAL}"
    assert not BankAccount.objects.exists()


def test_discarding_a_payroll_refuses_nul_in_the_reason(pay_staff, dong_e_village, dong_e):
    from tests.payments.conftest import make_recipient

    household = make_household(pay_staff["admin"], dong_e_village)
    make_recipient(pay_staff["admin"], household, "500.00")
    give_account(pay_staff["assistant"], household)
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    url = f"/payments/{payroll.pk}/act/discard/"
    said = _said(client_for(pay_staff["assistant"]), url, {"reason": "重\x00做"})
    assert said == [SUBMISSION_REFUSAL]
    with pytest.raises(DomainError) as refused:
        services.discard_payroll(pay_staff["assistant"], payroll, "重\x00做")
    assert refused.value.message == f"作废理由{NUL_REFUSAL}"
    assert Payroll.objects.get(pk=payroll.pk).status == payroll.status


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_clerks_setting_the_same_account_at_once_one_wins(pay_staff, dong_e_village):
    """The first clerk's account request is written but not yet committed when the second
    one saves: the second waits on the one-pending-request index, then is told in Chinese
    that a request is already waiting, not a 500."""
    household = make_household(pay_staff["admin"], dong_e_village)
    head = household.memberships.get(relation="head").person
    first_written, let_first_commit = threading.Event(), threading.Event()
    results: list[str] = []

    def first() -> None:
        close_old_connections()
        try:
            with transaction.atomic():
                services.set_account(
                    pay_staff["assistant"],
                    household,
                    head,
                    "农商银行",
                    "6221000000000001",
                    head.name,
                )
                first_written.set()
                let_first_commit.wait(10)
            results.append("ok")
        finally:
            connection.close()

    def second() -> None:
        close_old_connections()
        try:
            services.set_account(
                pay_staff["assistant"], household, head, "建设银行", "6227000000000002", head.name
            )
            results.append("ok")
        except DomainError as error:
            results.append(error.message)
        finally:
            connection.close()

    first_thread = threading.Thread(target=first)
    first_thread.start()
    assert first_written.wait(10)
    second_thread = threading.Thread(target=second)
    second_thread.start()
    second_thread.join(1)  # it waits on the first one's uncommitted row
    let_first_commit.set()
    first_thread.join()
    second_thread.join()
    assert sorted(results) == ["ok", ONE_PENDING]
    pending = BankAccount.objects.filter(review=AccountReview.PENDING)
    assert list(pending.values_list("bank", flat=True)) == ["农商银行"]
    assert not BankAccount.objects.filter(valid=True).exists()
