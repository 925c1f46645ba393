import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.cases import care, rules, selectors, services
from jiuzhu.cases.models import (
    Action,
    Case,
    CaseEvent,
    Notification,
    Recipient,
    RecipientStatus,
    Status,
)
from jiuzhu.core.errors import DomainError
from jiuzhu.core.months import first_of_next_month
from jiuzhu.registry import services as registry_services
from jiuzhu.registry.models import Relation
from tests import factories
from tests.cases.conftest import assess, in_force, investigate, set_today, submit
from tests.conftest import client_for
from tests.factories import head_of

# Amounts are computed with the parameters of the month after "today": a fixed day keeps
# them fixed (docs/policy/dibao.md).
FIXED_DAY = dt.date(2026, 3, 2)


pytestmark = pytest.mark.django_db


def test_dibao_from_any_town_to_notice_to_in_force(staff, poor_household, monkeypatch):
    set_today(monkeypatch, FIXED_DAY)
    # Taken in at 玫瑰镇's window, routed to 东阿镇 where the household is registered.
    case = submit(staff["other_assistant"], poor_household)
    assert case.status == Status.SUBMITTED
    assert case.responsible_town.name == "东阿镇" and case.intake_region.name == "玫瑰镇"
    assert selectors.case_for(staff["assistant"], case.pk) is not None
    assert selectors.case_for(staff["other_assistant"], case.pk) is not None

    investigate(case, staff["assistant"], staff["coordinator"])
    assert case.status == Status.DECIDING
    services.approve(staff["approver"], case, case.version, "符合条件")
    assert case.status == Status.NOTICE
    # Two members with 200 yuan of pension, rural standard 884 (2024): 884 × 2 − 200 plus
    # two elderly top-ups of 88.40.
    assert case.monthly_amount == Decimal("1744.80")
    assert case.explanation
    assert (case.notice_ends_on - case.notice_starts_on).days == 6  # 7 days inclusive

    with pytest.raises(DomainError, match="期满后"):
        services.close_notice(staff["assistant"], case, case.version)
    services.record_objection(
        staff["coordinator"], case, case.version, "邻居称其子在外打工", False, "经核实其子已分户"
    )
    assert case.status == Status.NOTICE
    set_today(monkeypatch, case.notice_ends_on + dt.timedelta(days=1))
    services.close_notice(staff["assistant"], case, case.version)
    assert case.status == Status.IN_FORCE
    recipient = Recipient.objects.get(case=case)
    assert recipient.monthly_amount == case.monthly_amount
    assert recipient.start_month.day == 1 and recipient.start_month > case.accepted_on
    assert recipient.members_covered == 2
    assert recipient.next_review_on > recipient.start_month
    actions = list(case.events.values_list("action", flat=True))
    assert actions == [
        "submit",
        "accept",
        "start_investigation",
        "record_home_visit",
        "complete_investigation",
        "record_community_review",
        "approve",
        "record_objection",
        "close_notice",
    ]
    texts = list(
        Notification.objects.filter(case=case).order_by("pk").values_list("text", flat=True)
    )
    number, due = case.number, case.decision_due
    assert texts == [
        f"您的最低生活保障申请（{number}）已提交，等待受理。",
        f"您的申请（{number}）已受理，将在{due:%Y年%m月%d日}前作出审核确认决定。",
        f"您的申请（{number}）已进入调查核实，工作人员将入户调查。",
        f"您的申请（{number}）已审核确认批准，"
        f"自{case.notice_starts_on:%m月%d日}起在村（社区）公示7天。",
        f"您的最低生活保障（{number}）已生效，"
        f"每月1,744.80元，自{recipient.start_month:%Y年%m月}起发放。",
    ]


