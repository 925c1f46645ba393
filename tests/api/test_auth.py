"""Token authentication and the sign-in throttle (tests/api/test_tokens.py: the tokens)."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jiuzhu.core.models import LoginFailure
from tests import factories
from tests.api.helpers import signed_in

pytestmark = pytest.mark.django_db


def _token(client, username, password):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_token_for_good_credentials_works(assistant, dong_e_household):
    client = signed_in(assistant)
    response = _token(client, assistant.username, factories.PASSWORD)
    assert response.status_code == 200
    token = response.json()["token"]
    # Each request issues a new token (the clear token is never kept to be shown again).
    assert _token(client, assistant.username, factories.PASSWORD).json()["token"] != token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"/api/households/{dong_e_household.pk}/").status_code == 200


FAILED = "登录失败：用户名或密码错误，或尝试过于频繁，请核对后稍候再试。"


def test_wrong_password_is_a_chinese_400_and_counts_a_failure(assistant):
    response = _token(APIClient(), assistant.username, "wrong")
    assert response.status_code == 400
    assert response.json() == {"detail": FAILED}
    assert LoginFailure.objects.count() == 1


def test_unknown_user_is_answered_like_a_wrong_password():
    response = _token(APIClient(), "nobody", "wrong")
    assert response.status_code == 400
    assert response.json() == {"detail": FAILED}


def test_inactive_user_gets_no_token(assistant):
    assistant.is_active = False
    assistant.save()
    response = _token(APIClient(), assistant.username, factories.PASSWORD)
    assert response.status_code == 400
    assert response.json() == {"detail": FAILED}


@override_settings(JIUZHU_LOGIN_FREE_FAILURES_PER_ACCOUNT=3)
def test_repeated_failures_throttle_with_the_same_answer(assistant):
    client = APIClient()
    for _ in range(3):
        assert _token(client, assistant.username, "wrong").status_code == 400
    # Even the right password is refused while the client must wait, in the same words.
    response = _token(client, assistant.username, factories.PASSWORD)
    assert response.status_code == 400
    assert response.json() == {"detail": FAILED}


def test_success_forgets_the_clients_own_failures(assistant):
    client = signed_in(assistant)
    _token(client, assistant.username, "wrong")
    assert _token(client, assistant.username, factories.PASSWORD).status_code == 200
    assert LoginFailure.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "a"},
        {"username": 1, "password": 2},
        {"username": "a", "password": "b", "x": 1},
    ],
)
def test_malformed_token_requests(body):
    response = APIClient().post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("提交的数据有误")


def test_malformed_json_for_token():
    response = APIClient().post("/api/auth/token/", b"{", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/households/")
    assert response.status_code == 401
    assert response.json() == {"detail": "认证令牌无效。"}
