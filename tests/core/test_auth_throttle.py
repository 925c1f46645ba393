"""Sign-in throttling (issue 19): by client and by account, growing delays, one message for
every failure, and a security event when one client sprays many accounts."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from jiuzhu.core import auth
from jiuzhu.core.models import LoginFailure, SecurityEvent
from jiuzhu.core.passwords import Argon2Hasher
from jiuzhu.core.roles import Role
from jiuzhu.core.two_factor_gate import SECOND_STEP_FIRST
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

FAILED = "登录失败：用户名或密码错误，或尝试过于频繁，请核对后稍候再试。"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def web_login(username: str, password: str, ip: str, **headers: str):
    return Client(REMOTE_ADDR=ip, **headers).post(
        "/login/", {"username": username, "password": password}
    )


def api_login(username: str, password: str, ip: str):
    return APIClient(REMOTE_ADDR=ip).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def at(moment: dt.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def without_csrf(html: str) -> str:
    """The page without its per-render CSRF tokens (form field and meta tag)."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF", html)


def test_a_strangers_failures_do_not_block_the_owner(dong_e_assistant):
    owner = dong_e_assistant.username
    with at(T0):
        assert web_login(owner, factories.PASSWORD, "10.0.0.5").status_code == 302
    with at(T0 + dt.timedelta(minutes=1)):
        for _ in range(30):
            assert FAILED in web_login(owner, "guess", "203.0.113.9").content.decode()
        # The stranger is throttled even with the right password ...
        refused = web_login(owner, factories.PASSWORD, "203.0.113.9")
        assert FAILED in refused.content.decode()
        # ... and so is any client the owner never signed in from,
        assert FAILED in web_login(owner, factories.PASSWORD, "198.51.100.7").content.decode()
        # but the owner's own client signs in at once (a token then needs the second step:
        # the password was checked, not throttled).
        assert web_login(owner, factories.PASSWORD, "10.0.0.5").status_code == 302
        assert api_login(owner, factories.PASSWORD, "10.0.0.5").json() == {
            "detail": SECOND_STEP_FIRST
        }


def test_every_failure_has_the_same_message_for_real_and_fake_usernames(dong_e_assistant):
    real = dong_e_assistant.username
    with at(T0):
        wrong_real = api_login(real, "wrong", "192.0.2.1")
        wrong_fake = api_login("nobody-here", "wrong", "192.0.2.2")
        assert wrong_real.status_code == wrong_fake.status_code == 400
        assert wrong_real.content == wrong_fake.content == ('{"detail":"' + FAILED + '"}').encode()
        for _ in range(10):
            api_login(real, "wrong", "192.0.2.1")
            api_login("nobody-here", "wrong", "192.0.2.2")
        # Throttled now: the right password of the real user is answered as the fake one.
        throttled_real = api_login(real, factories.PASSWORD, "192.0.2.3")
        throttled_fake = api_login("nobody-here", factories.PASSWORD, "192.0.2.4")
        assert throttled_real.status_code == throttled_fake.status_code == 400
        assert throttled_real.content == throttled_fake.content == wrong_real.content
        # The login page too: byte for byte once the per-page CSRF token and the echoed
        # username are set aside.
        page_real = web_login(real, factories.PASSWORD, "192.0.2.3").content.decode()
        page_fake = web_login("nobody-here", "x", "192.0.2.4").content.decode()
        assert FAILED in page_real
        assert without_csrf(page_real).replace(real, "U") == without_csrf(page_fake).replace(
            "nobody-here", "U"
        )
        assert "锁定" not in page_real


@override_settings(JIUZHU_LOGIN_BASE_DELAY_SECONDS=2, JIUZHU_LOGIN_FREE_FAILURES_PER_ACCOUNT=5)
def test_delays_grow_and_then_the_right_password_passes(dong_e_assistant):
    name = dong_e_assistant.username
    ip = "192.0.2.50"
    with at(T0):
        for _ in range(5):
            web_login(name, "wrong", ip)
    # 5 failures: wait 2 s after the last one.
    with at(T0 + dt.timedelta(seconds=1)):
        assert web_login(name, factories.PASSWORD, ip).status_code == 200
    with at(T0 + dt.timedelta(seconds=3)):
        assert web_login(name, "wrong", ip).status_code == 200  # the 6th failure
    # 6 failures: wait 4 s after the last one.
    with at(T0 + dt.timedelta(seconds=6)):
        assert FAILED in web_login(name, factories.PASSWORD, ip).content.decode()
    with at(T0 + dt.timedelta(seconds=8)):
        assert web_login(name, factories.PASSWORD, ip).status_code == 302


@override_settings(JIUZHU_LOGIN_MAX_DELAY_SECONDS=60)
def test_delays_are_capped_so_the_owner_is_never_locked_out(dong_e_assistant):
    name = dong_e_assistant.username
    with at(T0):
        for _ in range(40):
            web_login(name, "wrong", "192.0.2.60")
    with at(T0 + dt.timedelta(seconds=61)):
        assert web_login(name, factories.PASSWORD, "192.0.2.61").status_code == 302


