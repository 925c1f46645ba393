"""The sourced standards 2021–2025 (docs/policy/standards.md#history) and the dated rules
they break: since when, until when, and what the county must enter."""

import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameters import SPECS, entry_at, value_at
from jiuzhu.policy.selectors import (
    breaches,
    breaches_in_month,
    rules_for_a_period,
    standards_due,
)
from jiuzhu.policy.services import set_parameter
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize(
    ("key", "day", "value"),
    [
        ("dibao.standard.urban", D(2020, 12, 31), "740.00"),
        ("dibao.standard.urban", D(2021, 1, 1), "904.00"),
        ("dibao.standard.rural", D(2021, 1, 1), "676.00"),
        ("dibao.standard.rural", D(2022, 1, 1), "770.00"),
        # The 2023 figures (1,045 / 814) have no known date: 2022's stay in force until 2024.
        ("dibao.standard.rural", D(2023, 12, 31), "770.00"),
        ("dibao.standard.rural", D(2024, 1, 1), "884.00"),
        ("dibao.standard.urban", D(2026, 12, 1), "1114.00"),
        # Tekun basic standards after 2022 were not found: absent, not guessed.
        ("tekun.basic.urban", D(2026, 12, 1), "1492.00"),
        ("tekun.basic.rural", D(2021, 1, 1), "1179.00"),
        ("tekun.care.dependent", D(2024, 1, 1), "982.00"),
        ("tekun.care.semi_dependent", D(2022, 6, 1), "424.00"),
        ("children.standard.institutional", D(2024, 1, 1), "2785.00"),
        ("children.standard.dispersed", D(2024, 1, 1), "1865.00"),
        ("minimum_wage", D(2018, 6, 1), "1730.00"),
        ("minimum_wage", D(2021, 10, 1), "1900.00"),
        ("minimum_wage", D(2025, 9, 30), "2010.00"),
        ("minimum_wage", D(2025, 10, 1), "2210.00"),
    ],
)
def test_the_sourced_history_is_in_force_by_date(key, day, value):
    assert value_at(key, day) == Decimal(value)


def test_each_new_value_names_its_document():
    assert entry_at("dibao.standard.rural", D(2024, 1, 1)).source.endswith("（济民发〔2024〕3号）")
    assert entry_at("minimum_wage", D(2023, 10, 1)).source.startswith("鲁政字〔2023〕172号")
    assert "待与原件核对" in entry_at("dibao.standard.urban", D(2021, 1, 1)).source


def test_every_breach_of_the_shipped_history_since_and_until():
    found = [(b.since, b.until, b.rule) for b in breaches()]
    assert found == [
        (D(2020, 1, 1), D(2020, 4, 1), "低保城乡标准之比不超过1.4:1（2020年1月1日起）"),
        (D(2020, 1, 1), D(2020, 4, 1), "农村特困人员基本生活标准不低于低保标准的1.5倍"),
        (D(2020, 1, 1), D(2020, 4, 1), "特困人员基本生活城乡标准之比不超过1.4:1（2020年1月1日起）"),
        (D(2020, 1, 1), D(2020, 4, 1), "特困照料护理标准（半自理）不低于上年度最低工资标准的20%"),
        # The 2020 figures break the rules anew (740 : 494; 643 < 1.5 × 494).
        (D(2020, 4, 1), D(2021, 1, 1), "低保城乡标准之比不超过1.4:1（2020年1月1日起）"),
        (D(2020, 4, 1), D(2021, 1, 1), "农村特困人员基本生活标准不低于低保标准的1.5倍"),
        (D(2020, 4, 1), D(2021, 1, 1), "特困人员基本生活城乡标准之比不超过1.4:1（2020年1月1日起）"),
        (D(2021, 9, 30), D(2022, 1, 1), "低保城乡标准之比不超过1.3:1（2021年9月30日起）"),
        # 995 × 1.5 = 1,492.50: the city's 1,492 is 50 fen short; from 2024 the 2024 dibao
        # standard binds the 2022 tekun one (its 2023 and 2024 figures were not found).
        (D(2022, 1, 1), D(2024, 1, 1), "城市特困人员基本生活标准不低于低保标准的1.5倍"),
        (D(2024, 1, 1), None, "城市特困人员基本生活标准不低于低保标准的1.5倍"),
        (D(2024, 12, 31), None, "低保城乡标准应统一（1:1，2024年12月31日起）"),
        (D(2024, 12, 31), None, "特困人员基本生活城乡标准应统一（1:1，2024年12月31日起）"),
    ]
    pair = breaches()[10]
    assert pair.detail == "城市1,114.00元 : 农村884.00元 = 1.260 : 1"
    assert pair.remedy == "录入农村低保标准不低于1,114.00元（或新的城乡标准）"


def test_a_breach_ends_when_the_county_enters_compliant_figures(county_admin):
    on = D(2025, 1, 1)
    set_parameter(county_admin, "tekun.basic.rural", on, "1671", "平政发〔2025〕1号")
    set_parameter(county_admin, "tekun.basic.urban", on, "1671", "平政发〔2025〕1号")
    set_parameter(county_admin, "dibao.standard.rural", on, "1114", "平政发〔2025〕1号")
    assert [b for b in breaches() if b.until is None] == []
    ended = {b.rule: b.until for b in breaches() if b.since >= D(2022, 1, 1)}
    assert set(ended.values()) == {on}


def test_the_payroll_month_lists_the_rules_broken_in_it():
    assert [b.rule for b in breaches_in_month(D(2024, 11, 1))] == [
        "城市特困人员基本生活标准不低于低保标准的1.5倍"
    ]
    assert len(breaches_in_month(D(2024, 12, 1))) == 3  # the 1:1 rule from the 31st


def test_the_standards_due_are_the_years_without_figures():
    due = {d.label: d.years for d in standards_due(D(2026, 12, 1))}
    assert due["农村低保标准"] == "2025—2026年"
    assert due["城市特困人员基本生活标准"] == "2023—2026年"
    assert standards_due(D(2024, 6, 1)) == [
        d
        for d in standards_due(D(2024, 6, 1))
        if "特困人员基本生活" in d.label or "补贴" in d.label
    ]
    assert Parameter.objects.filter(effective_from__year=2025, key__startswith="dibao").count() == 0


def test_rules_of_the_transition_period_say_when_they_end(county_admin):
    periods = {spec.label: spec.period for spec in rules_for_a_period()}
    poor = [key for key in SPECS if "registered_poor" in key]
    assert poor and all(SPECS[key].period for key in poor)
    assert periods["建档立卡贫困户另不计入的类别"].startswith("脱贫攻坚过渡期（2021—2025年）")
    page = client_for(county_admin).get("/policy/standards/").content.decode()
    assert (
        "<li>低保边缘家庭收入上限（低保标准的倍数）：山东省低保边缘家庭认定办法有效期"
        "2022-11-01至2027-10-31；期满后的比例待县里确认。</li>"
    ) in page


def test_the_checks_read_the_history_with_one_query(django_assert_num_queries):
    # The payroll page runs them on every view: never a query per date and rule.
    with django_assert_num_queries(1):
        assert len(breaches()) == 12
