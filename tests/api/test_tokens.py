"""API tokens (issue 19): hashed, expiring, scoped, revoked on logout, password change, lock
and deactivation, and listed and revoked by county administrators."""

import datetime as dt
import hashlib
import importlib
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import ApiToken, AuditEntry, User
from jiuzhu.core.months import long_moment
from jiuzhu.core.roles import Role
from jiuzhu.core.tokens import issue_token
from tests import factories
from tests.api.helpers import counts, signed_in
from tests.conftest import client_for as page_client

pytestmark = pytest.mark.django_db

INVALID = {"detail": "认证令牌无效。"}
EXPIRED = {"detail": "认证令牌已过期，请重新申请。"}


def obtain(user: User, **extra) -> dict:
    response = signed_in(user).post(
        "/api/auth/token/",
        {"username": user.username, "password": factories.PASSWORD, **extra},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


def with_token(clear: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
    return client


def test_only_the_hash_is_stored_and_the_clear_token_is_shown_once(assistant, dong_e_household):
    body = obtain(assistant)
    clear = body["token"]
    [token] = ApiToken.objects.all()
    assert token.digest == hashlib.sha256(clear.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values().get().values())
    assert clear not in stored
    assert body["scopes"] == ["registry.read", "policy.calculate"]
    assert with_token(clear).get(f"/api/households/{dong_e_household.pk}/").status_code == 200
    # A second request gives a new token; the first stays valid.
    assert obtain(assistant)["token"] != clear
    assert ApiToken.objects.count() == 2


def test_tokens_expire_after_the_configured_days(assistant, dong_e_household):
    issued = timezone.now()
    with override_settings(JIUZHU_API_TOKEN_DAYS=30):
        body = obtain(assistant)
    token = ApiToken.objects.get()
    assert abs(token.expires_at - (issued + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    assert dt.datetime.fromisoformat(body["expires_at"]) == token.expires_at
    client = with_token(body["token"])
    url = f"/api/households/{dong_e_household.pk}/"
    later = token.expires_at + dt.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.get(url)
    assert response.status_code == 401
    assert response.json() == EXPIRED
    assert client.get(url).status_code == 200


def test_use_is_recorded(assistant):
    body = obtain(assistant)
    assert ApiToken.objects.get().last_used_at is None
    with_token(body["token"]).get("/api/regions/")
    assert ApiToken.objects.get().last_used_at is not None


def _revoked_by(assistant, dong_e_household, change) -> None:
    clear = obtain(assistant)["token"]
    client = with_token(clear)
    url = f"/api/households/{dong_e_household.pk}/"
    assert client.get(url).status_code == 200
    reason = change()
    response = client.get(url)
    assert response.status_code == 401
    assert response.json() == INVALID
    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    assert token.revoked_reason == reason


def test_web_logout_revokes_the_users_tokens(assistant, dong_e_household):
    def logout():
        client = Client()
        assert client.login(username=assistant.username, password=factories.PASSWORD)
        client.post("/logout/")
        return ApiToken.Revocation.LOGOUT

    _revoked_by(assistant, dong_e_household, logout)


def test_api_logout_revokes_the_token_used(assistant, dong_e_household):
    other = obtain(assistant)["token"]
    clear = obtain(assistant)["token"]
    client = with_token(clear)
    assert client.delete("/api/auth/token/").status_code == 204
    assert client.get(f"/api/households/{dong_e_household.pk}/").json() == INVALID
    assert with_token(other).get(f"/api/households/{dong_e_household.pk}/").status_code == 200
    assert ApiToken.objects.get(revoked_at__isnull=False).revoked_reason == "logout"


def test_password_change_revokes_tokens(assistant, dong_e_household):
    def change():
        user = User.objects.get(pk=assistant.pk)
        user.set_password("another-long-passphrase")
        user.save()
        return ApiToken.Revocation.PASSWORD

    _revoked_by(assistant, dong_e_household, change)


def test_a_lock_revokes_tokens(assistant, dong_e_household):
    def lock():
        user = User.objects.get(pk=assistant.pk)
        user.locked_until = timezone.now() + dt.timedelta(days=1)
        user.save()
        return ApiToken.Revocation.LOCKED

    _revoked_by(assistant, dong_e_household, lock)


def test_deactivation_revokes_tokens(assistant, dong_e_household):
    def deactivate():
        user = User.objects.get(pk=assistant.pk)
        user.is_active = False
        user.save()
        return ApiToken.Revocation.DEACTIVATED

    _revoked_by(assistant, dong_e_household, deactivate)
    # Reactivating does not bring the token back.
    User.objects.filter(pk=assistant.pk).update(is_active=True)
    assert ApiToken.objects.get().revoked_at is not None


def test_other_saves_of_the_user_keep_the_tokens(assistant):
    obtain(assistant)
    user = User.objects.get(pk=assistant.pk)
    user.first_name = "晓明"
    user.save()
    assert ApiToken.objects.get().revoked_at is None


def test_a_read_token_may_not_write(assistant, dong_e_household):
    client = with_token(obtain(assistant)["token"])
    before = counts()
    response = client.patch(
        f"/api/households/{dong_e_household.pk}/", {"address": "新地址"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "令牌的权限范围不含“编辑家庭档案”，不能执行此操作。"}
    assert counts() == before
    writer = with_token(obtain(assistant, scopes=["registry.read", "registry.write"])["token"])
    response = writer.patch(
        f"/api/households/{dong_e_household.pk}/", {"address": "新地址"}, format="json"
    )
    assert response.status_code == 200


def test_a_token_without_calculate_may_not_use_the_calculator(assistant):
    client = with_token(obtain(assistant, scopes=["registry.read"])["token"])
    response = client.post("/api/policy/calculate", {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "令牌的权限范围不含“救助测算”，不能执行此操作。"}


def test_a_role_may_not_ask_for_a_scope_beyond_it(make_user, dong_e):
    auditor = make_user(Role.AUDITOR, dong_e)
    response = signed_in(auditor).post(
        "/api/auth/token/",
        {
            "username": auditor.username,
            "password": factories.PASSWORD,
            "scopes": ["registry.read", "registry.write"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "您的角色不能申请以下权限范围：编辑家庭档案。",
        "field": "scopes",
    }
    assert not ApiToken.objects.exists()


def test_county_admin_lists_and_revokes_tokens(county_admin, assistant, dong_e_household):
    clear = obtain(assistant, scopes=["registry.read", "registry.write"])["token"]
    token = ApiToken.objects.get()
    assistant.first_name = "李四"
    assistant.save(update_fields=["first_name"])
    page = page_client(county_admin).get("/core/security/").content.decode()
    assert f"李四（乡镇助理员，{assistant.region.name}）" in page
    assert assistant.username not in page  # staff are named, never by their login
    assert "读取家庭档案、编辑家庭档案" in page
    assert long_moment(token.expires_at) in page
    assert clear not in page and token.digest not in page
    response = page_client(county_admin).post(f"/core/security/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_reason == ApiToken.Revocation.ADMIN
    assert with_token(clear).get("/api/regions/").json() == INVALID
    entry = AuditEntry.objects.get(action="revoke_token")
    assert entry.actor == county_admin and entry.object_id == token.pk


def test_others_may_not_list_or_revoke_tokens(make_user, dong_e, assistant):
    obtain(assistant)
    token = ApiToken.objects.get()
    for role in (Role.TOWN_ASSISTANT, Role.COUNTY_SUPERVISOR, Role.AUDITOR):
        client = page_client(make_user(role, factories.county()))
        assert client.get("/core/security/").status_code == 404
        assert client.post(f"/core/security/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_issue_token_gives_the_role_default_scopes(make_user, dong_e):
    officer = make_user(Role.DEPARTMENT_OFFICER, dong_e)
    token, clear = issue_token(officer)
    assert token.scopes == ["registry.read", "policy.calculate"]
    assert clear.startswith("jz_") and len(clear) == 46
    with pytest.raises(DomainError, match="编辑家庭档案"):
        issue_token(officer, ["registry.write"])
    editor = make_user(Role.TOWN_ASSISTANT, dong_e)
    assert issue_token(editor, ["registry.write"])[0].scopes == ["registry.write"]


def test_the_migration_hashes_the_old_static_tokens(assistant, make_user, dong_e):
    """Tokens of rest_framework.authtoken keep working, hashed, expiring; none stays clear."""
    migration = importlib.import_module(
        "jiuzhu.core.migrations.0004_hashed_expiring_scoped_api_tokens"
    )
    gone = make_user(Role.TOWN_ASSISTANT, dong_e, is_active=False)
    old_key, gone_key = "a" * 40, "b" * 40
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id bigint NOT NULL)"
        )
        for key, user in ((old_key, assistant), (gone_key, gone)):
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, timezone.now() - dt.timedelta(days=400), user.pk],
            )
    migration.carry_static_tokens(django_apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    [token] = ApiToken.objects.all()
    assert token.user == assistant
    assert token.digest == hashlib.sha256(old_key.encode()).hexdigest()
    assert token.expires_at > timezone.now() + dt.timedelta(days=29)
    assert with_token(old_key).get("/api/regions/").status_code == 200
    assert with_token(gone_key).get("/api/regions/").json() == INVALID


@override_settings(
    PASSWORD_HASHERS=[
        "tests.hashers.QuickArgon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
def test_a_password_rehash_at_sign_in_keeps_the_tokens(assistant):
    User.objects.filter(pk=assistant.pk).update(
        password=make_password(factories.PASSWORD, hasher="pbkdf2_sha256")
    )
    clear = obtain(assistant)["token"]  # signs in: the hash is upgraded to Argon2
    assert User.objects.get(pk=assistant.pk).password.startswith("argon2")
    assert with_token(clear).get("/api/regions/").status_code == 200
    assert ApiToken.objects.get().revoked_at is None
