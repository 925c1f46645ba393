"""Tekun's self-care assessment and care institutions, children in hardship: recorded per
person with history, used by the decision, the batch and the payroll alike. Worked cases
from docs/policy/tekun.md and other-programmes.md#children with the shipped figures (month
of payment 2027-01: rural tekun basic 1,356 from 2022; care 296 / 491 / 982 from 2024;
children 1,865 dispersed / 2,785 institutional from 2024)."""

import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.cases import care, selectors, services
from jiuzhu.cases.models import Case, Recipient, RecipientStatus, Status
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.roles import Role
from jiuzhu.payments import files
from jiuzhu.payments import services as payments
from jiuzhu.payments.models import PayrollLine
from jiuzhu.policy.batch import run_entitlements
from jiuzhu.policy.models import EntitlementResult
from jiuzhu.registry.care import services as registry_care
from jiuzhu.registry.care.models import (
    ChildCategory,
    ChildHardship,
    SelfCareAssessment,
    SupportMode,
)
from jiuzhu.registry.models import Relation
from tests import factories
from tests.cases.conftest import assess, elderly_alone, investigate, set_today, submit
from tests.conftest import client_for

TODAY = dt.date(2026, 12, 1)
PAID_FROM = dt.date(2027, 1, 1)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    set_today(monkeypatch, TODAY)


def _decided(staff, household, programme, person):
    case = submit(staff["assistant"], household, programme, beneficiary=person)
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    return case


def _in_force(staff, monkeypatch, case):
    if case.status == Status.NOTICE:
        set_today(monkeypatch, case.notice_ends_on + dt.timedelta(days=1))
        services.close_notice(staff["assistant"], case, case.version)
        set_today(monkeypatch, TODAY)
    return Recipient.objects.get(case=case)


def _account(actor, household, person, number):
    reviewer = User.objects.filter(role=Role.COUNTY_ADMIN).exclude(pk=actor.pk).first()
    requested = payments.set_account(actor, household, person, "农商银行", number, person.name)
    return payments.approve_account(reviewer, requested)


def _payroll_lines(staff, town, month=PAID_FROM):
    payroll = payments.prepare_payroll(staff["assistant"], month, town)
    return payroll, list(PayrollLine.objects.of_payroll(payroll.pk))


# --- tekun ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unable", "level", "amount"),
    [
        ((), "自理", "1652.00"),  # 1,356 + 296
        (("bathing",), "半自理", "1847.00"),  # one activity: semi-dependent from 1
        (("bathing", "walking", "dressing"), "半自理", "1847.00"),  # 3: still semi
        (("bathing", "walking", "dressing", "toileting"), "失能", "2338.00"),  # 4: 1,356 + 982
    ],
)
def test_the_recorded_assessment_sets_the_care_standard(
    staff, dong_e_village, county_admin, unable, level, amount
):
    household, person = elderly_alone(county_admin, dong_e_village)
    assessment = assess(staff["assistant"], person, set(unable))
    assert assessment.unable_count == len(unable)
    assert assessment.reassess_by == dt.date(2027, 12, 1)  # a year later by default
    case = _decided(staff, household, "tekun", person)
    assert case.monthly_amount == Decimal(amount)
    assert f"照料等级{level}" in str(case.explanation)
    # The batch reads the same recorded facts: the same amount for the household.
    run = run_entitlements(PAID_FROM)
    row = EntitlementResult.objects.get(run=run, household_id=household.pk, programme="tekun")
    assert row.amount_fen == int(Decimal(amount) * 100)


def test_no_care_level_without_an_assessment_and_none_after_its_due_date(
    staff, dong_e_village, county_admin, monkeypatch
):
    household, person = elderly_alone(county_admin, dong_e_village)
    case = submit(staff["assistant"], household, "tekun", beneficiary=person)
    investigate(case, staff["assistant"])
    with pytest.raises(DomainError) as refused:
        services.approve(staff["approver"], case, case.version)
    assert refused.value.message == care.NO_ASSESSMENT
    assert Case.objects.get(pk=case.pk).status == Status.DECIDING
    assert Case.objects.get(pk=case.pk).monthly_amount is None  # nothing written
    assess(staff["assistant"], person, {"bathing"}, on=dt.date(2025, 12, 1))
    # Due on 2026-12-01: still valid that day, not the day after.
    set_today(monkeypatch, dt.date(2026, 12, 2))
    with pytest.raises(DomainError) as expired:
        services.approve(staff["approver"], case, case.version)
    assert (
        expired.value.message == "生活自理能力评估已于2026年12月01日到期，请重新评估后再审核确认。"
    )
    set_today(monkeypatch, TODAY)
    services.approve(staff["approver"], case, case.version)
    assert case.monthly_amount == Decimal("1847.00")


