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
    if not ok:
        assert r.reason == "assets_over_limit"


def test_public_payroll_member_goes_to_the_county():
    r = dibao(hh([MemberIn(age=40, public_payroll=True), MemberIn(age=40)]))
    assert not r.eligible and r.reason == "public_payroll"


def test_a_member_not_living_with_the_household_is_not_counted():
    r = calculate(hh([MemberIn(age=40), MemberIn(age=20, counted=False)]), ["dibao"])
    assert r.means_test["members"] == 1 and r.result("dibao").monthly_fen == RURAL


def test_new_standard_takes_effect_on_its_month():
    before = dibao(hh([MemberIn(age=40)], month=dt.date(2020, 3, 1), area="urban"))
    after = dibao(hh([MemberIn(age=40)], month=dt.date(2020, 4, 1), area="urban"))
    assert (before.monthly_fen, after.monthly_fen) == (68500, 74000)


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


def test_phase_out_keeps_dibao_for_twelve_months_for_registered_poor():
    def at(month_above: int, poor: bool = True):
        return dibao(
            hh(
                [MemberIn(age=40)],
                [income("wages", 600)],
                registered_poor=poor,
                dibao_recipient=True,
                months_above_line=month_above,
                previous_amount_fen=30000,
            )
        )

    first, last, after = at(1), at(12), at(13)
    assert first.phase_out and first.monthly_fen == 30000 and not first.eligible
    assert last.phase_out and last.monthly_fen == 30000  # the last month of phase-out
    assert not after.phase_out and after.monthly_fen == 0
    # Others: 6 months by default.
    assert at(6, poor=False).monthly_fen == 30000 and at(7, poor=False).monthly_fen == 0


def test_single_person_unit_in_a_registered_poor_household():
    members = [
        MemberIn(age=45, name="户主"),
        MemberIn(age=20, name="重残", disability_grade=1, disability_category="physical"),
    ]
    incomes = [income("wages", 2000, 0)]
    r = dibao(hh(members, incomes, registered_poor=True))
    assert r.eligible and r.reason == "single_person_unit"
    assert r.monthly_fen == RURAL + 4940  # own income 0; top-up for severe disability
    assert [b.name for b in r.beneficiaries] == ["重残"]
    # Not registered poor and not an edge household: no single-person unit.
    assert not dibao(hh(members, incomes)).eligible


def test_tekun_elderly_alone_with_care_level():
    r = calculate(hh([MemberIn(age=80, adl_unable=4)]), ["tekun"]).result("tekun")
    # rural basic 643 + dependent care 700 (2020 Jinan figures)
    assert r.eligible and r.monthly_fen == 64300 + 70000


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
    assert r.result("children").monthly_fen == 140000  # dispersed default


def test_temporary_limits_disability_and_elderly_subsidies():
    members = [MemberIn(age=82), MemberIn(age=50, disability_grade=1, disability_category="visual")]
    r = calculate(hh(members, temporary_kind="emergency"))
    assert r.result("temporary").one_off_fen == 3 * RURAL * 2
    assert r.result("disability").monthly_fen == 9000 + 9000  # living + nursing
    assert r.result("elderly").monthly_fen == 10000
    assert r.result("medical").eligible  # dibao household: no second means test
    spend = calculate(hh(members, temporary_kind="expenditure", temporary_expense_fen=10_000_000))
    assert spend.result("temporary").one_off_fen == 12 * RURAL  # county limit


def test_explanation_names_parameters_with_dates_and_tests():
    r = calculate(hh([MemberIn(age=70), MemberIn(age=68)], [income("pension", 200)]))
    titles = [s.title for s in r.explanation]
    assert titles[:2] == ["收入核算", "财产核查"] and "最低生活保障" in titles
    text = "\n".join(line for s in r.explanation for line in s.lines)
    assert "农村低保标准：494.00元/人·月（2020-04-01起" in text
    assert "收入条件符合" in text and "补差" in text
    keys = {p["key"] for p in r.parameters}
    assert {"dibao.standard.rural", "dibao.minimum_share", "asset.financial_months"} <= keys
