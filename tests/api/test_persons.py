"""Persons: read, add to a household, change, move, leave."""

import datetime as dt

import pytest

from jiuzhu.core.models import AccessLog, AuditEntry
from jiuzhu.registry.models import Membership, Person
from jiuzhu.registry.selectors import id_number_is
from tests import factories
from tests.api.helpers import counts, created, head_of, member_payload

pytestmark = pytest.mark.django_db


def test_get_person_with_current_household_and_history_is_logged(api, assistant, dong_e_household):
    head = head_of(dong_e_household)
    response = api.get(f"/api/persons/{head.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["person_id"] == head.pk
    assert body["name"] == "王建国"
    assert body["id_number"] == head.id_number
    assert body["household_id"] == dong_e_household.pk
    assert body["relation"] == "head"
    assert body["memberships"][0]["household_number"] == dong_e_household.number
    assert body["memberships"][0]["end_date"] is None
    [log] = AccessLog.objects.all()
    assert (log.channel, log.object_type, log.object_id, log.household_id, log.user_id) == (
        "api",
        "person",
        head.pk,
        dong_e_household.pk,
        assistant.pk,
    )


def test_add_member(api, dong_e_household, dong_e_village):
    number = factories.id_number(dt.date(2015, 9, 1), "M")
    body = created(
        api,
        f"/api/households/{dong_e_household.pk}/members/",
        member_payload(dong_e_village, id_number=number, name="王小明", relation="child"),
    )
    assert body["name"] == "王小明"
    assert body["household_id"] == dong_e_household.pk
    assert body["relation"] == "child"
    assert Person.objects.get(id_number_is(number)).name_initials == "wxm"
    assert dong_e_household.memberships.filter(end_date__isnull=True).count() == 3


def test_add_second_head_is_refused(api, dong_e_household, dong_e_village):
    before = counts()
    response = api.post(
        f"/api/households/{dong_e_household.pk}/members/",
        member_payload(dong_e_village, relation="head"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "本户已有户主，一户只能有一名户主。", "field": "relation"}
    assert counts() == before


def test_add_member_already_registered_elsewhere_gives_masked_pointer(
    api, dong_e_household, rose_household, dong_e_village
):
    other = head_of(rose_household)
    before = counts()
    response = api.post(
        f"/api/households/{dong_e_household.pk}/members/",
        member_payload(dong_e_village, id_number=other.id_number, relation="child"),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "id_number"
    assert rose_household.number in body["detail"]
    assert "同一人只能有一份档案" in body["detail"]
    assert other.id_number not in str(body)  # masked, even for a full-visibility role
    assert other.id_number[:6] + "********" + other.id_number[-4:] in body["detail"]
    assert counts() == before


def test_patch_person_changes_only_the_fields_given(api, dong_e_household, dong_e_village2):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    response = api.patch(
        f"/api/persons/{spouse.pk}/",
        {
            "name": "李秀兰",
            "phone": "0531-87654321",
            "residence_region": dong_e_village2.code,
            "disability_grade": 3,
            "disability_category": "physical",
            "co_resident": False,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    spouse.refresh_from_db()
    assert spouse.name == "李秀兰"
    assert spouse.name_initials == "lxl"
    assert spouse.residence_region_id == dong_e_village2.pk
    assert spouse.disability_grade == 3
    assert spouse.hukou_type == "rural"
    membership = spouse.memberships.get(end_date__isnull=True)
    assert (membership.relation, membership.co_resident) == ("spouse", False)
    assert response.json()["co_resident"] is False
    assert AuditEntry.objects.filter(action="update_member", object_id=spouse.pk).exists()


def test_patch_person_cannot_change_the_id_number(api, dong_e_household):
    head = head_of(dong_e_household)
    response = api.patch(
        f"/api/persons/{head.pk}/", {"id_number": factories.id_number()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "id_number"
    assert response.json()["detail"] == "提交的数据有误：未知字段。"
    head.refresh_from_db()


def test_patch_person_to_second_head_writes_nothing(api, dong_e_household):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    before = counts()
    response = api.patch(
        f"/api/persons/{spouse.pk}/", {"relation": "head", "name": "改名"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "本户已有户主，一户只能有一名户主。"
    spouse.refresh_from_db()
    assert spouse.name == "李秀英"
    assert counts() == before


def test_patch_person_inconsistent_disability_is_refused(api, dong_e_household):
    head = head_of(dong_e_household)
    response = api.patch(f"/api/persons/{head.pk}/", {"disability_grade": 2}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "残疾等级与残疾类别应同时填写。",
        "field": "disability_category",
    }


def test_move_member_to_another_household(api, dong_e_household, dong_e_village2):
    target = factories.household(village_region=dong_e_village2)
    spouse = dong_e_household.memberships.get(relation="spouse").person
    response = api.post(
        f"/api/persons/{spouse.pk}/move/",
        {"to_household": target.pk, "relation": "spouse", "reason": "再婚"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["household_id"] == target.pk
    assert [(m["household_id"], m["end_reason"]) for m in body["memberships"]] == [
        (dong_e_household.pk, "再婚"),
        (target.pk, ""),
    ]
    assert Membership.objects.filter(person=spouse).count() == 2


def test_move_to_a_household_outside_the_area_is_refused(api, dong_e_household, rose_household):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    before = counts()
    for target in (rose_household.pk, 987654):
        response = api.post(
            f"/api/persons/{spouse.pk}/move/",
            {"to_household": target, "relation": "spouse", "reason": "再婚"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "detail": "在您的管辖范围内找不到目标户。",
            "field": "to_household",
        }
    assert counts() == before


def test_head_cannot_move_out_while_others_remain(api, dong_e_household, dong_e_village2):
    target = factories.household(village_region=dong_e_village2)
    head = head_of(dong_e_household)
    response = api.post(
        f"/api/persons/{head.pk}/move/",
        {"to_household": target.pk, "relation": "other", "reason": "分户"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "户主迁出前，请先为原户指定新的户主。"


def test_leave_keeps_history_and_the_person_is_then_out_of_reach(api, dong_e_household):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    response = api.post(f"/api/persons/{spouse.pk}/leave/", {"reason": "死亡"}, format="json")
    assert response.status_code == 204
    membership = Membership.objects.get(person=spouse)
    assert membership.end_reason == "死亡"
    assert membership.end_date is not None
    # No current household: no longer in anyone's area.
    assert api.get(f"/api/persons/{spouse.pk}/").status_code == 404


def test_leave_needs_a_reason(api, dong_e_household):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = api.post(f"/api/persons/{spouse.pk}/leave/", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["field"] == "reason"
    assert Membership.objects.get(person=spouse).end_date is None
