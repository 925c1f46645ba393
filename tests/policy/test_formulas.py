"""Worked cases from docs/policy/ (dibao.md, tekun.md, other-programmes.md), one rule at a time
(amounts in fen)."""

import datetime as dt

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.policy.calculator import calculate
from jiuzhu.policy.household import AssetIn, MemberIn
from tests.policy.conftest import hh, income

pytestmark = pytest.mark.django_db
RURAL = 49400  # 494 yuan from 2020-04-01
URBAN = 74000


def dibao(household):
    return calculate(household, ["dibao"]).result("dibao")


def test_difference_method_two_adults():
    # (494 − 300/2) × 2 = 688
    r = dibao(hh([MemberIn(age=40), MemberIn(age=45)], [income("wages", 300)]))
    assert r.eligible and r.monthly_fen == 2 * RURAL - 30000


def test_income_exactly_at_the_standard_is_not_eligible():
    r = dibao(hh([MemberIn(age=40), MemberIn(age=45)], [income("wages", "988.00")]))
    assert not r.eligible and r.monthly_fen == 0 and r.reason == "income_above_standard"
    r = dibao(hh([MemberIn(age=40), MemberIn(age=45)], [income("wages", "987.99")]))
    assert r.eligible  # one fen below: the minimum payment applies
    assert r.monthly_fen == 2 * 4940  # 10 % of the standard per person


def test_minimum_payment_per_person():
    r = dibao(hh([MemberIn(age=40)], [income("wages", 480)]))
    assert r.monthly_fen == 4940  # 14 yuan gap < 49.40 minimum


def test_topups_for_elderly_minor_severely_disabled_ill():
    members = [
        MemberIn(age=70),
        MemberIn(age=10),
        MemberIn(age=40, disability_grade=2, disability_category="physical"),
        MemberIn(age=35, serious_illness=True),
        MemberIn(age=30),
    ]
    r = dibao(hh(members))
    assert r.monthly_fen == 5 * RURAL + 4 * 4940


def test_not_counted_income_and_registered_poor_exclusions():
    incomes = [
        income("wages", 100),
        income("resident_basic_pension", 150),
        income("veterans_care", 200),
        income("filial_subsidy", 300),
        income("poverty_post", 400),
        income("poverty_dividend", 500),
    ]
    members = [MemberIn(age=40), MemberIn(age=40)]
    poor = calculate(hh(members, incomes, registered_poor=True), ["dibao"])
    assert poor.means_test["countable_income"] == "100.00"
    assert poor.result("dibao").monthly_fen == 2 * RURAL - 10000
    other = calculate(hh(members, incomes), ["dibao"])
    assert other.means_test["countable_income"] == "1300.00"
    assert not other.result("dibao").eligible
    text = "\n".join(line for s in poor.explanation for line in s.lines)
    assert "孝善扶贫补助" in text and "建档立卡贫困户不计入" in text
    assert "城乡居民基础养老金" in text and "国家规定不计入" in text


def test_work_cost_is_deducted_from_wages_of_a_named_member():
    # 20 % of 500 = 100, capped at 30 % of 494 = 148.20: countable 400.
    r = calculate(hh([MemberIn(age=40), MemberIn(age=40)], [income("wages", 500, 0)]), ["dibao"])
    assert r.means_test["work_cost"] == "100.00"
    assert r.result("dibao").monthly_fen == 2 * RURAL - 40000
    # capped: 20 % of 1000 = 200 > 148.20
    r = calculate(hh([MemberIn(age=40)] * 3, [income("wages", 1000, 0)]), ["dibao"])
    assert r.means_test["work_cost"] == "148.20"


@pytest.mark.parametrize(
    ("asset", "ok"),
    [
        (AssetIn("vehicle", 1), False),
        (AssetIn("motorbike_or_farm", 2), True),
        (AssetIn("assistive_vehicle", 1), True),
        (AssetIn("house", 1), True),
        (AssetIn("house", 2), False),
        (AssetIn("deposit", 1, 24 * RURAL), True),  # 24 months of the standard, one person
        (AssetIn("deposit", 1, 24 * RURAL + 1), False),
        (AssetIn("business", 1, 10_000_000), True),
        (AssetIn("business", 1, 10_000_001), False),
    ],
)
def test_asset_limits(asset, ok):
    r = dibao(hh([MemberIn(age=40)], assets=[asset]))
    assert r.eligible is ok
    # One person with no income: the whole standard, or nothing when property is over.
    assert (r.reason, r.monthly_fen) == (("eligible", RURAL) if ok else ("assets_over_limit", 0))


