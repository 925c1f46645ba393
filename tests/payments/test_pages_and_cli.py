import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from jiuzhu.payments import services
from jiuzhu.payments.models import Payroll, Repayment
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def prepared(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh, "500.00")
    give_account(pay_staff["assistant"], hh)
    return hh, services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)


def _said(client, url: str, data: dict | None = None) -> list[str]:
    """Post one step and return the messages the next page shows."""
    response = client.post(url, data or {}, follow=True)
    return [str(message) for message in get_messages(response.wsgi_request)]


BANK_CSV = {"bank": "农商银行", "format": "csv"}


def test_pages_walk_the_steps(pay_staff, prepared):
    hh, payroll = prepared
    act = f"/payments/{payroll.pk}/act"
    assistant = client_for(pay_staff["assistant"])
    page = assistant.get(f"/payments/{payroll.pk}/").content.decode()
    assert "实发合计 500.00 元" in page
    # The preparer is offered the check and the discard, never the approval.
    assert "审查（核对差异）" in page and "作废" in page and "审批并锁定" not in page
    approver = client_for(pay_staff["approver"])
    offered = approver.get(f"/payments/{payroll.pk}/").content.decode()
    assert "审批并锁定" in offered and 'name="reason"' not in offered  # no discard
    assert _said(approver, f"{act}/check/") == ["已审查，差异见下方。"]
    assert _said(approver, f"{act}/approve/") == ["已审批，名册已锁定。"]
    payroll.refresh_from_db()
    assert payroll.locked and payroll.status == "approved"
    assert payroll.checked_by == payroll.approved_by == pay_staff["approver"]
    made = _said(assistant, f"{act}/file/", BANK_CSV)
    assert made == ["已生成农商银行发放文件：1 笔，合计 500.00 元。"]
    [bank_file] = payroll.files.all()
    assert (bank_file.rows, bank_file.total_fen) == (1, 50_000)
    # A town approver sees ID numbers in full (core/roles.py ID_VISIBILITY).
    lines = approver.get(f"/payments/{payroll.pk}/lines/").content.decode()
    head = hh.memberships.get(relation="head").person
    assert head.id_number in lines
    export = approver.get(f"/payments/{payroll.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    _, header, *rows, totals = sheet.iter_rows(values_only=True)
    assert header[3:9] == ("姓名", "身份证号", "救助项目", "应发（元）", "抵扣（元）", "实发（元）")
    assert [row[2:9] for row in rows] == [
        (dt.datetime(2026, 12, 1), head.name, head.id_number, "最低生活保障", 500, 0, 500)
    ]
    assert totals[:9] == ("合计（1条）", None, None, None, None, None, 500, 0, 500)


def test_page_steps_refused_say_why_and_change_nothing(pay_staff, prepared):
    _, payroll = prepared
    act = f"/payments/{payroll.pk}/act"
    assistant = client_for(pay_staff["assistant"])
    approver = client_for(pay_staff["approver"])
    early = _said(approver, f"{act}/approve/")
    assert early == ["名册须先审查（核对合计与上月差异）后方可审批。"]
    services.check_payroll(pay_staff["assistant"], payroll)
    assert _said(assistant, f"{act}/approve/") == ["无权审批发放名册、核销追回款。"]
    assert _said(assistant, f"{act}/file/", BANK_CSV) == ["名册审批锁定后才能生成银行发放文件。"]
    assert _said(assistant, f"{act}/discard/", {"reason": " "}) == ["请填写作废原因。"]
    payroll.refresh_from_db()
    assert payroll.status == "checked" and not payroll.locked and not payroll.files.exists()
    services.approve_payroll(pay_staff["approver"], payroll)
    for action in ("check", "discard"):
        locked = _said(assistant, f"{act}/{action}/", {"reason": "重做"})
        assert locked == ["该发放名册已审批锁定，不能修改；更正请在下月名册中处理。"]
    assert Payroll.objects.filter(pk=payroll.pk, status="approved").exists()
    assert approver.post(f"{act}/unknown/").status_code == 404


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
    # An auditor sees the region and the last four digits only.
    assert f"{head.id_number[:6]}********{head.id_number[-4:]}" in body
    assert head.id_number not in body and "500.00" in body


def test_prepare_page_runs_as_a_task_and_refuses_bad_month(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    client = client_for(pay_staff["assistant"])
    response = client.post("/payments/", {"month": "2026-12", "town": dong_e.code})
    assert response.status_code == 302 and "task=" in response["Location"]
    assert Payroll.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "名册已生成" in page
    refused = _said(client, "/payments/", {"month": "2012-05", "town": ""})
    assert refused == [
        "2012年05月没有生效的低保标准，不能生成发放名册。请先由县级管理员录入该月适用的标准。"
    ]
    unknown = _said(client, "/payments/", {"month": "2026-11", "town": "999999999"})
    assert unknown == ["找不到乡镇 999999999，或不在本人管辖区域内。"]
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


def test_cli_prepares_and_refuses_second_run(pay_staff, dong_e_village, capsys):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    call_command("payroll", "--month", "2026-12", "--town", dong_e_village.code[:9])
    assert Payroll.objects.count() == 1
    with pytest.raises(CommandError, match="没有生成任何名册"):
        call_command("payroll", "--month", "2026-12", "--town", dong_e_village.code[:9])
    with pytest.raises(CommandError, match="月份格式"):
        call_command("payroll", "--month", "12/2026")


def test_claim_page_refuses_a_bad_date_in_chinese_and_records_nothing(pay_staff, dong_e_village):
    hh = make_household(pay_staff["admin"], dong_e_village)
    claim = services.create_claim(
        pay_staff["assistant"], hh, "dibao", MONTH, MONTH, 5000, 5000, "隐瞒收入"
    )
    client = client_for(pay_staff["assistant"])
    url = f"/payments/claims/{claim.pk}/"
    bad_date = _said(client, url, {"amount": "10", "on": "2026/12/01"})
    assert bad_date == ["日期格式不正确，应为“年-月-日”，如 2026-12-01。"]
    too_much = _said(client, url, {"amount": "60", "on": "2026-12-01"})
    assert too_much == ["退回金额应大于0且不超过未追回余额50.00元。"]
    assert not Repayment.objects.exists()
    assert _said(client, url, {"amount": "10", "on": "2026-12-01"}) == ["已登记退回。"]
    assert list(Repayment.objects.values_list("amount_fen", "on")) == [(1000, MONTH)]
