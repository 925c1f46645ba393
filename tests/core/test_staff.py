"""County administrators manage staff accounts; offboarding revokes everything at once."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiuzhu.core import security
from jiuzhu.core.models import ApiToken, AuditEntry, User
from jiuzhu.core.roles import Role
from jiuzhu.core.tokens import issue_token
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _form(region, **overrides) -> dict:
    return {
        "username": "li_na",
        "name": "李娜",
        "role": Role.TOWN_ASSISTANT,
        "region": region.pk,
        "department": "",
        **overrides,
    }


def test_an_admin_creates_an_account_and_hands_over_a_first_password(county_admin, dong_e):
    page = client_for(county_admin).post("/core/staff/new/", _form(dong_e))

    assert page.status_code == 200
    text = page.content.decode()
    assert "已新增工作人员：李娜" in text
    assert "该岗位须使用两步验证：首次登录时须用手机上的身份验证器扫码绑定" in text
    password = re.search(r'<strong class="secret">([^<]+)</strong>', text).group(1)
    created = User.objects.get(username="li_na")
    assert (created.first_name, created.role, created.region) == (
        "李娜",
        Role.TOWN_ASSISTANT,
        dong_e,
    )
    assert created.check_password(password)
    entry = AuditEntry.objects.get(action="create_staff")
    assert (entry.object_id, entry.changes) == (created.pk, {"角色": "乡镇助理员"})


def test_a_role_needs_a_region_of_its_level(county_admin, dong_e_village):
    page = client_for(county_admin).post("/core/staff/new/", _form(dong_e_village))

    assert "“乡镇助理员”的所属区划应为镇（街道）级。" in page.content.decode()
    assert not User.objects.filter(username="li_na").exists()


def test_a_taken_username_is_refused(county_admin, dong_e, dong_e_assistant):
    page = client_for(county_admin).post(
        "/core/staff/new/", _form(dong_e, username=dong_e_assistant.username.upper())
    )
    assert "该用户名已被使用。" in page.content.decode()
    assert User.objects.count() == 2


def test_deactivation_ends_sign_in_tokens_and_sessions(county_admin, dong_e_assistant):
    issue_token(dong_e_assistant)
    session_client = Client()
    assert session_client.login(username=dong_e_assistant.username, password=factories.PASSWORD)
    factories.pass_second_step(session_client, dong_e_assistant)
    assert session_client.get("/").status_code == 200
    assert Session.objects.count() == 1

    response = client_for(county_admin).post(
        f"/core/staff/{dong_e_assistant.pk}/active/", {"active": "0"}, follow=True
    )

    name = dong_e_assistant.first_name
    assert f"{name}的账户已停用（登录、接口令牌与会话均已失效）。" in response.content.decode()
    dong_e_assistant.refresh_from_db()
    assert dong_e_assistant.is_active is False
    assert ApiToken.objects.get(user=dong_e_assistant).revoked_at is not None
    assert list(Session.objects.all().values_list("session_key", flat=True)) == [
        response.client.session.session_key
    ]
    assert session_client.get("/")["Location"] == "/login/?next=/"  # back to the sign-in page
    assert AuditEntry.objects.filter(action="deactivate_staff").count() == 1


def test_an_admin_may_not_deactivate_or_demote_themselves(county_admin, dong_e):
    client = client_for(county_admin)
    response = client.post(f"/core/staff/{county_admin.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用自己的账户。" in response.content.decode()

    page = client.post(
        f"/core/staff/{county_admin.pk}/",
        {"name": "管理员", "role": Role.TOWN_ASSISTANT, "region": dong_e.pk, "department": ""},
    )
    assert "不能更改自己的角色或所属区划，请由另一位管理员操作。" in page.content.decode()
    county_admin.refresh_from_db()
    assert (county_admin.is_active, county_admin.role) == (True, Role.COUNTY_ADMIN)


def test_an_admin_changes_a_colleagues_role_and_area(county_admin, dong_e_assistant, meigui):
    client_for(county_admin).post(
        f"/core/staff/{dong_e_assistant.pk}/",
        {"name": "张三", "role": Role.TOWN_APPROVER, "region": meigui.pk, "department": ""},
    )
    dong_e_assistant.refresh_from_db()
    assert (dong_e_assistant.first_name, dong_e_assistant.role, dong_e_assistant.region) == (
        "张三",
        Role.TOWN_APPROVER,
        meigui,
    )


@pytest.mark.parametrize("role", [Role.TOWN_ASSISTANT, Role.COUNTY_SUPERVISOR, Role.AUDITOR])
def test_only_county_admins_manage_staff(role, dong_e, dong_e_assistant):
    other = factories.user(role, dong_e if role == Role.TOWN_ASSISTANT else factories.county())
    client = client_for(other)
    assert client.get("/core/staff/").status_code == 404
    assert client.post("/core/staff/new/", _form(dong_e)).status_code == 404
    assert (
        client.post(f"/core/staff/{dong_e_assistant.pk}/active/", {"active": "0"}).status_code
        == 404
    )
    dong_e_assistant.refresh_from_db()
    assert dong_e_assistant.is_active is True
    assert not User.objects.filter(username="li_na").exists()


def test_staff_change_their_own_password(dong_e_assistant):
    issue_token(dong_e_assistant)
    client = client_for(dong_e_assistant)

    weak = client.post(
        "/core/password/",
        {"old_password": factories.PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert "密码太短，至少需要 8 个字符。" in weak.content.decode()

    done = client.post(
        "/core/password/",
        {
            "old_password": factories.PASSWORD,
            "new_password1": "河边的柳树2026",
            "new_password2": "河边的柳树2026",
        },
        follow=True,
    )
    assert "密码已修改；原有的接口令牌已作废。" in done.content.decode()
    dong_e_assistant.refresh_from_db()
    assert dong_e_assistant.check_password("河边的柳树2026")
    assert ApiToken.objects.get(user=dong_e_assistant).revoked_at is not None


def test_the_first_admin_of_an_installation(capsys):
    county = factories.county()
    call_command("create_admin", "wang_ju", "--name", "王局")

    out = capsys.readouterr().out.splitlines()
    admin = User.objects.get(username="wang_ju")
    password = out[0].rsplit("：", 1)[1]
    assert out == [
        f"已建立{county.name}县级管理员 wang_ju，初始密码：{password}",
        "初始密码只显示这一次；请登录后立即修改密码。",
        "县级管理员须使用两步验证：首次登录时用手机上的身份验证器扫码绑定。",
    ]
    assert (admin.first_name, admin.role, admin.region) == ("王局", Role.COUNTY_ADMIN, county)
    assert admin.check_password(password)
    with pytest.raises(CommandError) as refused:
        call_command("create_admin", "WANG_JU", "--name", "另一位")
    assert str(refused.value) == "该用户名已被使用。"


def test_create_admin_needs_the_region_tree_first():
    with pytest.raises(CommandError) as refused:
        call_command("create_admin", "wang_ju", "--name", "王局")
    assert str(refused.value) == "还没有行政区划，请先运行 jiuzhu import_regions。"


def test_a_session_ends_after_thirty_idle_minutes(dong_e_assistant):
    client = Client()
    assert client.login(username=dong_e_assistant.username, password=factories.PASSWORD)
    factories.pass_second_step(client, dong_e_assistant)
    session = Session.objects.get()
    assert client.get("/").status_code == 200  # every request renews it for 30 minutes

    renewed = Session.objects.get().expire_date
    assert 29 * 60 < (renewed - timezone.now()).total_seconds() <= 30 * 60
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now())
    assert client.get("/")["Location"] == "/login/?next=/"


def test_a_session_is_renewed_at_most_once_a_minute(dong_e_assistant, monkeypatch):
    """Renewing is a write: the requests of the same minute leave the session row alone."""
    client = Client()
    assert client.login(username=dong_e_assistant.username, password=factories.PASSWORD)
    factories.pass_second_step(client, dong_e_assistant)
    clock = [1_800_000_000.0]
    monkeypatch.setattr(security.time, "time", lambda: clock[0])

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

    assert session_writes() == 1  # the first request renews it
    renewed = Session.objects.get().expire_date
    clock[0] += 59
    assert session_writes() == 0
    assert Session.objects.get().expire_date == renewed
    clock[0] += 1
    assert session_writes() == 1
    assert Session.objects.get().expire_date > renewed
    client.logout()
    assert Session.objects.count() == 0
    assert Client().get("/notice/").status_code == 200  # a visitor gets no session row
    assert Session.objects.count() == 0


def test_an_admin_resets_a_forgotten_password_shown_once(county_admin, dong_e_assistant):
    issue_token(dong_e_assistant)
    session_client = Client()
    assert session_client.login(username=dong_e_assistant.username, password=factories.PASSWORD)
    page = client_for(county_admin).post(f"/core/staff/{dong_e_assistant.pk}/password/reset/")
    text = page.content.decode()
    assert "已重置密码" in text and "原密码已失效" in text
    new_password = re.search(r'<strong class="secret">([^<]+)</strong>', text).group(1)
    dong_e_assistant.refresh_from_db()
    assert dong_e_assistant.check_password(new_password)
    assert not dong_e_assistant.check_password(factories.PASSWORD)
    assert ApiToken.objects.get(user=dong_e_assistant).revoked_at is not None
    assert session_client.get("/").status_code == 302  # the old session has ended
    assert AuditEntry.objects.filter(action="reset_password").count() == 1


def test_a_password_reset_is_refused_to_others_and_for_oneself(county_admin, dong_e_assistant):
    for role in (Role.TOWN_APPROVER, Role.COUNTY_SUPERVISOR, Role.AUDITOR):
        other = factories.user(
            role, dong_e_assistant.region if role == Role.TOWN_APPROVER else factories.county()
        )
        response = client_for(other).post(f"/core/staff/{dong_e_assistant.pk}/password/reset/")
        assert response.status_code == 404
    own = client_for(county_admin).post(
        f"/core/staff/{county_admin.pk}/password/reset/", follow=True
    )
    assert "不能在这里重置自己的密码" in own.content.decode()
    dong_e_assistant.refresh_from_db()
    county_admin.refresh_from_db()
    assert dong_e_assistant.check_password(factories.PASSWORD)
    assert county_admin.check_password(factories.PASSWORD)
    assert not AuditEntry.objects.filter(action="reset_password").exists()