def test_public_payroll_member_goes_to_the_county():
    r = calculate(hh([MemberIn(age=40, public_payroll=True), MemberIn(age=40)]))
    dibao_result = r.result("dibao")
    assert not dibao_result.eligible and dibao_result.reason == "public_payroll"
    assert (
        dibao_result.monthly_fen == 0
        and dibao_result.summary == "有财政供养人员，需县级个案研究决定"
    )
    assert "家庭成员中有财政供养人员，需报县级个案研究决定。" in lines_of(r, "财产核查")


def test_a_member_not_living_with_the_household_is_not_counted():
    r = calculate(hh([MemberIn(age=40), MemberIn(age=20, counted=False)]), ["dibao"])
    assert r.means_test["members"] == 1 and r.result("dibao").monthly_fen == RURAL


def test_new_standard_takes_effect_on_its_month():
    before = dibao(hh([MemberIn(age=40)], month=dt.date(2020, 3, 1), area="urban"))
    after = dibao(hh([MemberIn(age=40)], month=dt.date(2020, 4, 1), area="urban"))
    assert (before.monthly_fen, after.monthly_fen) == (68500, 74000)


def lines_of(calculation, title):
    """The explanation's lines under one section title."""
    (section,) = [s for s in calculation.explanation if s.title == title]
    return section.lines


def test_month_without_parameters_is_refused():
    with pytest.raises(DomainError, match="没有生效的参数"):
        calculate(hh(month=dt.date(2015, 1, 1)))


def test_zero_members_and_negative_income_are_refused():
    with pytest.raises(DomainError, match="人数不能为零"):
        calculate(hh(members=[]) if False else hh_with_no_members())
    with pytest.raises(DomainError, match="负数"):
        calculate(hh(incomes=[income("wages", -1)]))
    with pytest.raises(DomainError, match="未知的救助项目"):
        calculate(hh(), ["lottery"])


def hh_with_no_members():
    h = hh()
    h.members = []
    return h


def above_the_line(month_above: int, poor: bool = True):
    """A recipient of 300 yuan whose income (600) rose above the standard (494)."""
    return hh(
        [MemberIn(age=40)],
        [income("wages", 600)],
        registered_poor=poor,
        dibao_recipient=True,
        months_above_line=month_above,
        previous_amount_fen=30000,
    )


def test_phase_out_keeps_dibao_for_twelve_months_for_registered_poor():
    def at(month_above: int, poor: bool = True):
        return dibao(above_the_line(month_above, poor))

    first, last, after = at(1), at(12), at(13)
    assert first.phase_out and first.monthly_fen == 30000 and not first.eligible
    assert first.summary == "收入已超过标准，处于渐退期，每月300.00元"
    assert last.phase_out and last.monthly_fen == 30000  # the last month of phase-out
    assert not after.phase_out and after.monthly_fen == 0
    # Others: 6 months by default.
    assert at(6, poor=False).monthly_fen == 30000 and at(7, poor=False).monthly_fen == 0


def test_phase_out_is_explained_with_its_month_length_and_share():
    def explained(month_above: int):
        return lines_of(calculate(above_the_line(month_above), ["dibao"]), "最低生活保障")

    assert explained(12) == [
        "收入已超过标准，处于渐退期。",
        "收入超过标准的第12个月，渐退期共12个月（最后一个月），"
        "本月按原金额300.00元的100%发放 300.00元。",
    ]
    assert explained(3)[1].startswith("收入超过标准的第3个月，渐退期共12个月，本月")
    assert explained(13) == [
        "家庭人均收入不低于低保标准。",
        "收入超过标准已13个月，超过渐退期12个月，停止发放。",
    ]


def test_single_person_unit_in_a_registered_poor_household():
    members = [
        MemberIn(age=45, name="户主"),
        MemberIn(age=20, name="重残", disability_grade=1, disability_category="physical"),
    ]
    incomes = [income("wages", 2000, 0)]
    r = dibao(hh(members, incomes, registered_poor=True))
    assert r.eligible and r.reason == "single_person_unit"
    assert r.monthly_fen == RURAL + 4940  # own income 0; top-up for severe disability
    assert [(b.name, b.monthly_fen, b.note) for b in r.beneficiaries] == [
        ("重残", RURAL + 4940, "单人户")
    ]
    calculation = calculate(hh(members, incomes, registered_poor=True), ["dibao"])
    assert lines_of(calculation, "最低生活保障")[-1] == (
        "重残：（标准494.00 − 本人收入0.00）+ 增发49.40 = 543.40元。"
    )
    # Not registered poor and not an edge household: no single-person unit.
    assert not dibao(hh(members, incomes)).eligible


