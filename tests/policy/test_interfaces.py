import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from jiuzhu.core.models import AuditEntry, Task
from jiuzhu.policy import batch, results
from jiuzhu.policy import formulas as f
from jiuzhu.policy.batch import run_entitlements, simulate
from jiuzhu.policy.models import EntitlementResult, Parameter
from jiuzhu.policy.parameters import ParameterSet, value_at
from jiuzhu.policy.services import propose, set_parameter
from jiuzhu.registry.models import Relation
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BODY = {
    "month": "2020-12",  # the 2020 figures: rural standard 494
    "area_type": "rural",
    "members": [{"name": "王老汉", "age": 76}, {"name": "刘大娘", "birth_date": "1953-07-09"}],
    "incomes": [{"category": "pension", "monthly_amount": "200.00"}],
}


def post(client, body):
    return client.post("/api/policy/calculate", json.dumps(body), content_type="application/json")


def test_calculate_api(dong_e_assistant):
    response = post(client_for(dong_e_assistant), BODY)
    assert response.status_code == 200, response.content
    data = response.json()
    dibao = next(r for r in data["results"] if r["programme"] == "dibao")
    # (494 × 2 − 200) + two elderly top-ups of 49.40
    assert (dibao["status"], dibao["status_label"]) == ("eligible", "符合条件")
    assert dibao["monthly_amount"] == "886.80" and "eligible" not in dibao
    assert data["means_test"]["per_capita_income"] == "100.00"
    assert any(p["key"] == "dibao.standard.rural" for p in data["parameters"])
    assert data["explanation"][0]["title"] == "收入核算"


def test_calculate_api_says_phase_out_for_a_household_still_paid(dong_e_assistant):
    # A dibao household whose income rose above the line, in its first month above it.
    body = {
        **BODY,
        "incomes": [{"category": "wages", "monthly_amount": "3000.00"}],
        "dibao_recipient": True,
        "months_above_line": 1,
        "previous_monthly_amount": "300.00",
        "programmes": ["dibao"],
    }
    (dibao,) = post(client_for(dong_e_assistant), body).json()["results"]
    assert (dibao["status"], dibao["status_label"]) == ("phase_out", "渐退期（继续发放）")
    assert dibao["monthly_amount"] == "300.00"
    after = {**body, "months_above_line": 7}
    (ended,) = post(client_for(dong_e_assistant), after).json()["results"]
    assert (ended["status"], ended["monthly_amount"]) == ("not_eligible", "0.00")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"members": []}, "人数不能为零"),
        ({"incomes": [{"category": "wages", "monthly_amount": "-5"}]}, "负数"),
        ({"programmes": ["lottery"]}, "未知的救助项目"),
        ({"month": "2015-01"}, "没有生效的参数"),
        ({"month": "2026-13"}, "YYYY-MM"),
        ({"area_type": "moon"}, "提交的数据有误"),
    ],
)
def test_calculate_api_bad_input(dong_e_assistant, change, message):
    before = (Parameter.objects.count(), AuditEntry.objects.count())
    response = post(client_for(dong_e_assistant), {**BODY, **change})
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert (Parameter.objects.count(), AuditEntry.objects.count()) == before


def test_calculate_api_needs_login():
    assert post(Client(), BODY).status_code in (401, 403)


def test_openapi_documents_calculate(dong_e_assistant):
    schema = client_for(dong_e_assistant).get("/api/openapi.json").json()
    assert "/api/policy/calculate" in schema["paths"]
    op = schema["paths"]["/api/policy/calculate"]["post"]
    assert "requestBody" in op and "200" in op["responses"]


def test_calc_command_matches_the_api(tmp_path, capsys, dong_e_assistant):
    path = tmp_path / "household.json"
    path.write_text(json.dumps(BODY, ensure_ascii=False), encoding="utf-8")
    call_command("calc", str(path))
    out = json.loads(capsys.readouterr().out)
    api = post(client_for(dong_e_assistant), BODY).json()
    assert out == api
    path.write_text(json.dumps({**BODY, "members": []}), encoding="utf-8")
    with pytest.raises(CommandError, match="人数不能为零"):
        call_command("calc", str(path))