def test_an_assessment_is_checked_and_kept_with_its_history(staff, dong_e_village, county_admin):
    _household, person = elderly_alone(county_admin, dong_e_village)
    actor = staff["assistant"]

    def refused(**changes):
        values = {
            "assessed_on": TODAY,
            "assessor": "王评估",
            "assessor_unit": "县社会福利中心",
            "unable": {"eating"},
            **changes,
        }
        with pytest.raises(DomainError) as error:
            services.assess_self_care(actor, person, **values)
        return error.value.message

    assert refused(reassess_by=dt.date(2027, 12, 2)) == (
        "下次评估期限不能晚于2027年12月01日（至少每年评估一次）。"
    )
    assert refused(reassess_by=TODAY) == "下次评估期限应晚于评估日期。"
    assert refused(unable={"flying"}) == "日常活动项目无效。"
    assert refused(assessor=" ") == "请填写评估人员。"
    assert refused(assessed_on=dt.date(2026, 12, 2)) == "评估日期不能晚于今天。"
    assert not SelfCareAssessment.objects.exists()  # nothing written
    assess(actor, person, {"eating"}, on=dt.date(2026, 6, 1))
    assess(actor, person, {"eating", "bathing", "walking", "toileting"})
    assert (
        refused(assessed_on=dt.date(2026, 5, 1)) == "评估日期不能早于上一次评估（2026年12月01日）。"
    )
    other_town = staff["other_assistant"]
    with pytest.raises(PermissionError):
        services.assess_self_care(other_town, person, TODAY, "王", "县福利中心", ())
    page = client_for(actor).get(f"/cases/care/{_household.pk}/{person.pk}/").content.decode()
    assert "失能" in page and "半自理" in page and "（当前）" in page  # history kept
    assert SelfCareAssessment.objects.filter(person=person).count() == 2


def test_an_able_supporter_excludes_tekun(staff, dong_e_village, county_admin):
    household, person = elderly_alone(county_admin, dong_e_village)
    assess(staff["assistant"], person)
    registry_care.record_supporter(
        staff["assistant"], person, "孤老之子", "child", False, TODAY, TODAY, "重度残疾"
    )
    with pytest.raises(DomainError, match="无履行能力的原因"):
        registry_care.record_supporter(
            staff["assistant"], person, "孤老之女", "child", False, TODAY, TODAY
        )
    registry_care.record_supporter(
        staff["assistant"], person, "孤老之女", "child", True, TODAY, TODAY
    )
    case = submit(staff["assistant"], household, "tekun", beneficiary=person)
    investigate(case, staff["assistant"])
    with pytest.raises(DomainError, match="不符合条件"):
        services.approve(staff["approver"], case, case.version)
    # The daughter is found unable after all: her later record supersedes the first.
    registry_care.record_supporter(
        staff["assistant"], person, "孤老之女", "child", False, TODAY, TODAY, "服刑"
    )
    services.approve(staff["approver"], case, case.version)
    assert case.monthly_amount == Decimal("1652.00")


def test_institutional_tekun_is_paid_to_the_institution(
    staff, dong_e, dong_e_village, county_admin, monkeypatch
):
    household, person = elderly_alone(county_admin, dong_e_village)
    _account(county_admin, household, person, "6221000000000001")
    home = registry_care.add_institution(
        staff["assistant"],
        "东阿镇敬老院",
        dong_e,
        "12370124MB0000001X",
        "平阴农商银行",
        "6230000012345678",
        "平阴县东阿镇敬老院",
    )
    with pytest.raises(DomainError, match="集中供养请选择入住的机构"):
        registry_care.record_arrangement(staff["assistant"], person, "institutional", TODAY, TODAY)
    registry_care.record_arrangement(
        staff["assistant"], person, SupportMode.INSTITUTIONAL, TODAY, TODAY, home
    )
    assess(staff["assistant"], person, {"bathing", "walking", "dressing", "toileting", "eating"})
    case = _decided(staff, household, "tekun", person)
    assert case.monthly_amount == Decimal("2338.00")
    _in_force(staff, monkeypatch, case)
    payroll, [line] = _payroll_lines(staff, dong_e)
    assert (line.programme, line.net_fen, line.payee_id) == ("tekun", 233800, person.pk)
    assert (line.payee_name, line.holder_name, line.bank) == (
        "东阿镇敬老院",
        "平阴县东阿镇敬老院",
        "平阴农商银行",
    )
    assert (line.account_number, line.id_number) == ("6230000012345678", "12370124MB0000001X")
    assert line.institution_id == home.pk and line.account_id is None
    # The bank file pays the institution's account (not the person's own account).
    chunks = list(files.bank_lines(payroll, "平阴农商银行"))
    assert [account for chunk in chunks for account in chunk.account] == ["6230000012345678"]
    assert [chunk.account for chunk in files.bank_lines(payroll, "农商银行")] in ([], [[]])