def test_single_person_units_leave_out_a_member_already_supported_as_tekun():
    """The explanation lists exactly the members the amount pays for: a severely disabled
    member already supported as tekun is outside the dibao unit (docs/policy/dibao.md)."""
    severe = {"disability_grade": 1, "disability_category": "physical"}
    members = [
        MemberIn(age=40, name="甲", **severe),
        MemberIn(age=50, name="乙", tekun_member=True, **severe),
        MemberIn(age=30, name="丙"),
    ]
    r = dibao(hh(members, [income("wages", 2500, 2)], registered_poor=True))
    assert r.reason == "single_person_unit" and r.monthly_fen == RURAL + 4940
    assert [(b.name, b.monthly_fen) for b in r.beneficiaries] == [("甲", RURAL + 4940)]
    assert sum(b.monthly_fen for b in r.beneficiaries) == r.monthly_fen


def test_tekun_elderly_alone_with_care_level():
    calculation = calculate(hh([MemberIn(age=80, adl_unable=4, name="李奶奶")]), ["tekun"])
    r = calculation.result("tekun")
    # rural basic 643 + dependent care 700 (2020 Jinan figures)
    assert r.eligible and r.monthly_fen == 64300 + 70000
    assert r.summary == "1人符合特困条件，每月1,343.00元"
    assert [(b.name, b.monthly_fen, b.note) for b in r.beneficiaries] == [
        ("李奶奶", 134300, "分散供养")
    ]
    assert lines_of(calculation, "特困人员救助供养")[0] == (
        "李奶奶：无劳动能力、无生活来源、无履行能力的法定义务人，符合特困条件（分散供养）。"
        "六项日常活动中4项不能完成，照料等级失能；基本生活标准643.00元 + 照料护理标准700.00元"
        " = 1,343.00元/月。"
    )


@pytest.mark.parametrize(("adl", "care"), [(0, 21000), (1, 35000), (3, 35000), (4, 70000)])
def test_care_level_from_six_daily_activities(adl, care):
    r = calculate(hh([MemberIn(age=70, adl_unable=adl)]), ["tekun"]).result("tekun")
    assert r.monthly_fen == 64300 + care


def test_tekun_needs_no_capacity_no_income_no_supporter():
    tekun = lambda h: calculate(h, ["tekun"]).result("tekun")  # noqa: E731
    assert not tekun(hh([MemberIn(age=40)])).eligible  # able to work
    assert tekun(hh([MemberIn(age=40, disability_grade=3, disability_category="mental")])).eligible
    assert not tekun(
        hh([MemberIn(age=40, disability_grade=3, disability_category="physical")])
    ).eligible
    assert not tekun(hh([MemberIn(age=70, has_supporter=True)])).eligible
    # an able adult son in the household supports him
    assert not tekun(hh([MemberIn(age=70), MemberIn(age=40)])).eligible
    assert not tekun(hh([MemberIn(age=70)], [income("pension", 500)])).eligible


def test_dibao_and_tekun_exclude_each_other_for_one_person():
    members = [MemberIn(age=80, tekun_member=True), MemberIn(age=75)]
    r = calculate(hh(members), ["dibao"]).result("dibao")
    assert r.monthly_fen == RURAL + 4940  # only the second person is in the dibao unit


def test_orphan_goes_to_the_children_scheme_not_tekun():
    r = calculate(hh([MemberIn(age=8, orphan=True)]), ["tekun", "children"])
    assert not r.result("tekun").eligible
    assert r.result("tekun").summary == "无人符合特困条件"
    assert lines_of(r, "特困人员救助供养") == ["成员1：不符合特困条件（孤儿纳入孤困儿童保障）。"]
    assert r.result("children").monthly_fen == 140000  # dispersed default
    assert r.result("children").summary == "1名儿童，每月1,400.00元"


