"""Temporary aid (docs/policy/other-programmes.md#temporary): the amount is the whole months
of the dibao standard the declared hardship amounts to; the town approves up to 3 months per
member, the county above it up to 12 months per household; at most 2 grants a calendar year;
paid once through the next month's payroll and bank file, and counted in budget execution.

Worked figures: the two-member rural household of the fixtures, decided on 2 March 2026
(April's parameters: rural standard 884.00 yuan): town limit 3 × 884 × 2 = 5,304.00 yuan,
county limit 12 × 884 = 10,608.00 yuan, small quick aid 884.00 yuan."""

import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.cases import services
from jiuzhu.cases.models import Case, Recipient, RecipientStatus, Status
from jiuzhu.core.errors import DomainError
from jiuzhu.payments import services as payments
from jiuzhu.payments.files import BankColumns, bank_lines
from jiuzhu.payments.models import PayrollLine
from jiuzhu.payments.selectors import paid_by_month
from tests.cases.conftest import investigate, set_today, submit
from tests.payments.conftest import give_account

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)
APRIL = dt.date(2026, 4, 1)


def hardship(amount: str, kind: str = "medical", evidence: str = "住院费用票据3张"):
    return services.Hardship(Decimal(amount), kind, evidence)


def decided(staff, household, amount: str | None, kind="expenditure", approver="approver"):
    """A temporary-aid application with a hardship of `amount`, investigated and decided."""
    extra = {"hardship": hardship(amount)} if amount is not None else {}
    case = submit(staff["assistant"], household, "temporary", temporary_kind=kind, **extra)
    investigate(case, staff["assistant"])
    if approver == "admin":
        services.county_approve(staff["admin"], case, case.version, "县民政局审批同意")
    else:
        services.approve(staff[approver], case, case.version)
    return case


@pytest.mark.parametrize(
    ("declared", "kind", "aid"),
    [
        ("3000.00", "expenditure", "2652.00"),  # 3 whole months of 884
        ("5304.00", "expenditure", "5304.00"),  # exactly the town's limit: the town approves
        ("500.00", "expenditure", "500.00"),  # under one month: the hardship itself
        (None, "emergency", "884.00"),  # nothing declared: one month (small, quick aid)
    ],
)
def test_the_town_approves_whole_months_of_the_standard(
    staff, poor_household, monkeypatch, declared, kind, aid
):
    set_today(monkeypatch, DAY)
    case = decided(staff, poor_household, declared, kind)
    assert (case.status, case.one_off_amount) == (Status.IN_FORCE, Decimal(aid))
    recipient = Recipient.objects.get(case=case)
    assert (recipient.status, recipient.monthly_amount) == (RecipientStatus.ENDED, Decimal(aid))
    assert (recipient.start_month, recipient.end_month) == (APRIL, dt.date(2026, 5, 1))
    assert recipient.next_review_on is None
    assert recipient.end_reason == "临时救助一次性发放"


def test_above_the_towns_limit_the_county_approves(staff, poor_household, monkeypatch):
    set_today(monkeypatch, DAY)
    case = submit(
        staff["assistant"],
        poor_household,
        "temporary",
        temporary_kind="expenditure",
        hardship=hardship("8000.00"),
    )
    investigate(case, staff["assistant"])
    version = case.version
    with pytest.raises(DomainError) as refused:
        services.approve(staff["approver"], case, version)
    assert refused.value.message == "临时救助金额7956.00元超过乡镇审批权限5304.00元，须报县级审批。"
    case = Case.objects.get(pk=case.pk)  # nothing written
    assert (case.status, case.one_off_amount, case.version) == (Status.DECIDING, None, version)
    assert not Recipient.objects.filter(case=case).exists()
    with pytest.raises(PermissionError) as not_allowed:
        services.county_approve(staff["supervisor"], case, case.version)
    assert str(not_allowed.value) == "您的角色不能执行“县级审批：批准临时救助（超乡镇权限）”。"
    services.county_approve(staff["admin"], case, case.version, "县民政局审批同意")
    assert (case.status, case.one_off_amount) == (Status.IN_FORCE, Decimal("7956.00"))
    assert case.decided_by == staff["admin"]
    assert list(case.events.values_list("action", flat=True))[-1] == "county_approve"


def test_the_county_limit_caps_the_aid(staff, poor_household, monkeypatch):
    set_today(monkeypatch, DAY)
    case = decided(staff, poor_household, "20000.00", approver="admin")
    assert case.one_off_amount == Decimal("10608.00")  # 12 months of 884