# --- children ---------------------------------------------------------------------------


def _child_household(admin, village, birth=dt.date(2012, 5, 1)):
    household = factories.household(
        admin,
        village,
        members=[
            factories.born(Relation.HEAD, "张奶奶", village, dt.date(1958, 3, 1), "F"),
            factories.born(Relation.GRANDCHILD, "张小宝", village, birth),
        ],
    )
    grandmother = factories.head_of(household)
    child = household.memberships.get(relation=Relation.GRANDCHILD).person
    return household, grandmother, child


@pytest.mark.parametrize(
    ("father", "mother", "category"),
    [
        ("deceased", "deceased", ChildCategory.ORPHAN),
        ("imprisoned", "missing", ChildCategory.DE_FACTO),
        ("deceased", "severely_disabled", ChildCategory.DE_FACTO),
        ("seriously_ill", "able", ChildCategory.OTHER),
    ],
)
def test_the_parents_status_makes_the_category(
    staff, dong_e_village, county_admin, father, mother, category
):
    _household, grandmother, child = _child_household(county_admin, dong_e_village)
    record = services.record_child(
        staff["assistant"], child, father, mother, "死亡证明、判决书", TODAY, grandmother, "祖母"
    )
    assert record.category == category


def test_an_orphan_is_approved_and_paid_to_the_guardian(
    staff, dong_e, dong_e_village, county_admin, monkeypatch
):
    household, grandmother, child = _child_household(county_admin, dong_e_village)
    _account(county_admin, household, grandmother, "6221000000000002")
    case = submit(staff["assistant"], household, "children", beneficiary=child)
    investigate(case, staff["assistant"])
    with pytest.raises(DomainError) as refused:
        services.approve(staff["approver"], case, case.version)
    assert refused.value.message == care.NO_CHILD_RECORD
    with pytest.raises(DomainError, match="请选择监护人"):
        services.record_child(staff["assistant"], child, "deceased", "deceased", "死亡证明", TODAY)
    services.record_child(
        staff["assistant"],
        child,
        "deceased",
        "deceased",
        "父母死亡证明",
        TODAY,
        grandmother,
        "祖母",
    )
    services.approve(staff["approver"], case, case.version)
    # No public notice for children: in force at once, dispersed standard.
    assert case.status == Status.IN_FORCE and case.monthly_amount == Decimal("1865.00")
    recipient = Recipient.objects.get(case=case)
    assert (recipient.person_id, recipient.start_month) == (child.pk, PAID_FROM)
    _payroll, [line] = _payroll_lines(staff, dong_e)
    assert (line.programme, line.net_fen) == ("children", 186500)
    assert (line.payee_id, line.payee_name, line.account_number) == (
        grandmother.pk,
        "张奶奶",
        "6221000000000002",
    )
    page = client_for(staff["assistant"]).get(f"/households/{household.pk}/").content.decode()
    assert "特困供养与困境儿童信息" in page and "孤儿，监护人张奶奶" in page


def test_a_child_in_an_institution_gets_the_institutional_standard(
    staff, dong_e, dong_e_village, county_admin
):
    household, grandmother, child = _child_household(county_admin, dong_e_village)
    home = registry_care.add_institution(
        staff["assistant"],
        "平阴县儿童福利院",
        dong_e,
        "12370124MB0000002X",
        "平阴农商银行",
        "6230000012349999",
        "平阴县儿童福利院",
    )
    services.record_child(
        staff["assistant"],
        child,
        "missing",
        "imprisoned",
        "失踪宣告、判决书",
        TODAY,
        grandmother,
        "祖母",
    )
    registry_care.record_arrangement(staff["assistant"], child, "institutional", TODAY, TODAY, home)
    case = _decided(staff, household, "children", child)
    assert case.monthly_amount == Decimal("2785.00")
    _payroll, [line] = _payroll_lines(staff, dong_e)
    assert (line.net_fen, line.payee_name, line.account_number, line.institution_id) == (
        278500,
        "平阴县儿童福利院",
        "6230000012349999",
        home.pk,
    )