def test_calculator_page_is_open_to_applicants():
    client = Client()
    assert client.get("/policy/calculator/").status_code == 200
    response = client.post(
        "/policy/calculator/",
        {
            "month": "2020-12",
            "area_type": "rural",
            "m0_name": "王老汉",
            "m0_age": "76",
            "m1_age": "73",
            "i0_category": "pension",
            "i0_amount": "200",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "886.80" in page and "收入条件符合" in page
    bad = client.post("/policy/calculator/", {"month": "2026-12", "area_type": "rural"})
    assert bad.status_code == 400 and "人数不能为零" in bad.content.decode()


def test_calculator_page_shows_a_refusal_and_saves_nothing():
    before = (Parameter.objects.count(), AuditEntry.objects.count())
    response = Client().post(
        "/policy/calculator/", {"month": "2015-01", "area_type": "rural", "m0_age": "40"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        '<ul class="errorlist" role="alert"><li>参数“农村低保标准”在2015年01月01日（该月）'
        "没有生效的参数，请先由县级管理员录入。</li></ul>"
    ) in page
    assert "收入核算" not in page
    assert (Parameter.objects.count(), AuditEntry.objects.count()) == before


# --- standards ---------------------------------------------------------------------


def set_standard(client, key, on, value, source="平政发〔2026〕1号"):
    return client.post(
        "/policy/standards/", {"key": key, "effective_from": on, "value": value, "source": source}
    )


def test_admin_sets_a_new_standard_history_kept(county_admin):
    client = client_for(county_admin)
    page = client.get("/policy/standards/?key=dibao.standard.rural&on=2027-01-01")
    assert page.status_code == 200 and "建议值" in page.content.decode()
    # 2027: standards must be equal (1:1 from 2024-12-31): urban is 1,114. Tekun basic must
    # stay ≥ 1.5 × dibao (1,671), so the rural tekun standard is raised first.
    before = Parameter.objects.count()
    refused = set_standard(client, "dibao.standard.rural", "2027-01-01", "1114")
    assert refused.status_code == 400 and "不低于低保标准的1.5倍" in refused.content.decode()
    assert Parameter.objects.count() == before and not AuditEntry.objects.exists()
    assert set_standard(client, "tekun.basic.rural", "2027-01-01", "1671").status_code == 302
    response = set_standard(client, "dibao.standard.rural", "2027-01-01", "1114")
    assert response.status_code == 302
    assert value_at("dibao.standard.rural", dt.date(2027, 1, 1)) == Decimal("1114.00")
    assert value_at("dibao.standard.rural", dt.date(2026, 12, 31)) == Decimal("884.00")
    assert AuditEntry.objects.filter(action="set_parameter").count() == 2
    # Nothing is overwritten.
    again = set_standard(client, "dibao.standard.rural", "2027-01-01", "750")
    assert again.status_code == 400 and "历史记录不可修改" in again.content.decode()
    assert value_at("dibao.standard.rural", dt.date(2027, 1, 1)) == Decimal("1114.00")
    bad_date = set_standard(client, "dibao.standard.rural", "2027-13-01", "750")
    assert bad_date.status_code == 400
    assert (
        '<p class="error" role="alert">日期格式应为 YYYY-MM-DD。</p>' in bad_date.content.decode()
    )


@pytest.mark.parametrize(
    ("key", "on", "value", "rule"),
    [
        ("dibao.standard.rural", "2020-06-01", "520", "不超过1.4:1"),  # 740/520 = 1.42
        ("dibao.standard.rural", "2022-01-01", "760", "不超过1.3:1"),  # 995/760 = 1.31
        ("dibao.standard.rural", "2025-01-01", "700", "应统一"),
        ("tekun.basic.urban", "2026-01-01", "1100", "不低于低保标准的1.5倍"),
        ("tekun.care.dependent", "2026-01-01", "500", "最低工资标准的35%"),  # 2210 × 35 % = 773.50
        ("dibao.standard.urban", "2026-01-01", "-1", "负数"),
    ],
)
def test_a_standard_that_breaks_a_rule_is_refused(county_admin, key, on, value, rule):
    before = Parameter.objects.count()
    response = set_standard(client_for(county_admin), key, on, value)
    assert response.status_code == 400
    assert rule in response.content.decode()
    assert Parameter.objects.count() == before


def test_compliant_2020_rural_standard_is_accepted(county_admin):
    # 740 : 529 = 1.399 ≤ 1.4 (docs/policy/standards.md#history: the county must have set at
    # least 529), once
    # the rural tekun standard is at least 1.5 × 529 = 793.50.
    client = client_for(county_admin)
    assert set_standard(client, "tekun.basic.rural", "2020-04-02", "800").status_code == 302
    assert set_standard(client, "dibao.standard.rural", "2020-04-02", "529").status_code == 302
    assert value_at("dibao.standard.rural", dt.date(2020, 4, 2)) == Decimal("529.00")
    assert value_at("dibao.standard.rural", dt.date(2020, 4, 1)) == Decimal("494.00")


def test_the_jinan_2020_pair_is_flagged(county_admin, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2026, 12, 1))
    page = client_for(county_admin).get("/policy/standards/").content.decode()
    assert (
        '<li class="error">2020年4月1日起至2021年1月1日：不符合“低保城乡标准之比不超过1.4:1'
        "（2020年1月1日起）”（城市740.00元 : 农村494.00元 = 1.498 : 1），已由新标准纠正。</li>"
    ) in page
    # A rule that takes effect later binds the values still in force on its date, and the
    # page says what the county must enter.
    assert (
        '<li class="error">2024年12月31日起：不符合“低保城乡标准应统一（1:1，2024年12月31日起）”'
        "（城市1,114.00元 : 农村884.00元 = 1.260 : 1）。"
        "县里须录入农村低保标准不低于1,114.00元（或新的城乡标准）。</li>"
    ) in page
    # The 2025 and 2026 figures were not found: the county enters them.
    assert (
        "<li>城市低保标准：现行取值为2024年1月1日起，2025—2026年的标准尚未录入，请县里录入。</li>"
        in page
    )


def test_proposal_from_consumption_and_minimum_wage():
    value, how = propose("dibao.standard.urban", dt.date(2020, 4, 1))
    assert value == Decimal("735")  # 26731 × 0.33 ÷ 12
    assert how.startswith(
        "上年度人均消费支出26,731.00元 × 0.33 ÷ 12 ≈ 735.00元/月（消费支出2020年1月1日起"
    )
    value, _ = propose("tekun.care.semi_dependent", dt.date(2020, 4, 1))
    assert value == Decimal("346.00")  # 20 % of 1730, the 2019 minimum wage


def test_town_assistant_cannot_set_a_standard(dong_e_assistant):
    client = client_for(dong_e_assistant)
    before = Parameter.objects.count()
    assert client.get("/policy/standards/").status_code == 404
    assert set_standard(client, "dibao.standard.rural", "2027-01-01", "740").status_code == 404
    assert client.post("/policy/simulation/", {"value": "600"}).status_code == 404
    assert Parameter.objects.count() == before


def test_service_refuses_without_capability(dong_e_assistant):
    with pytest.raises(PermissionError):
        set_parameter(dong_e_assistant, "dibao.standard.rural", dt.date(2027, 1, 1), "740", "x")


# --- registry-wide runs ---------------------------------------------------------------


def _registry(county_admin, dong_e_village):
    """A poor couple on a 200 yuan pension and a single man earning 550 yuan a month."""
    poor = factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [
            factories.born(Relation.HEAD, "甲", dong_e_village, dt.date(1950, 1, 1)),
            factories.born(Relation.SPOUSE, "乙", dong_e_village, dt.date(1952, 1, 1), "F"),
        ],
        (("pension", "200"),),
    )
    near = factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [factories.born(Relation.HEAD, "丙", dong_e_village, dt.date(1980, 1, 1))],
        (("wages", "550"),),
    )
    return poor, near


