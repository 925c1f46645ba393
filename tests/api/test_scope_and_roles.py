"""Area scope and roles: outside the area is 404 as if absent; no capability, no write."""

import pytest
from django.test import Client

from jiuzhu.core.models import AccessLog
from jiuzhu.core.roles import Role
from jiuzhu.core.two_factor_gate import SECOND_STEP_FIRST
from tests import factories
from tests.api.helpers import counts, head_of, household_payload, member_payload

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "未找到该记录。"}


def _write_requests(household_id, person_id, village_code, target_id):
    """Every write endpoint with a plausible body."""
    member = member_payload(factories.village(), relation="child")
    return [
        ("post", "/api/households/", household_payload(factories.village())),
        ("patch", f"/api/households/{household_id}/", {"address": "改"}),
        ("post", f"/api/households/{household_id}/members/", member),
        (
            "post",
            f"/api/households/{household_id}/incomes/",
            {"category": "wages", "monthly_amount": "1"},
        ),
        ("post", f"/api/households/{household_id}/assets/", {"kind": "house", "value": "1"}),
        ("delete", f"/api/households/{household_id}/incomes/1/", None),
        ("delete", f"/api/households/{household_id}/assets/1/", None),
        ("patch", f"/api/persons/{person_id}/", {"name": "改"}),
        (
            "post",
            f"/api/persons/{person_id}/move/",
            {"to_household": target_id, "relation": "other", "reason": "迁"},
        ),
        ("post", f"/api/persons/{person_id}/leave/", {"reason": "迁"}),
    ]


def test_outside_the_area_is_exactly_like_a_missing_id(api, rose_household):
    """东阿镇's assistant asks for 玫瑰镇's household by every read route."""
    head = head_of(rose_household)
    for url in (
        f"/api/households/{rose_household.pk}/",
        f"/api/persons/{head.pk}/",
    ):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json() == NOT_FOUND
    for url in ("/api/households/987654/", "/api/persons/987654/"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert api.get("/api/households/").json()["count"] == 0
    for q in ("赵玫", "zm", head.id_number[-4:]):
        assert api.get("/api/households/", {"q": q}).json()["results"] == []
    assert (
        api.post("/api/households/search/", {"q": head.id_number}, format="json").json()["results"]
        == []
    )
    assert not AccessLog.objects.exists()


def test_outside_the_area_cannot_be_written(api, rose_household, dong_e_household, dong_e_village):
    head = head_of(rose_household)
    before = counts()
    requests = _write_requests(rose_household.pk, head.pk, dong_e_village.code, dong_e_household.pk)
    for method, url, body in requests[1:]:  # creation is covered by its own test below
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.json())
        assert response.json() == NOT_FOUND
    assert counts() == before


