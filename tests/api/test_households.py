"""Households: list, search, create, detail, change."""

import datetime as dt

import pytest

from jiuzhu.core import idnumber
from jiuzhu.core.models import AccessLog, AuditEntry
from jiuzhu.registry.models import Household, Membership, Person
from jiuzhu.registry.selectors import id_number_is
from tests import factories
from tests.api.helpers import counts, created, head_of, household_payload, member_payload

pytestmark = pytest.mark.django_db


def test_list_shows_households_in_scope_with_head_and_count(api, dong_e_household, rose_household):
    response = api.get("/api/households/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == dong_e_household.pk
    assert row["number"] == dong_e_household.number
    assert row["head_name"] == "王建国"
    assert row["member_count"] == 2
    assert row["registered_region"] == {"code": "370124102201", "name": "东阿村"}
    assert row["matches"] == []


def test_list_is_paginated(api, dong_e_village):
    for _ in range(3):
        factories.household(village_region=dong_e_village)
    body = api.get("/api/households/?limit=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert "offset=2" in body["next"]
    assert len(api.get(body["next"]).json()["results"]) == 1


def test_list_query_count_does_not_grow_with_page(
    api, dong_e_village, django_assert_max_num_queries
):
    for _ in range(5):
        factories.household(village_region=dong_e_village)
    # token + session lookups, count, page, regions joined, memberships prefetched
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/households/").json()["results"]) == 5


def test_search_by_name_pinyin_and_id_suffix(api, dong_e_household, rose_household):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    for q in ("李秀", "lxy", spouse.id_number[-4:], spouse.id_number[-6:]):
        body = api.get("/api/households/", {"q": q}).json()
        assert body["count"] == 1, q
        [row] = body["results"]
        assert row["id"] == dong_e_household.pk
        assert [m["name"] for m in row["matches"]] == ["李秀英"]
        assert row["matches"][0]["id_number"] == spouse.id_number  # assistant sees it full
        assert row["member_count"] == 2


def test_search_finds_nothing_outside_the_area(api, rose_household):
    assert api.get("/api/households/", {"q": "赵玫"}).json()["count"] == 0
    assert api.get("/api/households/", {"q": "zm"}).json()["count"] == 0


def test_search_with_too_few_digits_is_a_chinese_400(api):
    response = api.get("/api/households/", {"q": "12"})
    assert response.status_code == 400
    assert response.json() == {"detail": "按身份证号查询请至少输入后4位。", "field": "q"}


def test_an_id_number_is_never_accepted_in_the_url(api, dong_e_household):
    head = head_of(dong_e_household)
    for q in (head.id_number, head.id_number[-7:]):
        response = api.get("/api/households/", {"q": q})
        assert response.status_code == 400
        assert "网址中不能包含身份证号" in response.json()["detail"]
        assert not AccessLog.objects.exists()


def test_search_by_full_id_number_in_the_body(api, dong_e_household, rose_household):
    head = head_of(dong_e_household)
    response = api.post("/api/households/search/", {"q": head.id_number}, format="json")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [dong_e_household.pk]
    other = head_of(rose_household)
    response = api.post("/api/households/search/", {"q": other.id_number}, format="json")
    assert response.json()["count"] == 0


def test_search_in_the_body_is_open_to_readers_who_cannot_edit(
    client_for, make_user, dong_e, dong_e_household
):
    auditor = client_for(make_user("auditor", dong_e))
    response = auditor.post("/api/households/search/", {"q": "王建"}, format="json")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_create_household_with_members(api, assistant, dong_e_village, dong_e_village2):
    head = member_payload(dong_e_village, name="孙大海")
    child = member_payload(
        dong_e_village2,
        id_number=factories.id_number(dt.date(2012, 6, 1), "F"),
        name="孙小红",
        relation="child",
        registered_region=None,
        phone="",
        disability_grade=2,
        disability_category="intellectual",
        labour_capacity="none",
        co_resident=False,
    )
    body = created(
        api,
        "/api/households/",
        household_payload(dong_e_village, [head, child]),
    )
    household = Household.objects.get(pk=body["id"])
    assert household.number.startswith("370124102201")
    # The poverty flag comes from the bureau's list, never from a partner system.
    assert household.registered_poor is False
    assert [m["name"] for m in body["members"]] == ["孙大海", "孙小红"]
    child_row = body["members"][1]
    assert child_row["relation"] == "child"
    assert child_row["relation_display"] == "子女"
    assert child_row["registered_region"] is None
    assert child_row["residence_region"]["code"] == dong_e_village2.code
    assert child_row["sex"] == "F"
    assert child_row["birth_date"] == "2012-06-01"
    assert child_row["disability_category"] == "intellectual"
    assert child_row["co_resident"] is False
    person = Person.objects.get(pk=child_row["person_id"])
    assert person.labour_capacity == "none"
    assert AuditEntry.objects.filter(action="create_household", object_id=household.pk).exists()


def test_create_accepts_a_lower_case_x(api, dong_e_village):
    candidates = (idnumber.make("370124", dt.date(1980, 1, 1), seq) for seq in range(1000))
    number = next(c for c in candidates if c.endswith("X"))
    payload = household_payload(
        dong_e_village, [member_payload(dong_e_village, id_number=number.lower())]
    )
    response = api.post("/api/households/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert Person.objects.filter(id_number_is(number)).exists()


def test_detail_has_members_past_members_incomes_assets_and_is_logged(
    api, assistant, dong_e_household
):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    assert (
        api.post(f"/api/persons/{spouse.pk}/leave/", {"reason": "外嫁"}, format="json").status_code
        == 204
    )
    api.post(
        f"/api/households/{dong_e_household.pk}/incomes/",
        {"category": "wages", "monthly_amount": "1500.50"},
        format="json",
    )
    api.post(
        f"/api/households/{dong_e_household.pk}/assets/",
        {"kind": "vehicle", "value": "30000", "quantity": 1},
        format="json",
    )
    response = api.get(f"/api/households/{dong_e_household.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert [m["name"] for m in body["members"]] == ["王建国"]
    assert body["members"][0]["relation"] == "head"
    assert [(m["name"], m["end_reason"]) for m in body["past_members"]] == [("李秀英", "外嫁")]
    assert body["incomes"][0]["monthly_amount"] == "1500.50"
    assert body["incomes"][0]["category_display"] == "工资性收入"
    assert body["assets"][0]["kind"] == "vehicle"
    assert body["address"] == "东阿村3组12号"
    [log] = AccessLog.objects.all()
    assert (log.user_id, log.channel, log.object_type, log.object_id, log.household_id) == (
        assistant.pk,
        "api",
        "household",
        dong_e_household.pk,
        dong_e_household.pk,
    )
    assert log.ip == "127.0.0.1"


def test_patch_household_changes_only_the_fields_given(api, dong_e_household, dong_e_village2):
    response = api.patch(
        f"/api/households/{dong_e_household.pk}/",
        {"residence_region": dong_e_village2.code},
        format="json",
    )
    assert response.status_code == 200, response.json()
    dong_e_household.refresh_from_db()
    assert dong_e_household.residence_code == dong_e_village2.code
    assert dong_e_household.address == "东阿村3组12号"
    assert dong_e_household.area_type == "rural"
    assert response.json()["residence_region"]["code"] == dong_e_village2.code
    entry = AuditEntry.objects.get(action="update_household")
    assert set(entry.changes) == {"residence_region"}
    refused = api.patch(
        f"/api/households/{dong_e_household.pk}/", {"registered_poor": True}, format="json"
    )
    assert refused.status_code == 400


def test_patch_household_to_a_region_outside_the_area_is_refused(
    api, dong_e_household, rose_village
):
    before = counts()
    response = api.patch(
        f"/api/households/{dong_e_household.pk}/",
        {"registered_region": rose_village.code},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "户籍地不在您的管辖范围内。"
    dong_e_household.refresh_from_db()
    assert dong_e_household.registered_code == "370124102201"
    assert counts() == before


def test_patch_household_rejects_members_key(api, dong_e_household):
    response = api.patch(f"/api/households/{dong_e_household.pk}/", {"members": []}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "members"
    assert "未知字段" in response.json()["detail"]


def test_memberships_are_unchanged_by_a_household_patch(api, dong_e_household):
    before = list(Membership.objects.values_list("pk", "end_date"))
    api.patch(f"/api/households/{dong_e_household.pk}/", {"address": "新地址"}, format="json")
    assert list(Membership.objects.values_list("pk", "end_date")) == before
