"""Incomes and assets of a household: add and remove."""

from decimal import Decimal

import pytest

from jiuzhu.registry.models import Asset, Income
from tests import factories
from tests.api.helpers import counts, created, head_of

pytestmark = pytest.mark.django_db


def test_add_income_for_a_member(api, dong_e_household):
    head = head_of(dong_e_household)
    body = created(
        api,
        f"/api/households/{dong_e_household.pk}/incomes/",
        {"category": "pension", "monthly_amount": 1234.5, "person": head.pk, "note": "退休金"},
    )
    assert body["monthly_amount"] == "1234.50"
    assert body["person_id"] == head.pk
    assert body["category_display"] == "养老金、退休金"
    income = Income.objects.get(pk=body["id"])
    assert income.monthly_amount == Decimal("1234.50")
    assert income.household_id == dong_e_household.pk


def test_decimal_amounts_are_exact(api, dong_e_household):
    # 0.1 + 0.2 style amounts never go through float.
    response = api.post(
        f"/api/households/{dong_e_household.pk}/incomes/",
        b'{"category": "wages", "monthly_amount": 9999999999.99}',
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert Income.objects.get().monthly_amount == Decimal("9999999999.99")


@pytest.mark.parametrize(
    ("records", "payload", "field", "message"),
    [
        (
            "incomes",
            {"category": "lottery", "monthly_amount": "10"},
            "category",
            "“lottery” 不是有效的选项。",
        ),
        (
            "incomes",
            {"category": "wages", "monthly_amount": "-1"},
            "monthly_amount",
            "金额不能为负数。",
        ),
        (
            "incomes",
            {"category": "wages", "monthly_amount": "abc"},
            "monthly_amount",
            "应为金额数字。",
        ),
        (
            "incomes",
            {"category": "wages", "monthly_amount": "1.234"},
            "monthly_amount",
            "金额最多两位小数。",
        ),
        (
            "incomes",
            {"category": "wages", "monthly_amount": "12345678901.00"},
            "monthly_amount",
            "金额过大。",
        ),
        ("incomes", {"category": "wages"}, "monthly_amount", "该字段是必填项。"),
        (
            "incomes",
            {"category": "wages", "monthly_amount": "1", "note": "长" * 101},
            "note",
            "过长（最多100字）。",
        ),
        (
            "incomes",
            {"category": "wages", "monthly_amount": "1", "person": "x"},
            "person",
            "应为整数。",
        ),
        ("assets", {"kind": "yacht", "value": "1"}, "kind", "“yacht” 不是有效的选项。"),
        ("assets", {"kind": "house", "value": "1", "quantity": 0}, "quantity", "数量应为1-1000。"),
        (
            "assets",
            {"kind": "house", "value": "1", "quantity": 1001},
            "quantity",
            "数量应为1-1000。",
        ),
        ("assets", {"kind": "house", "value": "-5"}, "value", "金额不能为负数。"),
        (
            "assets",
            {"kind": "house", "value": "1", "quantity": "two"},
            "quantity",
            "应为整数。",
        ),
    ],
)
def test_bad_income_or_asset_is_refused_in_chinese_and_nothing_written(
    api, dong_e_household, records, payload, field, message
):
    before = counts()
    response = api.post(f"/api/households/{dong_e_household.pk}/{records}/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"提交的数据有误：{message}",
        "field": field,
        "field_errors": {field: [message]},
    }
    assert counts() == before


def test_income_of_someone_not_in_the_household_is_refused(
    api, dong_e_household, dong_e_village, rose_household
):
    other = head_of(factories.household(village_region=dong_e_village))
    before = counts()
    for person in (other.pk, head_of(rose_household).pk, 999999):
        response = api.post(
            f"/api/households/{dong_e_household.pk}/incomes/",
            {"category": "wages", "monthly_amount": "100", "person": person},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["detail"] == "所选人员不是本户成员。"
    assert counts() == before


def test_remove_income(api, dong_e_household):
    income_id = api.post(
        f"/api/households/{dong_e_household.pk}/incomes/",
        {"category": "wages", "monthly_amount": "100"},
        format="json",
    ).json()["id"]
    url = f"/api/households/{dong_e_household.pk}/incomes/{income_id}/"
    assert api.delete(url).status_code == 204
    assert not Income.objects.exists()
    response = api.delete(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该记录。"}


def test_income_of_another_household_cannot_be_removed_through_this_one(
    api, dong_e_household, dong_e_village
):
    other = factories.household(village_region=dong_e_village)
    income_id = api.post(
        f"/api/households/{other.pk}/incomes/",
        {"category": "wages", "monthly_amount": "100"},
        format="json",
    ).json()["id"]
    response = api.delete(f"/api/households/{dong_e_household.pk}/incomes/{income_id}/")
    assert response.status_code == 404
    assert Income.objects.filter(pk=income_id).exists()


def test_add_and_remove_asset(api, dong_e_household):
    head = head_of(dong_e_household)
    body = created(
        api,
        f"/api/households/{dong_e_household.pk}/assets/",
        {"kind": "deposit", "value": "52000.00", "person": head.pk},
    )
    assert (body["kind"], body["kind_display"], body["value"], body["quantity"]) == (
        "deposit",
        "存款",
        "52000.00",
        1,
    )
    url = f"/api/households/{dong_e_household.pk}/assets/{body['id']}/"
    assert api.delete(url).status_code == 204
    assert not Asset.objects.exists()
    assert api.delete(url).status_code == 404
