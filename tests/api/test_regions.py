"""Regions of the caller's area."""

import pytest

from jiuzhu.core.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_town_assistant_sees_their_town_and_its_villages(
    api, dong_e, dong_e_village, dong_e_village2, rose_village
):
    body = api.get("/api/regions/").json()
    assert body["count"] == 3
    assert [r["code"] for r in body["results"]] == [
        "370124102000",
        "370124102201",
        "370124102202",
    ]
    village = body["results"][1]
    assert village == {
        "id": dong_e_village.pk,
        "code": "370124102201",
        "name": "东阿村",
        "level": "village",
        "parent_code": "370124102000",
        "is_urban": False,
    }


def test_filter_by_level(client_for, make_user, dong_e_village, rose_village):
    admin = client_for(make_user(Role.COUNTY_ADMIN, factories.county()))
    towns = admin.get("/api/regions/", {"level": "town"}).json()["results"]
    assert [r["name"] for r in towns] == ["东阿镇", "玫瑰镇"]
    villages = admin.get("/api/regions/", {"level": "village"}).json()["results"]
    assert [r["code"] for r in villages] == ["370124102201", "370124106201"]
    county = admin.get("/api/regions/", {"level": "county"}).json()["results"]
    assert county[0]["parent_code"] is None


def test_regions_are_paginated(api, dong_e):
    for number in range(201, 211):
        factories.village(dong_e, number)
    body = api.get("/api/regions/", {"limit": 4, "offset": 8}).json()
    assert body["count"] == 11
    assert [r["code"][-3:] for r in body["results"]] == ["208", "209", "210"]
    assert body["next"] is None