def test_cannot_create_a_household_registered_in_another_town(api, rose_village):
    before = counts()
    response = api.post("/api/households/", household_payload(rose_village), format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "户籍地不在您的管辖范围内。"
    assert counts() == before


def test_cannot_move_someone_of_my_area_into_another_town(api, dong_e_household, rose_household):
    spouse = dong_e_household.memberships.get(relation="spouse").person
    response = api.post(
        f"/api/persons/{spouse.pk}/move/",
        {"to_household": rose_household.pk, "relation": "other", "reason": "迁"},
        format="json",
    )
    assert response.status_code == 400
    assert spouse.memberships.get(end_date__isnull=True).household_id == dong_e_household.pk


def test_a_village_coordinator_sees_only_their_village(
    client_for, make_user, dong_e_village, dong_e_village2, dong_e_household
):
    coordinator = client_for(make_user(Role.VILLAGE_COORDINATOR, dong_e_village2))
    assert coordinator.get(f"/api/households/{dong_e_household.pk}/").status_code == 404
    assert coordinator.get("/api/households/").json()["count"] == 0
    neighbour = factories.household(village_region=dong_e_village2)
    assert coordinator.get(f"/api/households/{neighbour.pk}/").status_code == 200


def test_a_household_living_in_my_area_is_visible(api, rose_village, dong_e_village):
    """Registered in 玫瑰镇, living in 东阿镇: 东阿镇 looks after it too."""
    household = factories.household(village_region=rose_village, residence_region=dong_e_village)
    assert api.get(f"/api/households/{household.pk}/").status_code == 200


def test_county_admin_sees_every_town(client_for, make_user, dong_e_household, rose_household):
    admin = client_for(make_user(Role.COUNTY_ADMIN, factories.county()))
    assert admin.get("/api/households/").json()["count"] == 2
    assert admin.get(f"/api/households/{rose_household.pk}/").status_code == 200


def test_department_officer_sees_no_household(client_for, make_user, dong_e, dong_e_household):
    officer = client_for(make_user(Role.DEPARTMENT_OFFICER, dong_e))
    head = head_of(dong_e_household)
    assert officer.get("/api/households/").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    assert officer.get("/api/households/", {"q": "王建国"}).json()["results"] == []
    for url in (f"/api/households/{dong_e_household.pk}/", f"/api/persons/{head.pk}/"):
        response = officer.get(url)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_OFFICER, Role.AUDITOR, Role.COUNTY_SUPERVISOR, Role.SOCIAL_WORKER]
)
def test_roles_without_edit_get_403_on_every_write(
    client_for, make_user, dong_e, dong_e_household, dong_e_village, role
):
    client = client_for(make_user(role, dong_e))
    head = head_of(dong_e_household)
    income = dong_e_household.incomes.create(category="wages", monthly_amount=1)
    before = counts()
    for method, url, body in _write_requests(
        dong_e_household.pk, head.pk, dong_e_village.code, dong_e_household.pk
    ):
        url = url.replace("/incomes/1/", f"/incomes/{income.pk}/")
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403, (role, method, url)
        assert response.json() == {"detail": "无权编辑家庭档案。"}
    assert counts() == before


def test_readers_without_edit_may_still_read(client_for, make_user, dong_e, dong_e_household):
    auditor = client_for(make_user(Role.AUDITOR, dong_e))
    assert auditor.get(f"/api/households/{dong_e_household.pk}/").status_code == 200


def test_anonymous_gets_401_everywhere(client_for, dong_e_household):
    anonymous = client_for(None)
    for url in ("/api/households/", f"/api/households/{dong_e_household.pk}/", "/api/regions/"):
        response = anonymous.get(url)
        assert response.status_code == 401
        assert response.json() == {"detail": "身份认证信息未提供。"}
        assert response["WWW-Authenticate"] == "Token"
    before = counts()
    response = anonymous.post("/api/households/", {}, format="json")
    assert response.status_code == 401
    assert counts() == before


def test_inactive_user_token_is_refused(client_for, assistant, dong_e_household):
    client = client_for(assistant)
    assistant.is_active = False
    assistant.save()
    assert client.get("/api/households/").status_code == 401


def test_user_without_region_sees_nothing(client_for, make_user, dong_e_household):
    user = make_user(Role.TOWN_ASSISTANT)
    user.region = None
    user.save()
    client = client_for(user)
    assert client.get("/api/households/").json()["count"] == 0
    assert client.get(f"/api/households/{dong_e_household.pk}/").status_code == 404
    assert client.get("/api/regions/").json()["count"] == 0
    response = client.patch(f"/api/households/{dong_e_household.pk}/", {}, format="json")
    assert response.status_code == 403


def test_session_authentication_works_too(assistant, dong_e_household):
    client = Client()
    assert client.login(username=assistant.username, password=factories.PASSWORD)
    assert client.get("/api/regions/").json() == {"detail": SECOND_STEP_FIRST}
    factories.pass_second_step(client, assistant)
    response = client.get(f"/api/households/{dong_e_household.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == dong_e_household.pk


def test_session_writes_need_the_csrf_token(assistant, dong_e_household):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=assistant.username, password=factories.PASSWORD)
    factories.pass_second_step(client, assistant)
    response = client.patch(
        f"/api/households/{dong_e_household.pk}/",
        {"address": "改"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