def test_temporary_limits_disability_and_elderly_subsidies():
    members = [MemberIn(age=82), MemberIn(age=50, disability_grade=1, disability_category="visual")]
    r = calculate(hh(members, temporary_kind="emergency"))
    assert r.result("temporary").one_off_fen == RURAL  # nothing declared: small, quick aid
    assert r.result("temporary").summary == "急难型临时救助，一次性494.00元"
    assert lines_of(r, "临时救助")[3:] == [
        "乡镇审批上限 2,964.00元（2人），县级审批上限 5,928.00元，小额快救上限 494.00元。",
        "急难型：未申报困难金额，按小额快救发放494.00元。",
    ]
    assert r.result("disability").monthly_fen == 9000 + 9000  # living + nursing
    assert lines_of(r, "残疾人两项补贴") == [
        "成员2：低保家庭残疾人生活补贴90.00元；1级重度残疾人护理补贴90.00元。"
    ]
    assert r.result("elderly").monthly_fen == 10000
    assert r.result("elderly").summary == "1人，每月100.00元"
    medical = r.result("medical")  # dibao household: no second means test
    assert medical.eligible and medical.reason == "covered_by_dibao_tekun"
    spend = calculate(hh(members, temporary_kind="expenditure", temporary_expense_fen=10_000_000))
    assert spend.result("temporary").one_off_fen == 12 * RURAL  # county limit
    assert lines_of(spend, "临时救助")[-1] == (
        "支出型：申报困难金额100,000.00元，按低保标准494.00元的整月数建议救助5,928.00元"
        "（超过乡镇审批权限，须报县级审批）。"
    )
    # Whole months of the standard: 1,500 is 3 months of 494 (1,482); under a month, itself.
    for declared, aid, county in ((150_000, 3 * RURAL, False), (30_000, 30_000, False)):
        result = calculate(
            hh(members, temporary_kind="expenditure", temporary_expense_fen=declared)
        ).result("temporary")
        assert (result.one_off_fen, "县级" in result.summary) == (aid, county)
    none = calculate(hh(members), ["temporary", "medical"])
    assert (none.result("temporary").eligible, none.result("temporary").reason) == (
        False,
        "no_hardship",
    )


def test_explanation_names_parameters_with_dates_and_tests():
    r = calculate(hh([MemberIn(age=70), MemberIn(age=68)], [income("pension", 200)]))
    titles = [s.title for s in r.explanation]
    assert titles[:2] == ["收入核算", "财产核查"] and "最低生活保障" in titles
    text = "\n".join(line for s in r.explanation for line in s.lines)
    assert "农村低保标准：494.00元/人·月（2020-04-01起" in text
    assert "收入条件符合" in text and "补差" in text
    assert lines_of(r, "收入核算")[-1] == (
        "家庭月可计收入 200.00元，人均 100.00元，低于低保标准 494.00元：收入条件符合。"
    )
    assert lines_of(r, "财产核查")[:2] == [
        "机动车辆0辆（允许0辆，残疾人代步车、摩托车、农用车不计）：符合",
        "住房0套（允许1套）：符合",
    ]
    keys = {p["key"] for p in r.parameters}
    assert {"dibao.standard.rural", "dibao.minimum_share", "asset.financial_months"} <= keys
    standard = next(p for p in r.parameters if p["key"] == "dibao.standard.rural")
    assert standard == {
        "key": "dibao.standard.rural",
        "label": "农村低保标准",
        "value": "494.00",
        "unit": "元/人·月",
        "effective_from": "2020-04-01",
        "source": "济南市2020年城乡低保、特困人员救助供养标准（2020-04-01起）",
    }


@pytest.mark.parametrize(
    ("pension", "eligible", "reason", "summary"),
    [
        # A mother and her son: dibao line 2 × 494 = 988, edge line 1.5 times it, 1,482.
        ("500", True, "covered_by_dibao_tekun", "特困、低保家庭子女，免于再次经济状况核对"),
        ("988", True, "edge_household", "低保边缘家庭子女，按学段给予教育救助"),
        ("1481.99", True, "edge_household", "低保边缘家庭子女，按学段给予教育救助"),
        (
            "1482",
            False,
            "not_covered",
            "不属于特困、低保或低保边缘家庭，不符合教育救助条件",
        ),
    ],
)
def test_education_covers_tekun_dibao_and_edge_households(
    shipped, pension, eligible, reason, summary
):
    household = hh([MemberIn(age=40), MemberIn(age=12)], [income("pension", pension)])
    result = calculate(household, ["education"]).result("education")
    assert (result.eligible, result.reason, result.summary) == (eligible, reason, summary)
    assert (result.monthly_fen, result.one_off_fen) == (0, None)  # the stage's, on the case
