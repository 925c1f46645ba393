"""Separation of duties on the money steps (issue 19): only staff who prepare or approve
payrolls check one; a bank account change is a request that a second person with the
approving role approves (listed on the payroll page they approve), and the holder must be
the person registered (or a reason, such as a guardian's account, is recorded)."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.messages import get_messages

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.payments import services
from jiuzhu.payments.models import AccountReview, BankAccount, PayrollLine, PayrollStatus
from jiuzhu.payments.workflow import offered
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db

PENDING_TITLE = "待审核的账户变更"


@pytest.fixture
def household(pay_staff, dong_e_village):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh, "500.00")
    return hh


@contextmanager
def refused(kind: type[Exception], message: str) -> Iterator[None]:
    """The block raises `kind` saying exactly `message`."""
    with pytest.raises(kind) as caught:
        yield
    assert str(caught.value) == message


def _said(client, url: str, data: dict | None = None) -> list[str]:
    response = client.post(url, data or {}, follow=True)
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the check step ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COUNTY_SUPERVISOR])
def test_auditor_and_supervisor_may_not_check_a_payroll(role, pay_staff, household, dong_e):
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    watcher = factories.user(role, factories.county(), username=f"watcher_{role}")
    assert "check" not in offered(watcher, payroll)
    with pytest.raises(PermissionError) as caught:
        services.check_payroll(watcher, payroll)
    assert str(caught.value) == "无权审查发放名册。"
    said = _said(client_for(watcher), f"/payments/{payroll.pk}/act/check/")
    assert said == ["无权审查发放名册。"]
    payroll.refresh_from_db()
    assert payroll.status == PayrollStatus.PREPARED and payroll.checked_by is None
    assert payroll.checked_at is None and payroll.check_report == {}


def test_only_preparers_and_approvers_of_the_area_may_check(pay_staff, household, dong_e):
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    with refused(PermissionError, "不在本人管辖区域内。"):
        services.check_payroll(pay_staff["other_approver"], payroll)
    for checker in ("assistant", "approver", "admin"):
        assert "check" in offered(pay_staff[checker], payroll)
    services.check_payroll(pay_staff["approver"], payroll)
    payroll.refresh_from_db()
    assert payroll.status == PayrollStatus.CHECKED and payroll.checked_by == pay_staff["approver"]


# --- bank account changes ----------------------------------------------------------------


def test_a_new_account_is_pending_until_a_second_person_approves(pay_staff, household, dong_e):
    head = factories.head_of(household)
    first = give_account(pay_staff["assistant"], household, number="6221000011112222")
    requested = services.set_account(
        pay_staff["assistant"], household, head, "工商银行", "6222000099998888", head.name
    )
    # The request changes nothing yet: the current account stays in force and is paid.
    assert requested.review == AccountReview.PENDING and not requested.valid
    first.refresh_from_db()
    assert first.valid and first.replaced_by is None
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    lines = PayrollLine.objects.of_payroll(payroll.pk)
    assert set(lines.values_list("account_number", flat=True)) == {"6221000011112222"}

    refusals = {
        "assistant": "无权审批发放名册、核销追回款。",  # the requester, and not an approver
        "auditor": "无权审批发放名册、核销追回款。",
        "other_approver": "不在本人管辖区域内。",
        "coordinator": "无权审批发放名册、核销追回款。",
    }
    for who, message in refusals.items():
        with pytest.raises(PermissionError) as caught:
            services.approve_account(pay_staff[who], requested)
        assert str(caught.value) == message
        with pytest.raises(PermissionError):
            services.reject_account(pay_staff[who], requested, "户名不符")
    requested.refresh_from_db()
    assert requested.review == AccountReview.PENDING and requested.reviewed_by is None
    assert list(BankAccount.objects.filter(valid=True)) == [first]

    services.approve_account(pay_staff["approver"], requested)
    requested.refresh_from_db()
    first.refresh_from_db()
    assert requested.valid and requested.review == AccountReview.APPROVED
    assert requested.reviewed_by == pay_staff["approver"] and requested.reviewed_at is not None
    assert not first.valid and first.replaced_by == requested
    entry = AuditEntry.objects.filter(action="correct_account").get()
    assert entry.actor == pay_staff["approver"]
    # Reviewed once: a second review is refused.
    with refused(DomainError, "该账户变更已审核，请刷新后查看。"):
        services.reject_account(pay_staff["admin"], requested, "迟到的驳回")


def test_a_county_admin_who_requested_may_not_approve_it(pay_staff, household):
    head = factories.head_of(household)
    requested = services.set_account(
        pay_staff["admin"], household, head, "工商银行", "6222000099998888", head.name
    )
    with refused(PermissionError, "账户变更的提交人不能审核自己提交的变更（审批与经办分离）。"):
        services.approve_account(pay_staff["admin"], requested)
    with refused(PermissionError, "账户变更的提交人不能审核自己提交的变更（审批与经办分离）。"):
        services.reject_account(pay_staff["admin"], requested, "自己驳回")
    requested.refresh_from_db()
    assert requested.review == AccountReview.PENDING and not requested.valid
    services.approve_account(pay_staff["approver"], requested)
    assert BankAccount.objects.get(valid=True) == requested


def test_holder_name_must_be_the_registered_name_or_a_reason_recorded(pay_staff, household):
    head = factories.head_of(household)
    with pytest.raises(DomainError) as caught:
        services.set_account(
            pay_staff["assistant"], household, head, "工商银行", "6222000099998888", "李四"
        )
    assert str(caught.value) == (
        f"户名“李四”与登记姓名“{head.name}”不一致；如为监护人等代领账户，请填写原因。"
    )
    assert not BankAccount.objects.exists()
    requested = services.set_account(
        pay_staff["assistant"],
        household,
        head,
        "工商银行",
        "6222000099998888",
        "李四",
        holder_reason="监护人李四的账户（本人无民事行为能力）",
    )
    assert requested.holder_reason == "监护人李四的账户（本人无民事行为能力）"
    assert requested.review == AccountReview.PENDING
    entry = AuditEntry.objects.filter(action="request_account").get()
    assert entry.changes["holder_reason"] == "监护人李四的账户（本人无民事行为能力）"


def test_a_rejected_change_leaves_the_current_account(pay_staff, household):
    head = factories.head_of(household)
    first = give_account(pay_staff["assistant"], household, number="6221000011112222")
    requested = services.set_account(
        pay_staff["assistant"], household, head, "工商银行", "6222000099998888", head.name
    )
    with refused(DomainError, "请填写驳回原因。"):
        services.reject_account(pay_staff["approver"], requested, " ")
    # One request at a time per person.
    with refused(DomainError, "该成员已有待审核的账户变更，请待审核后再提交。"):
        services.set_account(
            pay_staff["assistant"], household, head, "建设银行", "6227000099998888", head.name
        )
    assert BankAccount.objects.count() == 2
    services.reject_account(pay_staff["approver"], requested, "账号与银行卡不符")
    requested.refresh_from_db()
    first.refresh_from_db()
    assert requested.review == AccountReview.REJECTED and not requested.valid
    assert requested.review_note == "账号与银行卡不符"
    assert first.valid and first.replaced_by is None


def test_payroll_page_lists_pending_changes_for_its_approvers(pay_staff, household, dong_e):
    head = factories.head_of(household)
    first = give_account(pay_staff["assistant"], household, number="6221000011112222")
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    requested = services.set_account(
        pay_staff["assistant"], household, head, "工商银行", "6222000099998888", head.name
    )
    page = client_for(pay_staff["approver"]).get(f"/payments/{payroll.pk}/").content.decode()
    assert PENDING_TITLE in page and "尾号8888" in page and head.name in page
    assert "6222000099998888" not in page  # the number is masked on the page
    for who in ("assistant", "auditor"):
        body = client_for(pay_staff[who]).get(f"/payments/{payroll.pk}/").content.decode()
        assert PENDING_TITLE not in body
    review = f"/payments/{payroll.pk}/accounts/{requested.pk}"
    # Neither the requester nor another town's approver gets anywhere.
    assert client_for(pay_staff["assistant"]).post(f"{review}/approve/").status_code == 404
    assert client_for(pay_staff["other_approver"]).post(f"{review}/approve/").status_code == 404
    assert BankAccount.objects.get(valid=True) == first

    approver = client_for(pay_staff["approver"])
    assert _said(approver, f"{review}/approve/") == ["账户变更已审核通过，新账户生效。"]
    assert BankAccount.objects.get(valid=True) == requested
    page = approver.get(f"/payments/{payroll.pk}/").content.decode()
    assert PENDING_TITLE not in page


def test_payroll_page_rejects_a_change(pay_staff, household, dong_e):
    head = factories.head_of(household)
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    requested = services.set_account(
        pay_staff["assistant"], household, head, "工商银行", "6222000099998888", head.name
    )
    review = f"/payments/{payroll.pk}/accounts/{requested.pk}/reject/"
    approver = client_for(pay_staff["approver"])
    assert _said(approver, review, {"reason": ""}) == ["请填写驳回原因。"]
    assert _said(approver, review, {"reason": "户名不符"}) == ["账户变更已驳回。"]
    requested.refresh_from_db()
    assert requested.review == AccountReview.REJECTED and requested.review_note == "户名不符"
    assert not BankAccount.objects.filter(valid=True).exists()


def test_accounts_page_files_a_request_and_shows_it_pending(pay_staff, household):
    head = factories.head_of(household)
    url = f"/payments/accounts/{household.pk}/"
    form = {
        "person": head.pk,
        "bank": "工商银行",
        "account_number": "6222 0000 9999 8888",
        "holder_name": "李四",
        "note": "",
    }
    assistant = client_for(pay_staff["assistant"])
    assert _said(assistant, url, form) == [
        f"户名“李四”与登记姓名“{head.name}”不一致；如为监护人等代领账户，请填写原因。"
    ]
    assert not BankAccount.objects.exists()
    said = _said(assistant, url, {**form, "holder_reason": "监护人代领"})
    assert said == ["账户变更已提交，经审核人员审核后生效（此前原账户继续有效）。"]
    requested = BankAccount.objects.get()
    assert requested.review == AccountReview.PENDING and not requested.valid
    assert requested.holder_reason == "监护人代领"
    assert requested.created_by == pay_staff["assistant"]
    page = assistant.get(url).content.decode()
    assert "待审核" in page and "户名不一致：监护人代领" in page
    # Watchers and approvers do not file account changes.
    for who in ("auditor", "approver"):
        with refused(PermissionError, "无权生成发放名册、银行文件与回盘。"):
            services.set_account(
                pay_staff[who], household, head, "工商银行", "6222000011110000", head.name
            )
        assert client_for(pay_staff[who]).post(url, form).status_code == 404
    assert BankAccount.objects.count() == 1


def test_nul_characters_are_refused_in_chinese(pay_staff, household):
    head = factories.head_of(household)
    with refused(DomainError, "户名不一致原因不能含有空字符（\\0），请删除后重新提交。"):
        services.set_account(
            pay_staff["assistant"],
            household,
            head,
            "工商银行",
            "6222000099998888",
            "李四",
            holder_reason="监护人\x00",
        )
    assert not BankAccount.objects.exists()
    requested = services.set_account(
        pay_staff["assistant"], household, head, "工商银行", "6222000099998888", head.name
    )
    with refused(DomainError, "驳回原因不能含有空字符（\\0），请删除后重新提交。"):
        services.reject_account(pay_staff["approver"], requested, "不符\x00")
    requested.refresh_from_db()
    assert requested.review == AccountReview.PENDING and requested.review_note == ""
