import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.utils import timezone

from jiuzhu.core.models import User
from jiuzhu.core.roles import Role
from jiuzhu.core.two_factor import current_code
from tests import factories
from tests.conftest import client_for


@pytest.mark.django_db
def test_login_and_logout(dong_e_assistant):
    device = factories.authenticator(dong_e_assistant)
    client = Client()
    response = client.post(
        "/login/", {"username": dong_e_assistant.username, "password": factories.PASSWORD}
    )
    assert response["Location"] == "/core/two-factor/verify/"
    response = client.post("/core/two-factor/verify/", {"code": current_code(device)})
    assert response["Location"] == "/"
    assert "东阿镇" in client.get("/").content.decode()
    client.post("/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_wrong_password_is_told_in_chinese(dong_e_assistant):
    response = Client().post("/login/", {"username": dong_e_assistant.username, "password": "x"})
    assert (
        "登录失败：用户名或密码错误，或尝试过于频繁，请核对后稍候再试。"
        in response.content.decode()
    )


@pytest.mark.django_db
def test_an_account_locked_by_an_administrator_may_not_sign_in(dong_e_assistant):
    User.objects.filter(pk=dong_e_assistant.pk).update(
        locked_until=timezone.now() + dt.timedelta(hours=1)
    )
    client = Client()
    response = client.post(
        "/login/", {"username": dong_e_assistant.username, "password": factories.PASSWORD}
    )
    assert "登录失败：用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session
    User.objects.filter(pk=dong_e_assistant.pk).update(locked_until=timezone.now())
    response = client.post(
        "/login/", {"username": dong_e_assistant.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_open_redirect_after_login_is_refused(dong_e_assistant):
    device = factories.authenticator(dong_e_assistant)
    client = Client()
    response = client.post(
        "/login/?next=https://evil.example/",
        {"username": dong_e_assistant.username, "password": factories.PASSWORD},
    )
    assert response["Location"] == "/core/two-factor/verify/"
    response = client.post(
        "/core/two-factor/verify/?next=https://evil.example/", {"code": current_code(device)}
    )
    assert response["Location"] == "/"
    # A user without a second factor goes straight to the page, never off the site.
    worker = factories.user(Role.SOCIAL_WORKER, dong_e_assistant.region)
    response = Client().post(
        "/login/?next=https://evil.example/",
        {"username": worker.username, "password": factories.PASSWORD},
    )
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(dong_e_assistant):
    assert dong_e_assistant.password.startswith("argon2")

    assert get_hasher("default").algorithm == "argon2"
    assert "Argon2" in settings.PASSWORD_HASHERS[0]


def test_production_settings_refuse_an_insecure_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "DJANGO_"))}
    env.update(JIUZHU_DATA_DIR=str(tmp_path), JIUZHU_SECRET_KEY="django-insecure-short")
    result = subprocess.run(
        [sys.executable, "-c", "import jiuzhu.settings"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "JIUZHU_SECRET_KEY" in result.stderr
    env["JIUZHU_SECRET_KEY"] = "Vq3xR9mZ2kLp7TcW8nYb4HsJ6dFg1QeU5aNo0iKrXyC-jiuzhu-strong"
    ok = subprocess.run([sys.executable, "-c", "import jiuzhu.settings"], env=env)
    assert ok.returncode == 0


@pytest.mark.django_db
def test_pages_need_login():
    response = Client().get("/households/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_navigation_follows_the_role(county_admin, dong_e):
    admin_page = client_for(county_admin).get("/").content.decode()
    assert "工作日历" in admin_page
    officer = factories.user(Role.DEPARTMENT_OFFICER, factories.county(), department="人社局")
    officer_page = client_for(officer).get("/").content.decode()
    assert "家庭档案" not in officer_page
    assert "工作日历" not in officer_page