def test_the_county_does_not_take_what_the_town_may_decide(staff, poor_household, monkeypatch):
    set_today(monkeypatch, DAY)
    case = submit(
        staff["assistant"],
        poor_household,
        "temporary",
        temporary_kind="expenditure",
        hardship=hardship("3000.00"),
    )
    investigate(case, staff["assistant"])
    with pytest.raises(DomainError) as refused:
        services.county_approve(staff["admin"], case, case.version)
    assert refused.value.message == "临时救助金额2652.00元在乡镇审批权限内，由乡镇审核确认。"
    assert Case.objects.get(pk=case.pk).status == Status.DECIDING


def test_two_grants_a_year_then_refused_until_the_new_year(staff, poor_household, monkeypatch):
    set_today(monkeypatch, DAY)
    decided(staff, poor_household, "1000.00")
    set_today(monkeypatch, dt.date(2026, 7, 1))
    decided(staff, poor_household, "1000.00")
    set_today(monkeypatch, dt.date(2026, 12, 31))
    case = submit(
        staff["assistant"],
        poor_household,
        "temporary",
        temporary_kind="expenditure",
        hardship=hardship("1000.00"),
    )
    investigate(case, staff["assistant"])
    with pytest.raises(DomainError) as refused:
        services.approve(staff["approver"], case, case.version)
    assert refused.value.message == "该户本年度已获临时救助2次，已达每年2次的上限，不能再次批准。"
    assert Case.objects.get(pk=case.pk).status == Status.DECIDING
    set_today(monkeypatch, dt.date(2027, 1, 1))  # a new calendar year
    services.approve(staff["approver"], case, case.version)
    assert case.status == Status.IN_FORCE and case.one_off_amount == Decimal("884.00")


@pytest.mark.parametrize(
    ("kind", "extra", "message"),
    [
        ("expenditure", {}, "支出型临时救助须填写家庭难以承受的必需支出金额。"),
        ("expenditure", {"hardship": hardship("-1")}, "困难金额不能为负数。"),
        ("expenditure", {"hardship": hardship("900", kind="")}, "请选择困难类别。"),
        ("expenditure", {"hardship": hardship("900", kind="car")}, "困难类别无效。"),
        (
            "emergency",
            {"hardship": hardship("900", evidence=" ")},
            "请填写困难金额的证明材料（票据、诊断书等）。",
        ),
    ],
)
def test_bad_hardship_is_refused_and_nothing_written(staff, poor_household, kind, extra, message):
    with pytest.raises(DomainError) as refused:
        submit(staff["assistant"], poor_household, "temporary", temporary_kind=kind, **extra)
    assert refused.value.message == message
    assert not Case.objects.filter(household=poor_household).exists()


def test_only_temporary_aid_declares_a_hardship(staff, poor_household):
    with pytest.raises(DomainError) as refused:
        submit(staff["assistant"], poor_household, "dibao", hardship=hardship("900"))
    assert refused.value.message == "只有临时救助需要填写困难金额。"
    assert not Case.objects.filter(household=poor_household).exists()


def test_paid_once_through_the_bank_file_and_counted_in_execution(
    staff, poor_household, monkeypatch, dong_e
):
    set_today(monkeypatch, DAY)
    give_account(staff["admin"], poor_household, number="6221000055556666")
    case = decided(staff, poor_household, "3000.00")
    payroll = payments.prepare_payroll(staff["assistant"], APRIL, dong_e)
    lines = PayrollLine.objects.of_payroll(payroll.pk)
    assert list(lines.values_list("programme", "kind", "net_fen")) == [
        ("temporary", "regular", 265_200)
    ]
    [chunk] = bank_lines(payroll, "农商银行")
    assert chunk == BankColumns(
        [1],
        ["6221000055556666"],
        ["王老汉"],
        [lines.get().id_number],
        [265_200],
        ["temporary"],
        ["2026-04"],
    )
    payments.check_payroll(staff["approver"], payroll)
    payments.approve_payroll(staff["admin"], payroll)
    assert (4, "temporary", dong_e.code, 265_200) in paid_by_month(2026, dong_e.code)
    # Once: May's payroll has nothing for it.
    may = payments.prepare_payroll(staff["assistant"], dt.date(2026, 5, 1), dong_e)
    assert not PayrollLine.objects.of_payroll(may.pk).filter(recipient_id=case.recipient.pk)
