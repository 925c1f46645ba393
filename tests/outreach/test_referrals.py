import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.cases.models import Case, Channel
from jiuzhu.core.errors import DomainError
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach import referrals, selectors, services
from jiuzhu.outreach.models import Deliberation, Referral
from tests.conftest import client_for
from tests.factories import head_of
from tests.outreach.test_leads import lead_input

pytestmark = pytest.mark.django_db


def test_a_referred_lead_waits_for_the_departments_answer(people, dong_e_village, household):
    lead = services.report_lead(people["grid"], lead_input(dong_e_village))
    services.link_household(people["assistant"], lead, household)
    services.refer_lead(people["assistant"], lead, "education", "孙子辍学，请教育部门核实资助")
    today = timezone.localdate()
    referral = Referral.objects.get()
    assert (referral.lead, referral.household, referral.town_code, referral.department) == (
        lead,
        household,
        "370124102000",
        "education",
    )
    assert referral.answer_due == Calendar().add_working_days(today, 10)
    assert list(selectors.referrals_in_area(people["approver"])) == [referral]
    assert not selectors.referrals_in_area(people["other_assistant"]).exists()
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        referrals.record_answer(people["other_assistant"], referral, "已资助", today)
    with pytest.raises(DomainError, match=r"^答复日期应在转介日期与今天之间。$"):
        referrals.record_answer(people["assistant"], referral, "已资助", today + dt.timedelta(1))
    with pytest.raises(DomainError, match=r"^请填写部门答复。$"):
        referrals.record_answer(people["assistant"], referral, "", today)
    referrals.record_answer(people["approver"], referral, "已纳入教育资助，每学期1000元", today)
    referral.refresh_from_db()
    assert (referral.answer, referral.answered_on, referral.recorded_by) == (
        "已纳入教育资助，每学期1000元",
        today,
        people["approver"],
    )
    with pytest.raises(DomainError, match=r"^该转介已登记答复。$"):
        referrals.record_answer(people["assistant"], referral, "再答复", today)


def test_a_referral_to_an_unknown_department_writes_nothing(people, dong_e_village):
    lead = services.report_lead(people["grid"], lead_input(dong_e_village))
    with pytest.raises(DomainError, match=r"^请从列表中选择转介部门。$"):
        services.refer_lead(people["assistant"], lead, "police", "请公安处理")
    with pytest.raises(PermissionError, match=r"^无权转介部门并登记答复、提请一事一议。$"):
        referrals.refer(people["coordinator"], "health", "看病", "孙老汉", "370124102000")
    lead.refresh_from_db()
    assert lead.status == "open" and not Referral.objects.exists()


def decide(actor, item, **changes):
    values = {
        "met_on": timezone.localdate(),
        "members_present": "张县长、李局长、王主任",
        "decision": "temporary_aid",
        "amount_fen": 800_000,
        "legal_basis": "《山东省临时救助办法》第十二条",
    }
    values.update(changes)
    return referrals.decide(actor, item, **values)


def test_deliberation_from_the_town_to_the_county_and_into_temporary_aid(people, household):
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        referrals.submit_deliberation(people["other_assistant"], household, "火灾", 500_000)
    item = referrals.submit_deliberation(
        people["assistant"], household, "房屋失火，老人烧伤住院，自付医疗费超过五万元。", 500_000
    )
    assert item.number.startswith("YS") and len(item.number) == 13
    with pytest.raises(PermissionError, match=r"^无权记录一事一议决定。$"):
        decide(people["assistant"], item)
    for changes, message in (
        ({"members_present": "张县长、李局长"}, "参会成员至少三人（以“、”分隔）。"),
        ({"amount_fen": None}, "给予临时救助须写明金额。"),
        ({"decision": "refused"}, "只有给予临时救助才填写金额。"),
        ({"decision": "special", "amount_fen": None}, "请填写特殊安排。"),
        ({"legal_basis": " "}, "请填写政策依据。"),
        ({"legal_basis": "条" * 301}, "政策依据最多300字。"),
        ({"met_on": timezone.localdate() + dt.timedelta(1)}, "会议日期应在提请日期与今天之间。"),
    ):
        with pytest.raises(DomainError) as refused:
            decide(people["admin"], item, **changes)
        assert refused.value.message == message
    assert Deliberation.objects.get().decided_at is None
    with pytest.raises(DomainError, match=r"^该议题未决定给予临时救助。$"):
        referrals.open_aid(people["assistant"], item, head_of(household))
    decided = decide(people["admin"], item)
    assert (decided.decision, decided.amount_fen, decided.decided_by) == (
        "temporary_aid",
        800_000,
        people["admin"],
    )
    with pytest.raises(DomainError, match=r"^该议题已作出决定。$"):
        decide(people["admin"], item, decision="refused", amount_fen=None)
    case = referrals.open_aid(people["assistant"], decided, head_of(household))
    assert (case.programme, case.temporary_kind, case.channel) == (
        "temporary",
        "emergency",
        Channel.REFERRAL,
    )
    assert (case.temporary_expense, case.temporary_expense_kind) == (Decimal("8000"), "accident")
    assert case.reason.startswith(
        f"一事一议{item.number}决定给予临时救助8000.00元（依据：《山东省临时救助办法》第十二条）"
    )
    with pytest.raises(DomainError, match=r"^已为该议题登记临时救助申请。$"):
        referrals.open_aid(people["assistant"], Deliberation.objects.get(), head_of(household))
    assert Case.objects.count() == 1


def test_the_referrals_page_walks_the_deliberation(people, household):
    town, county = client_for(people["assistant"]), client_for(people["admin"])
    refused = town.post(
        "/outreach/referrals/",
        {
            "action": "submit",
            "household_number": household.number,
            "facts": "失火",
            "requested": "-5",
        },
        follow=True,
    )
    assert "建议救助金额不能为负数。" in refused.content.decode()
    assert not Deliberation.objects.exists()
    town.post(
        "/outreach/referrals/",
        {
            "action": "submit",
            "household_number": household.number,
            "facts": "失火",
            "requested": "5000",
        },
    )
    item = Deliberation.objects.get()
    assert item.requested_fen == 500_000
    # The town may not decide; the page pretends the step does not exist.
    decision = {
        "action": "decide",
        "deliberation": item.pk,
        "met_on": timezone.localdate().isoformat(),
        "members_present": "张县长、李局长、王主任",
        "decision": "temporary_aid",
        "amount": "3000",
        "legal_basis": "临时救助办法",
    }
    assert town.post("/outreach/referrals/", decision).status_code == 404
    county.post("/outreach/referrals/", decision)
    assert Deliberation.objects.get().amount_fen == 300_000
    opened = town.post(
        "/outreach/referrals/", {"action": "open_aid", "deliberation": item.pk}, follow=True
    )
    case = Case.objects.get()
    assert f"已登记临时救助申请{case.number}。" in opened.content.decode()
    assert case.number in client_for(people["auditor"]).get("/outreach/referrals/").content.decode()
    other = client_for(people["other_assistant"]).get("/outreach/referrals/").content.decode()
    assert item.number not in other
