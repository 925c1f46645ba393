"""Working funds (工作经费): town budget lines by kind, spending with vouchers, and the county
page of what each town received and spent."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.core.errors import DomainError
from jiuzhu.funds import selectors, services, working
from jiuzhu.funds.models import WorkingBudget, WorkingSpending
from jiuzhu.payments import services as pay
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def voucher(name="发票.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_town_receives_and_spends_both_kinds_of_money(pay_staff, dong_e_village, dong_e, meigui):
    admin, assistant = pay_staff["admin"], pay_staff["assistant"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh, "1000.00")
    give_account(assistant, hh)
    payroll = pay.prepare_payroll(assistant, MONTH, dong_e)
    pay.check_payroll(pay_staff["approver"], payroll)
    pay.approve_payroll(pay_staff["approver"], payroll)
    services.set_budget(admin, 2026, "dibao", dong_e, 2_000_000)
    working.set_working_budget(admin, 2026, dong_e, "staff", 300_000, "助理员补贴")
    working.set_working_budget(admin, 2026, dong_e, "training", 50_000)
    working.set_working_budget(admin, 2026, meigui, "platform", 80_000)
    entry = working.record_spending(
        assistant, dong_e, "training", dt.date(2026, 6, 3), 12_345, "县培训中心 业务培训", voucher()
    )
    working.record_spending(
        admin, dong_e, "staff", dt.date(2026, 7, 1), 100_000, "助理员补贴", voucher()
    )
    assert entry.evidence_sha256 and entry.evidence_type == "application/pdf"
    assert (working.evidence_root() / entry.evidence_path).read_bytes() == PDF
    towns = {row.town.code: row for row in selectors.town_funds(admin, 2026)}
    east = towns[dong_e.code]
    assert (east.assistance_budget, east.assistance_paid) == (2_000_000, 100_000)
    assert (east.working_budget, east.working_spent) == (350_000, 112_345)
    assert (east.received, east.spent) == (2_350_000, 212_345)
    assert east.working["training"] == [50_000, 12_345] and east.working["services"] == [0, 0]
    assert (towns[meigui.code].working_budget, towns[meigui.code].working_spent) == (80_000, 0)
    # A town sees its own town only.
    assert [row.town for row in selectors.town_funds(pay_staff["approver"], 2026)] == [dong_e]
    page = client_for(admin).get("/funds/working/?year=2026").content.decode()
    assert "2,350,000.00" not in page and "23,500.00" in page and "2,123.45" in page
    assert "县培训中心 业务培训" in page
    shown = client_for(pay_staff["approver"]).get(f"/funds/working/{entry.pk}/voucher")
    assert b"".join(shown.streaming_content) == PDF
    assert (
        client_for(pay_staff["other_approver"])
        .get(f"/funds/working/{entry.pk}/voucher")
        .status_code
        == 404
    )


def test_bad_spending_is_refused_in_chinese_and_nothing_written(pay_staff, dong_e, meigui_village):
    admin, assistant = pay_staff["admin"], pay_staff["assistant"]
    day = dt.date(2026, 5, 1)
    with pytest.raises(DomainError, match=r"^东阿镇2026年没有业务培训预算，不能登记支出。$"):
        working.record_spending(assistant, dong_e, "training", day, 100, "培训", voucher())
    working.set_working_budget(admin, 2026, dong_e, "training", 10_000)
    with pytest.raises(DomainError, match=r"^业务培训预算余额 100.00 元，不足支出 100.01 元。$"):
        working.record_spending(assistant, dong_e, "training", day, 10_001, "培训", voucher())
    with pytest.raises(DomainError, match=r"^支出金额应大于0。$"):
        working.record_spending(assistant, dong_e, "training", day, 0, "培训", voucher())
    with pytest.raises(DomainError, match=r"^请填写用途与收款方。$"):
        working.record_spending(assistant, dong_e, "training", day, 100, "  ", voucher())
    with pytest.raises(DomainError, match=r"^请上传支出凭证（发票、合同或签收单的扫描件）。$"):
        working.record_spending(assistant, dong_e, "training", day, 100, "培训", None)
    with pytest.raises(
        DomainError, match=r"^凭证“a.txt”的格式不被接受，只能上传JPG、PNG图片或PDF。$"
    ):
        working.record_spending(
            assistant, dong_e, "training", day, 100, "培训", voucher("a.txt", b"hello")
        )
    with pytest.raises(DomainError, match=r"^请选择经费类别。$"):
        working.record_spending(assistant, dong_e, "cars", day, 100, "培训", voucher())
    with pytest.raises(DomainError, match=r"^支出日期不能晚于今天。$"):
        working.record_spending(
            assistant, dong_e, "training", dt.date(2100, 1, 1), 100, "培训", voucher()
        )
    with pytest.raises(DomainError, match=r"^工作经费按乡镇（街道）设置。$"):
        working.record_spending(admin, meigui_village, "training", day, 100, "培训", voucher())
    with pytest.raises(DomainError, match=r"^预算金额不能为负数。$"):
        working.set_working_budget(admin, 2026, dong_e, "staff", -1)
    assert not WorkingSpending.objects.exists()
    assert not list(working.evidence_root().rglob("*.*"))
    assert WorkingBudget.objects.count() == 1
    # The page says why and keeps nothing.
    refused = client_for(assistant).post(
        "/funds/working/",
        {
            "action": "spending",
            "year": "2026",
            "town": dong_e.code,
            "kind": "training",
            "spent_on": "2026-05-01",
            "amount": "abc",
            "purpose": "培训",
            "evidence": voucher(),
        },
        follow=True,
    )
    assert [str(m) for m in get_messages(refused.wsgi_request)] == [
        "金额格式不正确，应为数字，例如 1234.56。"
    ]
    saved = client_for(assistant).post(
        "/funds/working/",
        {
            "action": "spending",
            "year": "2026",
            "town": dong_e.code,
            "kind": "training",
            "spent_on": "2026-05-01",
            "amount": "25.50",
            "purpose": "培训教材",
            "voucher_no": "记-001",
            "evidence": voucher(),
        },
        follow=True,
    )
    assert [str(m) for m in get_messages(saved.wsgi_request)] == ["工作经费支出已登记。"]
    assert WorkingSpending.objects.get().amount_fen == 2_550


def test_who_may_not(pay_staff, dong_e, meigui):
    admin = pay_staff["admin"]
    working.set_working_budget(admin, 2026, meigui, "staff", 10_000)
    day = dt.date(2026, 5, 1)
    with pytest.raises(PermissionError, match=r"^无权管理预算与县级补助分配。$"):
        working.set_working_budget(pay_staff["assistant"], 2026, dong_e, "staff", 1)
    with pytest.raises(PermissionError, match=r"^无权登记工作经费支出。$"):
        working.record_spending(pay_staff["approver"], dong_e, "staff", day, 1, "x", voucher())
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        working.record_spending(pay_staff["assistant"], meigui, "staff", day, 1, "x", voucher())
    # The page: another town's assistant cannot even pick the town; village staff see no page.
    refused = client_for(pay_staff["assistant"]).post(
        "/funds/working/",
        {"action": "budget", "year": "2026", "town": dong_e.code, "kind": "staff", "amount": "1"},
        follow=True,
    )
    assert [str(m) for m in get_messages(refused.wsgi_request)] == ["无权管理预算与县级补助分配。"]
    assert client_for(pay_staff["coordinator"]).get("/funds/working/").status_code == 404
    assert WorkingBudget.objects.count() == 1 and not WorkingSpending.objects.exists()
