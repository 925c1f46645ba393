import pytest
from django.core.management import CommandError, call_command

from jiuzhu.payments import services
from jiuzhu.payments.models import Payroll
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def prepared(pay_staff, village, dong_e):
    admin = pay_staff["admin"]
    hh = make_household(admin, village)
    make_recipient(admin, hh, "500.00")
    give_account(pay_staff["assistant"], hh)
    return hh, services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)


def test_pages_walk_the_steps(pay_staff, prepared):
    hh, payroll = prepared
    assistant = client_for(pay_staff["assistant"])
    page = assistant.get(f"/payments/{payroll.pk}/")
    assert page.status_code == 200 and "500.00" in page.content.decode()
    assert "审批并锁定" not in page.content.decode()  # the preparer cannot approve
    approver = client_for(pay_staff["approver"])
    approver.post(f"/payments/{payroll.pk}/act/check/")
    approver.post(f"/payments/{payroll.pk}/act/approve/")
    payroll.refresh_from_db()
    assert payroll.locked
    assistant.post(f"/payments/{payroll.pk}/act/file/", {"bank": "农商银行", "format": "csv"})
    assert payroll.files.count() == 1
    lines = approver.get(f"/payments/{payroll.pk}/lines/").content.decode()
    head = hh.memberships.get(relation="head").person
    assert head.id_number not in lines or pay_staff["approver"].id_visibility == "full"
    export = approver.get(f"/payments/{payroll.pk}/export.xlsx")
    assert export.status_code == 200


def test_other_town_and_village_staff_get_404(pay_staff, prepared):
    _, payroll = prepared
    assert (
        client_for(pay_staff["other_assistant"]).get(f"/payments/{payroll.pk}/").status_code == 404
    )
    assert (
        client_for(pay_staff["other_approver"])
        .post(f"/payments/{payroll.pk}/act/approve/")
        .status_code
        == 404
    )
    assert client_for(pay_staff["coordinator"]).get("/payments/").status_code == 404
    payroll.refresh_from_db()
    assert not payroll.locked


def test_auditor_sees_masked_ids(pay_staff, prepared):
    hh, payroll = prepared
    head = hh.memberships.get(relation="head").person
    body = client_for(pay_staff["auditor"]).get(f"/payments/{payroll.pk}/lines/").content.decode()
    assert head.id_number not in body


def test_prepare_page_runs_as_a_task_and_refuses_bad_month(pay_staff, village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, village))
    client = client_for(pay_staff["assistant"])
    response = client.post("/payments/", {"month": "2026-12", "town": dong_e.code})
    assert response.status_code == 302 and "task=" in response["Location"]
    assert Payroll.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "名册已生成" in page
    refused = client.post("/payments/", {"month": "2012-05", "town": ""}, follow=True)
    assert "没有生效的低保标准" in refused.content.decode()
    assert Payroll.objects.count() == 1


def test_household_page_shows_payments_and_claims(pay_staff, prepared):
    hh, payroll = prepared
    services.check_payroll(pay_staff["approver"], payroll)
    services.approve_payroll(pay_staff["approver"], payroll)
    services.create_claim(pay_staff["assistant"], hh, "dibao", MONTH, MONTH, 1000, 1000, "隐瞒收入")
    body = client_for(pay_staff["assistant"]).get(f"/households/{hh.pk}/").content.decode()
    assert "发放 500.00 元" in body and "多发追回 10.00 元" in body
    # The account section leads whoever may correct accounts to the accounts page.
    assert "发放账户" in body and f"/payments/accounts/{hh.pk}/" in body
    audited = client_for(pay_staff["auditor"]).get(f"/households/{hh.pk}/").content.decode()
    assert "发放账户" in audited and f"/payments/accounts/{hh.pk}/" not in audited


def test_cli_prepares_and_refuses_second_run(pay_staff, village, capsys):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, village))
    call_command("payroll", "--month", "2026-12", "--town", village.code[:9])
    assert Payroll.objects.count() == 1
    with pytest.raises(CommandError, match="没有生成任何名册"):
        call_command("payroll", "--month", "2026-12", "--town", village.code[:9])
    with pytest.raises(CommandError, match="月份格式"):
        call_command("payroll", "--month", "12/2026")