def test_simulation_counts_gains_and_cost_by_town(county_admin, dong_e_village):
    _registry(county_admin, dong_e_village)
    sim = simulate(dt.date(2020, 12, 1), {"dibao.standard.rural": "600"})
    (town,) = sim.towns
    assert town.name == "东阿镇"
    assert (town.gain, town.lose, town.change) == (1, 0, 1)
    # poor: 494×2−200+2×49.40 → 600×2−200+2×60; near: 0 → 600−550 = 50 → minimum 60
    assert town.before_fen == 88680
    assert town.after_fen == 112000 + 6000
    # The page runs it as a background task and shows the result when it is done.
    page = client_for(county_admin).post(
        "/policy/simulation/", {"area": "rural", "value": "600", "month": "2020-12"}, follow=True
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert (
        '<td data-label="乡镇">东阿镇</td><td data-label="新增">1</td><td data-label="退出">0</td>'
        '<td data-label="金额变化">1</td><td data-label="调整前">886.80</td>'
        '<td data-label="调整后">1,180.00</td><td data-label="差额">293.20</td>'
    ) in text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"area": "rural", "value": "0", "month": "2026-12"}, "模拟标准应大于0。"),
        ({"area": "rural", "value": "600", "month": "2026-1x"}, "日期格式应为 YYYY-MM-DD。"),
    ],
)
def test_a_simulation_that_cannot_run_is_refused_and_not_queued(county_admin, form, message):
    response = client_for(county_admin).post("/policy/simulation/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Task.objects.exists()


def test_entitlement_run_writes_results(county_admin, dong_e_village):
    poor, near = _registry(county_admin, dong_e_village)
    run = run_entitlements(dt.date(2020, 12, 1))
    rows = {(r.household_id, r.programme): r for r in EntitlementResult.objects.filter(run=run)}
    assert rows[(poor.pk, "dibao")].amount_fen == 88680 and rows[(poor.pk, "dibao")].eligible
    assert not rows[(near.pk, "dibao")].eligible and rows[(near.pk, "dibao")].reason_code == 1
    # The registry records no supporter and no daily-activity assessment: both elderly
    # members of the poor household count for tekun at the rural basic + self-care
    # standards (643 + 210 each); nobody is 80, so no elderly subsidy row.
    assert {key: (row.amount_fen, row.eligible) for key, row in rows.items()} == {
        (poor.pk, "dibao"): (88680, True),
        (poor.pk, "tekun"): (2 * (64300 + 21000), True),
        (near.pk, "dibao"): (0, False),
    }
    assert run.summary == {"rows": 3, "dibao_households": 1, "dibao_fen": 88680}
    assert run.households == 2 and run.kind == "entitlements"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"surprise": 1}, "提交的数据有误：未知字段。"),
        ({"members": [{"age": "76"}]}, "提交的数据有误：应为整数。"),
        ({"registered_poor": "yes"}, "提交的数据有误：应为 true 或 false。"),
        ({"month": 202612}, "提交的数据有误：应为字符串。"),
        ({"temporary_expense": "1e9999"}, "提交的数据有误：必需支出应为数字。"),
        ({"temporary_expense": True}, "提交的数据有误：必需支出应为数字。"),
        ({"incomes": [{"category": "wages", "monthly_amount": "5", "x": 1}]}, "未知字段。"),
    ],
)
def test_calculate_api_is_strict(dong_e_assistant, change, message):
    response = post(client_for(dong_e_assistant), {**BODY, **change})
    assert response.status_code == 400
    assert response.json()["detail"].endswith(message)