def test_rejection_cites_the_rule_and_tells_the_applicant(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    events = case.events.count()
    with pytest.raises(DomainError) as refused:
        services.reject(staff["approver"], case, case.version, "", "收入超标")
    assert refused.value.message == "请填写不予批准所依据的规定。"
    case.refresh_from_db()
    assert case.status == Status.DECIDING and case.events.count() == events  # nothing written
    services.reject(
        staff["approver"],
        case,
        case.version,
        "《最低生活保障审核确认办法》第九条",
        "人均收入高于标准",
    )
    assert case.status == Status.REJECTED
    note = Notification.objects.filter(case=case).order_by("pk").last()
    assert note.text == (
        f"您的申请（{case.number}）不予批准。"
        "依据：《最低生活保障审核确认办法》第九条。理由：人均收入高于标准"
    )
    assert case.decision_note == "《最低生活保障审核确认办法》第九条：人均收入高于标准"


def test_well_founded_objection_reopens_the_investigation(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    services.record_objection(staff["assistant"], case, case.version, "有车", True, "确有轿车一辆")
    assert case.status == Status.INVESTIGATING
    assert case.monthly_amount is None and case.notice_starts_on is None


def test_refusing_intake_needs_a_reason(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    with pytest.raises(DomainError) as refused:
        services.refuse_intake(staff["assistant"], case, case.version, " ")
    assert refused.value.message == "请填写不予受理的理由。"
    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == (Status.SUBMITTED, 0, 1)
    with pytest.raises(PermissionError) as not_allowed:
        services.refuse_intake(staff["social_worker"], case, case.version, "非本县户籍")
    assert str(not_allowed.value) == "您的角色不能执行“不予受理”。"
    services.refuse_intake(staff["assistant"], case, case.version, "非本县户籍")
    assert case.status == Status.REFUSED
    note = Notification.objects.filter(case=case).order_by("pk").last()
    assert note.text == f"您的申请（{case.number}）不予受理，理由：非本县户籍"


def test_advance_aid_within_24_hours_then_full_procedure(staff, poor_household):
    case = submit(staff["other_assistant"], poor_household, special_hardship=True)
    advance = case.advance_cases.get()
    assert advance.programme == "temporary" and advance.status == Status.ACCEPTED
    hours = (advance.advance_due_at - advance.submitted_at).total_seconds() / 3600
    assert hours == 24
    assert list(selectors.advance_aid_pending(staff["assistant"])) == [advance]
    limit = rules.advance_aid_limit(advance, timezone.localdate())
    with pytest.raises(DomainError, match="不能超过"):
        services.grant_advance_aid(staff["approver"], advance, advance.version, limit + 1, "现金")
    payment = services.grant_advance_aid(staff["approver"], advance, advance.version, limit, "现金")
    assert payment.amount == limit
    assert advance.status == Status.IN_FORCE
    assert advance.events.get(action="grant_advance_aid").data["within_deadline"] is True
    # The full procedure of the original case goes on, linked.
    assert case.status == Status.SUBMITTED and advance.advance_for == case


def test_termination_ends_the_recipient_after_this_month(staff, poor_household, monkeypatch):
    case = in_force(staff, poor_household, monkeypatch)
    services.terminate(staff["approver"], case, case.version, "家庭收入超过低保标准")
    recipient = Recipient.objects.get(case=case)
    assert recipient.status == RecipientStatus.ENDED
    assert recipient.end_month == first_of_next_month(timezone.localdate())
    assert recipient.end_reason == "家庭收入超过低保标准"
    note = Notification.objects.filter(case=case).order_by("pk").last()
    assert note.text == (
        f"您的最低生活保障（{case.number}）将于本月底停止，理由：家庭收入超过低保标准"
    )


def test_review_recomputes_through_the_policy_engine(
    staff, poor_household, monkeypatch, county_admin
):
    case = in_force(staff, poor_household, monkeypatch)
    before = Recipient.objects.get(case=case).monthly_amount
    registry_services.add_income(county_admin, poor_household, "wages", "100")
    recipient = services.review(staff["approver"], case, case.version, "家庭报告收入变化")
    assert recipient.monthly_amount == before - Decimal("100")
    event = case.events.get(action=Action.REVIEW)
    assert event.data == {
        "old_amount": str(before),
        "new_amount": str(before - Decimal("100")),
        "status": RecipientStatus.ACTIVE,
    }
    assert event.comment == "家庭报告收入变化" and event.actor == staff["approver"]


def test_tekun_for_an_elderly_person_living_alone(staff, dong_e_village, county_admin):
    household = factories.household(
        county_admin,
        dong_e_village,
        members=[
            factories.born(
                Relation.HEAD, "孤老", dong_e_village, dt.date(1940, 1, 1), labour_capacity="none"
            ),
        ],
    )
    person = head_of(household)
    with pytest.raises(DomainError) as refused:
        submit(staff["assistant"], household, "tekun")
    assert refused.value.message == "该项目须指定救助对象（个人）。"
    assert not Case.objects.filter(household=household).exists()  # nothing written
    case = submit(staff["assistant"], household, "tekun", beneficiary=person)
    investigate(case, staff["assistant"])
    # No self-care assessment: no care level, no decision (docs/policy/tekun.md#self-care).
    with pytest.raises(DomainError) as no_level:
        services.approve(staff["approver"], case, case.version)
    assert no_level.value.message == care.NO_ASSESSMENT
    assert Case.objects.get(pk=case.pk).status == Status.DECIDING  # nothing written
    assess(staff["assistant"], person, {"bathing", "walking"})
    services.approve(staff["approver"], case, case.version)
    # Rural tekun basic 1,356 (2022) + semi-dependent care 491 (2024): 2 of 6 not possible.
    assert case.status == Status.NOTICE and case.monthly_amount == Decimal("1847.00")


def test_temporary_assistance_is_one_off_without_notice(staff, poor_household):
    hardship = services.Hardship(Decimal("900"), "medical", "门诊票据")
    case = submit(
        staff["assistant"],
        poor_household,
        "temporary",
        temporary_kind="expenditure",
        hardship=hardship,
    )
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    assert case.status == Status.IN_FORCE and case.notice_starts_on is None
    assert case.one_off_amount == Decimal("884.00")  # one whole month of the standard
    # Paid once: a one-month recipient, ended from the start (tests/cases/test_temporary_aid).
    assert Recipient.objects.get(case=case).status == RecipientStatus.ENDED


def test_household_page_shows_the_case(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    page = client_for(staff["assistant"]).get(f"/households/{poor_household.pk}/").content.decode()
    assert case.number in page


def test_events_form_the_history(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    services.accept(staff["assistant"], case, case.version, "材料齐全")
    event = CaseEvent.objects.get(case=case, action="accept")
    assert (event.actor, event.from_status, event.to_status, event.comment) == (
        staff["assistant"],
        "submitted",
        "accepted",
        "材料齐全",
    )
    assert Case.objects.get(pk=case.pk).version == 1


def test_suspend_and_reinstate(staff, poor_household, monkeypatch):
    case = in_force(staff, poor_household, monkeypatch)
    with pytest.raises(PermissionError) as not_allowed:
        services.suspend(staff["assistant"], case, case.version, "联系不上")
    assert str(not_allowed.value) == "您的角色不能执行“暂停发放”。"
    assert Recipient.objects.get(case=case).status == RecipientStatus.ACTIVE
    with pytest.raises(DomainError, match="理由"):
        services.suspend(staff["approver"], case, case.version, "")
    assert services.suspend(staff["approver"], case, case.version, "联系不上").status == "suspended"
    with pytest.raises(DomainError, match="已经暂停"):
        services.suspend(staff["approver"], case, case.version, "again")
    assert services.reinstate(staff["approver"], case, case.version).status == "active"
    assert [e.action for e in case.events.all()][-2:] == ["suspend", "reinstate"]


def test_one_off_temporary_has_nothing_to_review(staff, poor_household):
    case = submit(staff["assistant"], poor_household, "temporary", temporary_kind="emergency")
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    with pytest.raises(DomainError, match="一次性"):
        services.review(staff["assistant"], case, case.version, "复核")


def test_reviews_due_appear_in_the_towns_list(staff, poor_household, monkeypatch):
    case = in_force(staff, poor_household, monkeypatch)
    recipient = Recipient.objects.get(case=case)
    set_today(monkeypatch, recipient.next_review_on)
    assert list(selectors.reviews_due(staff["assistant"])) == [recipient]
    assert list(selectors.reviews_due(staff["other_assistant"])) == []
    page = client_for(staff["assistant"]).get("/cases/").content.decode()
    assert "到期复核" in page and case.number in page


def test_a_person_is_never_in_dibao_and_tekun_at_once(staff, poor_household, monkeypatch):
    set_today(monkeypatch, FIXED_DAY)
    dibao = in_force(staff, poor_household, monkeypatch)
    before = Recipient.objects.get(case=dibao)
    assert before.members_covered == 2

    spouse = poor_household.memberships.get(relation="spouse").person
    assess(staff["assistant"], spouse)
    tekun = in_force(staff, poor_household, monkeypatch, "tekun", beneficiary=spouse)

    after = Recipient.objects.get(case=dibao)
    assert after.members_covered == 1
    # One member left in the dibao unit: the spouse's share leaves with her.
    assert (before.monthly_amount, after.monthly_amount) == (Decimal("1744.80"), Decimal("872.40"))
    assert dibao.events.filter(action="review", comment__contains=tekun.number).exists()