def test_a_child_over_the_age_limit_is_refused(staff, dong_e_village, county_admin):
    household, grandmother, child = _child_household(
        county_admin, dong_e_village, birth=dt.date(2008, 12, 1)
    )  # 18 today
    message = "该儿童已于2026年12月01日年满18周岁，且未在全日制学校就读，不属于困境儿童保障范围。"
    with pytest.raises(DomainError) as refused:
        services.record_child(
            staff["assistant"],
            child,
            "deceased",
            "deceased",
            "死亡证明",
            TODAY,
            grandmother,
            "祖母",
        )
    assert refused.value.message == message
    assert not ChildHardship.objects.exists()
    with pytest.raises(DomainError) as too_old:
        submit(staff["assistant"], household, "children", beneficiary=child)
    assert too_old.value.message == message
    assert not Case.objects.filter(household=household).exists()
    # Still at school full-time: recorded, and helped until the school ends.
    services.record_child(
        staff["assistant"],
        child,
        "deceased",
        "deceased",
        "死亡证明",
        TODAY,
        grandmother,
        "祖母",
        education_until=dt.date(2027, 6, 30),
    )
    assert submit(staff["assistant"], household, "children", beneficiary=child).pk


def test_the_18th_birthday_ends_the_allowance_in_the_monthly_run(
    staff, dong_e, dong_e_village, county_admin, monkeypatch
):
    household, grandmother, child = _child_household(
        county_admin, dong_e_village, birth=dt.date(2009, 1, 15)
    )
    _account(county_admin, household, grandmother, "6221000000000003")
    services.record_child(
        staff["assistant"], child, "deceased", "deceased", "死亡证明", TODAY, grandmother, "祖母"
    )
    case = _decided(staff, household, "children", child)
    # The reminder: on the worklist three months before the birthday.
    [due] = care.care_due(staff["assistant"], TODAY)
    assert (due.recipient.case_id, due.due) == (case.pk, dt.date(2027, 1, 15))
    assert "年满18周岁提醒" in client_for(staff["assistant"]).get("/cases/").content.decode()
    _payroll, [line] = _payroll_lines(staff, dong_e)
    recipient = Recipient.objects.get(case=case)
    assert (recipient.status, recipient.end_month) == (RecipientStatus.ENDED, dt.date(2027, 1, 15))
    assert Case.objects.get(pk=case.pk).status == Status.ENDED
    # 14 of January's 31 days: 1,865 × 14 / 31 = 842.26.
    assert (line.net_fen, line.share_permille) == (84226, 452)
    assert case.events.filter(action="terminate", actor__isnull=True).exists()


def test_full_time_education_carries_the_allowance_past_18(
    staff, dong_e, dong_e_village, county_admin, monkeypatch
):
    household, grandmother, child = _child_household(
        county_admin, dong_e_village, birth=dt.date(2009, 1, 15)
    )
    _account(county_admin, household, grandmother, "6221000000000004")
    services.record_child(
        staff["assistant"],
        child,
        "deceased",
        "deceased",
        "死亡证明",
        TODAY,
        grandmother,
        "祖母",
        education_until=dt.date(2027, 6, 30),
    )
    case = _decided(staff, household, "children", child)
    _payroll, [line] = _payroll_lines(staff, dong_e)
    assert line.net_fen == 186500
    assert Recipient.objects.get(case=case).status == RecipientStatus.ACTIVE
    assert care.care_due(staff["assistant"], TODAY) == []  # not due within three months
    assert selectors.case_for(staff["assistant"], case.pk) is not None


def test_the_batch_pays_a_child_at_school_past_18_until_the_school_ends(
    staff, dong_e_village, county_admin
):
    household, grandmother, child = _child_household(
        county_admin, dong_e_village, birth=dt.date(2009, 1, 15)
    )
    services.record_child(
        staff["assistant"], child, "deceased", "deceased", "死亡证明", TODAY, grandmother, "祖母",
        education_until=dt.date(2027, 6, 30),
    )  # fmt: skip

    def children_fen(month):
        run = run_entitlements(month)
        rows = EntitlementResult.objects.filter(
            run=run, household_id=household.pk, programme="children"
        )
        return [row.amount_fen for row in rows]

    assert children_fen(dt.date(2026, 12, 1)) == [186500]  # 17
    assert children_fen(dt.date(2027, 6, 1)) == [186500]  # 18, still at school
    assert children_fen(dt.date(2027, 7, 1)) == []  # school over
