"""Mixed households (城乡混合户): the county's rule decides which standard applies, the same in
the calculator, the cases and the batch (docs/policy/dibao.md#mixed-households).

December 2020: rural standard 494 yuan, urban 740. The household lives in a rural place
(城乡类别 rural), its head holds an urban registration and the spouse a rural one.
"""

import datetime as dt
import json

import numpy as np
import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditEntry
from jiuzhu.policy import formulas as f
from jiuzhu.policy.batch import columns, read_registry
from jiuzhu.policy.calculator import calculate
from jiuzhu.policy.entitlements import Claim, entitlement
from jiuzhu.policy.household import MemberIn, from_registry
from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import HukouType, Relation
from tests import factories
from tests.conftest import client_for
from tests.policy.conftest import MONTH, hh, income

pytestmark = pytest.mark.django_db
RULE = "household.mixed_rule"
# rule → the household's line (two members), fen
LINES = {"按居住地": 2 * 49400, "按户主": 2 * 74000, "按成员": 74000 + 49400}


def couple(wages_fen: int):
    members = [MemberIn(age=40, hukou_type="urban", head=True), MemberIn(age=45)]
    return hh(members, [income("wages", f"{wages_fen / 100:.2f}")])


def dibao(household, rule):
    return calculate(household, ["dibao"], {RULE: rule}).result("dibao")


def test_the_shipped_rule_is_by_residence():
    assert ParameterSet.load(MONTH)[RULE] == "按居住地"
    assert (
        dibao(couple(0), "按居住地").monthly_fen
        == dibao(hh([MemberIn(age=40)] * 2), "按居住地").monthly_fen
    )


@pytest.mark.parametrize(("rule", "line"), LINES.items())
def test_each_rule_at_the_boundary(rule, line):
    below, at = dibao(couple(line - 1), rule), dibao(couple(line), rule)
    assert below.eligible and not at.eligible
    assert at.reason == "income_above_standard"
    # One fen below the line: the minimum payment, 10 % of each member's own standard.
    minimum = {"按居住地": 2 * 4940, "按户主": 2 * 7400, "按成员": 7400 + 4940}[rule]
    assert below.monthly_fen == minimum
    assert dibao(couple(0), rule).monthly_fen == line


def test_by_member_explains_the_mixed_household():
    calculation = calculate(couple(0), ["dibao"], {RULE: "按成员"})
    text = "\n".join(line for section in calculation.explanation for line in section.lines)
    assert "城乡混合户" in text and "按城市标准计1人、按农村标准计1人" in text
    assert "家庭低保标准合计 1,234.00元" in text


def test_by_head_without_a_head_falls_back_to_residence():
    members = [MemberIn(age=40, hukou_type="urban"), MemberIn(age=45)]
    assert dibao(hh(members), "按户主").monthly_fen == 2 * 49400


def test_tekun_and_topups_follow_each_member():
    members = [
        MemberIn(age=70, hukou_type="urban", head=True, labour_capacity="none"),
        MemberIn(age=72, labour_capacity="none"),
    ]
    calc = calculate(hh(members), ["dibao", "tekun"], {RULE: "按成员"})
    # dibao: 740 + 494 + top-ups of 74 + 49.40 (both elderly)
    assert calc.result("dibao").monthly_fen == 74000 + 49400 + 7400 + 4940


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hukou_type": "town"}, "户口性质应为 urban 或 rural。"),
    ],
)
def test_bad_member_registration_is_refused(change, message):
    members = [MemberIn(age=40, **change)]
    with pytest.raises(DomainError, match=message):
        calculate(hh(members), ["dibao"])


def test_two_heads_are_refused():
    with pytest.raises(DomainError, match="一户只能有一名户主。"):
        calculate(hh([MemberIn(age=40, head=True), MemberIn(age=41, head=True)]), ["dibao"])


def test_an_unknown_rule_is_refused():
    with pytest.raises(DomainError, match="应为按户主、按居住地、按成员之一"):
        calculate(couple(0), ["dibao"], {RULE: "按户籍"})


