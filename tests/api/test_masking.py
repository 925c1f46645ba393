"""ID numbers in responses are masked by the caller's role; never in a URL."""

import re

import pytest

from jiuzhu.core.roles import Role
from tests import factories
from tests.api.helpers import head_of

pytestmark = pytest.mark.django_db


def _masked(number: str, level: str) -> str:
    if level == "full":
        return number
    if level == "partial":
        return number[:6] + "*" * 8 + number[-4:]
    return number[0] + "*" * 16 + number[-1]


@pytest.mark.parametrize(
    ("role", "level"),
    [
        (Role.TOWN_ASSISTANT, "full"),
        (Role.TOWN_APPROVER, "full"),
        (Role.COUNTY_SUPERVISOR, "full"),
        (Role.SOCIAL_WORKER, "partial"),
        (Role.AUDITOR, "partial"),
    ],
)
def test_every_response_masks_by_role(client_for, make_user, dong_e, dong_e_household, role, level):
    region = factories.county() if role == Role.COUNTY_SUPERVISOR else dong_e
    client = client_for(make_user(role, region))
    head = head_of(dong_e_household)
    spouse = dong_e_household.memberships.get(relation="spouse").person
    expected = _masked(head.id_number, level)

    detail = client.get(f"/api/households/{dong_e_household.pk}/").json()
    assert [m["id_number"] for m in detail["members"]] == [
        expected,
        _masked(spouse.id_number, level),
    ]
    person = client.get(f"/api/persons/{head.pk}/").json()
    assert person["id_number"] == expected
    found = client.get("/api/households/", {"q": "王建国"}).json()
    assert found["results"][0]["matches"][0]["id_number"] == expected
    found = client.post("/api/households/search/", {"q": head.id_number}, format="json").json()
    assert found["results"][0]["matches"][0]["id_number"] == expected

    # Birth date would let a partial mask be undone: only full-visibility roles get it.
    assert (person["birth_date"] is not None) == (level == "full")
    assert all((m["birth_date"] is not None) == (level == "full") for m in detail["members"])
    assert person["age"] >= 50

    if level != "full":
        for body in (detail, person, found):
            assert head.id_number not in str(body)
            assert spouse.id_number not in str(body)


def test_past_members_are_masked_too(client_for, make_user, dong_e_village, dong_e_household):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    editor = client_for(make_user(Role.VILLAGE_COORDINATOR, dong_e_village))
    assert (
        editor.post(
            f"/api/persons/{spouse.pk}/leave/", {"reason": "外嫁"}, format="json"
        ).status_code
        == 204
    )
    body = editor.get(f"/api/households/{dong_e_household.pk}/").json()
    assert body["past_members"][0]["id_number"] == _masked(spouse.id_number, "partial")


def test_write_responses_are_masked_for_a_partial_role(
    client_for, make_user, dong_e_village, dong_e_household
):
    coordinator = client_for(make_user(Role.VILLAGE_COORDINATOR, dong_e_village))
    number = factories.id_number()
    response = coordinator.post(
        f"/api/households/{dong_e_household.pk}/members/",
        {
            "id_number": number,
            "name": "王小明",
            "relation": "child",
            "hukou_type": "rural",
            "residence_region": dong_e_village.code,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["id_number"] == _masked(number, "partial")
    assert number not in response.content.decode()


def test_no_url_in_the_schema_takes_an_id_number(client_for, assistant):
    schema = client_for(assistant).get("/api/openapi.json").json()
    for path in schema["paths"]:
        for name in re.findall(r"{(\w+)}", path):
            assert name.endswith("_id"), path
            assert "id_number" not in name


def test_a_partial_role_sees_region_and_last_four_digits_exactly(
    client_for, make_user, dong_e_village
):
    head_id = "37012419680305123X"  # 370124, born 1968-03-05, sequence 123, check X
    household = factories.household(
        village_region=dong_e_village,
        members=[factories.member("head", "赵六", dong_e_village, id_number=head_id)],
    )
    coordinator = client_for(make_user(Role.VILLAGE_COORDINATOR, dong_e_village))
    person = coordinator.get(f"/api/persons/{head_of(household).pk}/")
    assert person.json()["id_number"] == "370124********123X"
    assert person.json()["birth_date"] is None
    body = coordinator.get(f"/api/households/{household.pk}/").content.decode()
    assert "370124********123X" in body
    assert head_id not in body and "19680305" not in body and "1968-03-05" not in body