def test_results_are_written_in_key_order_into_the_runs_own_partition(county_admin, dong_e_village):
    poor, near = _registry(county_admin, dong_e_village)
    first = run_entitlements(dt.date(2020, 12, 1))
    second = run_entitlements(dt.date(2020, 12, 1))
    expected = [
        (poor.pk, "dibao", True, 88680, 0),
        (poor.pk, "tekun", True, 2 * (64300 + 21000), 0),
        (near.pk, "dibao", False, 0, 1),
    ]
    for run in (first, second):
        rows = EntitlementResult.objects.filter(run=run).order_by("household_id", "programme")
        assert [
            (r.household_id, r.programme, r.eligible, r.amount_fen, r.reason_code) for r in rows
        ] == sorted(expected)
        assert EntitlementResult.objects.get(pk=(run.pk, poor.pk, "tekun")).amount_fen == 170600
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*) FROM policy_entitlementresult "
            "GROUP BY 1 ORDER BY 1"
        )
        assert cursor.fetchall() == [
            (results.partition_name(first.pk), 3),
            (results.partition_name(second.pk), 3),
        ]
        # Each partition has the key built after the load; the parent's key reaches it.
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid = to_regclass(%s) AND indisprimary",
            [results.partition_name(second.pk)],
        )
        assert cursor.fetchall() == [(f"{results.partition_name(second.pk)}_pkey",)]


def test_result_rows_come_in_household_then_programme_order(county_admin, dong_e_village):
    poor, near = _registry(county_admin, dong_e_village)
    month = dt.date(2020, 12, 1)
    params = f.Params.from_set(ParameterSet.load(month))
    households, persons, ids, _town = batch.columns(batch.read_registry(), month, params)
    outcome = f.compute(households, persons, params)
    table = results.result_table(ids, outcome, persons.hh, households.n)
    # Computed per programme (both dibao rows first), written in the key's order.
    assert list(zip(*table.to_pydict().values(), strict=True)) == [
        (poor.pk, "dibao", True, 88680, 0),
        (poor.pk, "tekun", True, 170600, 0),
        (near.pk, "dibao", False, 0, 1),
    ]