def test_the_api_takes_each_members_registration(dong_e_assistant):
    body = {
        "month": "2020-12",
        "area_type": "rural",
        "members": [{"age": 40, "hukou_type": "urban", "head": True}, {"age": 45}],
    }
    response = client_for(dong_e_assistant).post(
        "/api/policy/calculate", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    bad = {**body, "members": [{"age": 40, "hukou_type": "city"}]}
    refused = client_for(dong_e_assistant).post(
        "/api/policy/calculate", json.dumps(bad), content_type="application/json"
    )
    assert refused.status_code == 400


def _registry_couple(actor, village, wages: str):
    return factories.household_with_incomes(
        actor,
        village,
        [
            factories.born(
                Relation.HEAD, "甲", village, dt.date(1980, 1, 1), hukou_type=HukouType.URBAN
            ),
            factories.born(Relation.SPOUSE, "乙", village, dt.date(1975, 1, 1), "F"),
        ],
        (("wages", wages),),
    )


@pytest.mark.parametrize("rule", LINES)
def test_single_cases_and_batch_agree(county_admin, dong_e_village, rule):
    """One household through the calculator equals its row in the batch columns, for
    households on each side of every rule's line."""
    made = [
        _registry_couple(county_admin, dong_e_village, wages)
        for wages in ("987.99", "988.00", "1233.99", "1234.00", "1479.99", "1480.00")
    ]
    params = f.Params.from_set(ParameterSet.load(MONTH, {RULE: rule}))
    households, persons, ids, _town = columns(read_registry(), MONTH, params)
    batch = f.compute(households, persons, params).dibao.amount
    by_id = dict(zip(ids.tolist(), batch.tolist(), strict=True))
    single = {
        household.pk: calculate(from_registry(household, MONTH), ["dibao"], {RULE: rule})
        .result("dibao")
        .monthly_fen
        for household in made
    }
    assert single == {pk: by_id[pk] for pk in single}
    line = LINES[rule]
    eligible = [pk for pk, amount in single.items() if amount > 0]
    expected = [
        h.pk
        for h, w in zip(made, (98799, 98800, 123399, 123400, 147999, 148000), strict=True)
        if w < line
    ]
    assert eligible == expected
    assert np.all(batch >= 0)


def test_cases_use_the_rule_in_force(county_admin, dong_e_village):
    household = _registry_couple(county_admin, dong_e_village, "1000.00")
    month = dt.date(2020, 12, 1)
    assert not entitlement(household, Claim("dibao"), month).eligible  # 988 by residence
    Parameter.objects.create(key=RULE, effective_from=month, value="按成员", source="县政策")
    result = entitlement(household, Claim("dibao"), month)
    assert result.eligible and str(result.monthly_amount) == "234.00"  # 1,234 − 1,000


def test_the_county_enters_the_rule_and_a_bad_value_is_refused(county_admin):
    client = client_for(county_admin)
    before = Parameter.objects.count()
    refused = client.post(
        "/policy/standards/",
        {"key": RULE, "effective_from": "2027-01-01", "value": "随便", "source": "县政策"},
    )
    assert refused.status_code == 400
    assert "城乡混合户标准的确定方式应为按户主、按居住地、按成员之一。" in refused.content.decode()
    assert Parameter.objects.count() == before and not AuditEntry.objects.exists()
    accepted = client.post(
        "/policy/standards/",
        {"key": RULE, "effective_from": "2027-01-01", "value": "按户主", "source": "县政策"},
    )
    assert accepted.status_code == 302
    assert ParameterSet.load(dt.date(2027, 1, 1))[RULE] == "按户主"


def test_only_the_county_may_set_the_rule(dong_e_assistant):
    before = Parameter.objects.count()
    response = client_for(dong_e_assistant).post(
        "/policy/standards/",
        {"key": RULE, "effective_from": "2027-01-01", "value": "按户主", "source": "县政策"},
    )
    assert response.status_code == 404  # the standards page is not theirs
    assert Parameter.objects.count() == before