def test_a_client_is_throttled_across_accounts(dong_e_assistant, county_admin):
    with at(T0):
        for n in range(10):
            web_login(f"user{n}", "wrong", "192.0.2.70")
        # That client may not try even a real account's right password now ...
        refused = web_login(dong_e_assistant.username, factories.PASSWORD, "192.0.2.70")
        assert FAILED in refused.content.decode()
        # ... while others are not slowed.
        assert web_login(county_admin.username, factories.PASSWORD, "192.0.2.71").status_code == 302


@override_settings(JIUZHU_TRUSTED_PROXIES=["10.1.1.1"])
def test_only_a_trusted_proxy_may_name_the_client():
    with at(T0):
        # Behind the trusted proxy, each forwarded client is its own client.
        for n in range(10):
            forwarded = f"192.0.2.200, 198.51.100.{n}"  # a spoofed first hop is ignored
            web_login(f"someone{n}", "wrong", "10.1.1.1", HTTP_X_FORWARDED_FOR=forwarded)
        assert set(LoginFailure.objects.values_list("client", flat=True)) == {
            f"198.51.100.{n}" for n in range(10)
        }
        LoginFailure.objects.all().delete()
        # A client that is not the proxy cannot choose its address by the header.
        for n in range(3):
            forwarded = f"198.51.100.{n}"
            web_login(f"someone{n}", "wrong", "203.0.113.5", HTTP_X_FORWARDED_FOR=forwarded)
        assert set(LoginFailure.objects.values_list("client", flat=True)) == {"203.0.113.5"}


def test_failures_store_no_username_or_password():
    with at(T0):
        web_login("zhangsan", "secret-guess", "192.0.2.80")
    [failure] = LoginFailure.objects.all()
    assert "zhangsan" not in failure.account and failure.client == "192.0.2.80"
    assert len(failure.account) == 64


@override_settings(JIUZHU_LOGIN_SPRAY_ACCOUNTS=8)
def test_a_spray_across_accounts_raises_one_security_event_seen_by_county_admins(county_admin):
    with at(T0):
        for n in range(7):
            web_login(f"staff{n}", "123456", "203.0.113.77")
        assert not SecurityEvent.objects.exists()
        for n in range(7, 12):
            web_login(f"staff{n}", "123456", "203.0.113.77")
    [event] = SecurityEvent.objects.all()
    assert event.kind == SecurityEvent.Kind.LOGIN_SPRAY
    assert event.client == "203.0.113.77"
    assert event.detail == {"accounts": 8, "window_minutes": 60}
    assert "staff" not in str(event.detail) and "123456" not in str(event.detail)
    page = client_for(county_admin).get("/core/security/").content.decode()
    assert "多账户密码试探" in page and "203.0.113.77" in page
    assistant = factories.user(Role.TOWN_ASSISTANT, factories.town())
    assert client_for(assistant).get("/core/security/").status_code == 404
    # Failures from long ago are forgotten.
    with at(T0 + dt.timedelta(hours=2)):
        web_login("other", "x", "192.0.2.90")
    assert LoginFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(days=365)).count() == 0
    assert set(LoginFailure.objects.values_list("client", flat=True)) == {"192.0.2.90"}


def test_strangers_take_turns_while_the_owner_at_their_desk_goes_first(dong_e_village, settings):
    coordinator = factories.user(Role.VILLAGE_COORDINATOR, dong_e_village, username="desk")
    assert web_login("desk", factories.PASSWORD, "10.0.0.5").status_code == 302  # trusted now
    settings.JIUZHU_LOGIN_QUEUE_SECONDS = 0.05
    assert auth._STRANGER_CHECKS.acquire(timeout=1)  # a stranger's check is under way
    try:
        # Another stranger waits its turn and, past the queue time, is refused unchecked
        # (even with the right password) and not counted as a failure ...
        refused = web_login("desk", factories.PASSWORD, "198.51.100.7")
        assert FAILED in refused.content.decode()
        assert not LoginFailure.objects.exists()
        # ... while the owner at their usual desk is admitted at once.
        assert web_login("desk", factories.PASSWORD, "10.0.0.5").status_code == 302
    finally:
        auth._STRANGER_CHECKS.release()
    assert web_login("desk", factories.PASSWORD, "198.51.100.7").status_code == 302
    assert coordinator.is_active


def test_passwords_are_hashed_with_argon2id_at_owasps_minimum_and_old_hashes_upgrade():
    hasher = Argon2Hasher()
    encoded = hasher.encode("correct horse battery", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify("correct horse battery", encoded)
    django_default = Argon2PasswordHasher().encode("old password", "saltsaltsalt")
    assert hasher.verify("old password", django_default)
    assert hasher.must_update(django_default) and not hasher.must_update(encoded)


def test_a_spray_from_many_addresses_raises_one_event_for_them_all(county_admin, settings):
    settings.JIUZHU_LOGIN_SPRAY_ACCOUNTS = 3  # nine accounts from three clients or more
    with at(T0):
        for number in range(12):
            web_login(f"nobody{number}", "guess", f"203.0.113.{number}")
    event = SecurityEvent.objects.get()
    assert event.client == "多个地址"
    assert event.detail == {"accounts": 9, "clients": 9, "window_minutes": 60}
    page = client_for(county_admin).get("/core/security/").content.decode()
    assert "60 分钟内从 9 个地址对 9 个账户登录失败" in page
