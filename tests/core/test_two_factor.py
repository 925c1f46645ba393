"""Two-factor sign-in (issue 19): who must use it, the code step in the sign-in throttle,
enrolment, recovery codes, the gate until verified, tokens, the administrator's reset."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from jiuzhu.core.models import ApiToken, AuditEntry, LoginFailure, TrustedLoginClient, User
from jiuzhu.core.roles import TWO_FACTOR_ROLES, Role, two_factor_required
from jiuzhu.core.two_factor import current_code
from jiuzhu.core.two_factor_gate import SECOND_STEP_FIRST
from tests import factories
from tests.api.helpers import signed_in
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LOGIN_FAILED = "登录失败：用户名或密码错误，或尝试过于频繁，请核对后稍候再试。"
CODE_FAILED = "验证失败：验证码或恢复码不正确、已用过，或尝试过于频繁，请核对后稍候再试。"
VERIFY = "/core/two-factor/verify/"
ENROL = "/core/two-factor/enrol/"


def sign_in(user: User, ip: str = "10.1.1.1") -> tuple[Client, str]:
    """Post the right password from a fresh client; the client and where it was sent."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/login/", {"username": user.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client, response["Location"]


def give_code(client: Client, code: str, path: str = VERIFY):
    return client.post(path, {"code": code})


def recovery_codes(html: str) -> list[str]:
    return re.findall(r"<li>([a-z2-7]{8})</li>", html)


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    """Enrol the user through the pages (sign in, scan, confirm): the device and the codes."""
    client, target = sign_in(user)
    assert target == ENROL
    assert client.get(ENROL).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = give_code(client, current_code(device), ENROL)
    codes = recovery_codes(response.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    return device, codes


def test_county_roles_and_money_roles_must_use_two_factors(settings):
    assert {
        Role.COUNTY_ADMIN,
        Role.COUNTY_SUPERVISOR,
        Role.AUDITOR,
        Role.TOWN_ASSISTANT,  # prepares and checks payrolls
        Role.TOWN_APPROVER,  # approves payrolls
    } == TWO_FACTOR_ROLES
    for role in (Role.VILLAGE_COORDINATOR, Role.SOCIAL_WORKER, Role.DEPARTMENT_OFFICER):
        assert not two_factor_required(User(role=role))
    assert two_factor_required(User(role=Role.AUDITOR))
    settings.JIUZHU_TWO_FACTOR = "optional"
    assert not two_factor_required(User(role=Role.AUDITOR))


STAFF_PAGES = [
    "/",
    "/households/",
    "/households/new/",
    "/households/1/",
    "/cases/",
    "/cases/overdue/",
    "/cases/1/",
    "/cases/spot-checks/",
    "/verification/jobs/",
    "/verification/extracts/",
    "/policy/standards/",
    "/policy/simulation/",
    "/payments/",
    "/payments/1/",
    "/payments/claims/",
    "/funds/",
    "/funds/budgets/",
    "/core/calendar/",
    "/core/regions/",
    "/core/access-log/",
    "/core/staff/",
    "/core/staff/new/",
    "/core/security/",
    "/core/two-factor/",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_staff_page_waits_for_the_code(county_admin, path):
    factories.authenticator(county_admin)
    client, target = sign_in(county_admin)
    assert target == VERIFY
    response = client.get(path)
    assert response.status_code == 302
    expected = VERIFY if path == "/" else f"{VERIFY}?next={path.replace('/', '%2F')}"
    assert response["Location"] == expected
    # The password change waits too: a password alone must not replace the password.
    assert client.get("/core/password/")["Location"] == f"{VERIFY}?next=%2Fcore%2Fpassword%2F"
    assert client.get(ENROL)["Location"].startswith(VERIFY)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_staff_page_waits_for_enrolment(county_admin, path):
    client, target = sign_in(county_admin)
    assert target == ENROL
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_a_verified_session_reaches_the_pages_and_posts_wait_too(county_admin, dong_e_assistant):
    device = factories.authenticator(county_admin)
    client, _ = sign_in(county_admin)
    response = client.post(f"/core/staff/{dong_e_assistant.pk}/active/", {"active": "0"})
    assert response["Location"] == VERIFY
    assert User.objects.get(pk=dong_e_assistant.pk).is_active
    # The API refuses the unverified session in JSON, whatever other header comes along.
    for headers in ({}, {"HTTP_AUTHORIZATION": "Basic eDp5"}):
        response = client.get("/api/regions/", **headers)
        assert response.status_code == 403
        assert response.json() == {"detail": SECOND_STEP_FIRST}
    # A token is the token's to answer: a wrong one is refused, not taken for the session.
    response = client.get("/api/regions/", HTTP_AUTHORIZATION="Token jz_wrong")
    assert response.status_code == 401
    response = give_code(client, current_code(device))
    assert response["Location"] == "/"
    for path in ("/", "/core/staff/", "/core/security/", "/core/two-factor/"):
        assert client.get(path).status_code == 200
    assert client.get("/api/regions/").status_code == 200


def test_the_password_page_is_open_while_enrolling(county_admin):
    client, _ = sign_in(county_admin)
    assert client.get("/core/password/").status_code == 200
    assert client.post("/logout/")["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_is_refused_in_chinese_and_throttled(dong_e_assistant):
    device = factories.authenticator(dong_e_assistant)
    client, _ = sign_in(dong_e_assistant, ip="203.0.113.5")
    for wrong in ("000000", "12345", "abcdefgh"):
        response = give_code(client, wrong)
        assert response.status_code == 200
        assert CODE_FAILED in response.content.decode()
    assert LoginFailure.objects.filter(client="203.0.113.5").count() == 3
    # A right password again does not wipe the failed codes ...
    client, _ = sign_in(dong_e_assistant, ip="203.0.113.5")
    assert LoginFailure.objects.count() == 3
    give_code(client, "1" * 40)
    give_code(client, "999999")  # the fifth failure: the account now waits
    # ... and from a client the owner never completed a sign-in on, even the right code is
    # refused in the same words (and not counted), as is the right password.
    refused = give_code(client, current_code(device))
    assert CODE_FAILED in refused.content.decode()
    assert client.get("/core/staff/")["Location"] == f"{VERIFY}?next=%2Fcore%2Fstaff%2F"
    response = Client(REMOTE_ADDR="203.0.113.5").post(
        "/login/", {"username": dong_e_assistant.username, "password": factories.PASSWORD}
    )
    assert (
        "登录失败：用户名或密码错误，或尝试过于频繁，请核对后稍候再试。"
        in response.content.decode()
    )
    assert LoginFailure.objects.count() == 5
    # Once the delay has passed the right code gets in, and the client is trusted.
    later = timezone.now() + dt.timedelta(minutes=1)  # the first delay is 2 s
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert give_code(client, current_code(device))["Location"] == "/"
        assert TrustedLoginClient.objects.filter(client="203.0.113.5").count() == 1


@override_settings(JIUZHU_LOGIN_FREE_FAILURES_PER_CLIENT=3)
def test_wrong_codes_count_with_wrong_passwords_on_the_client(dong_e_assistant):
    device = factories.authenticator(dong_e_assistant)
    stranger = Client(REMOTE_ADDR="198.51.100.4")
    stranger.post("/login/", {"username": "someone-else", "password": "guess"})
    stranger.post("/login/", {"username": "another", "password": "guess"})
    client, _ = sign_in(dong_e_assistant, ip="198.51.100.4")
    give_code(client, "000000")  # the third failure of this client
    assert CODE_FAILED in give_code(client, current_code(device)).content.decode()


def test_a_password_alone_does_not_trust_the_client(dong_e_assistant):
    device = factories.authenticator(dong_e_assistant)
    client, _ = sign_in(dong_e_assistant, ip="192.0.2.8")
    assert not TrustedLoginClient.objects.exists()
    give_code(client, current_code(device))
    assert TrustedLoginClient.objects.filter(client="192.0.2.8").count() == 1


def test_the_same_totp_code_is_refused_the_second_time(dong_e_assistant):
    device = factories.authenticator(dong_e_assistant)
    code = current_code(device)
    first, _ = sign_in(dong_e_assistant)
    assert give_code(first, code)["Location"] == "/"
    second, _ = sign_in(dong_e_assistant)
    response = give_code(second, code)
    assert CODE_FAILED in response.content.decode()
    assert second.get("/")["Location"] == VERIFY


def test_a_recovery_code_works_once(dong_e_assistant):
    _, codes = enrolled(dong_e_assistant)
    client, target = sign_in(dong_e_assistant)
    assert target == VERIFY
    response = give_code(client, f" {codes[3].upper()[:4]}-{codes[3][4:]} ", VERIFY)
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "已使用一个恢复码，还剩 9 个；可在“两步验证”页面重新生成。" in page
    assert StaticToken.objects.filter(device__user=dong_e_assistant).count() == 9
    again, _ = sign_in(dong_e_assistant)
    assert CODE_FAILED in give_code(again, codes[3]).content.decode()
    assert give_code(again, codes[4])["Location"] == "/"


def test_enrolment_confirms_with_a_code_and_shows_ten_codes_once(dong_e_assistant):
    client, target = sign_in(dong_e_assistant)
    assert target == ENROL
    response = client.get(ENROL)
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=dong_e_assistant)
    assert not device.confirmed
    assert "<svg" in page and "二维码" in page and "http" not in page.split("<svg")[1][:200]
    key = device.config_url.split("secret=")[1].split("&")[0]
    assert " ".join(key[i : i + 4] for i in range(0, len(key), 4)) in page
    # Reloading keeps the key the app may already have.
    client.get(ENROL)
    assert TOTPDevice.objects.get(user=dong_e_assistant).key == device.key
    response = give_code(client, "000000", ENROL)
    assert CODE_FAILED in response.content.decode()
    assert not TOTPDevice.objects.get(user=dong_e_assistant).confirmed
    assert not StaticDevice.objects.exists()
    response = give_code(client, current_code(device), ENROL)
    html = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert "每个恢复码只能使用一次" in html
    codes = recovery_codes(html)
    assert len(set(codes)) == 10
    assert sorted(codes) == sorted(StaticToken.objects.values_list("token", flat=True))
    assert client.get("/").status_code == 200  # verified by the enrolment
    assert AuditEntry.objects.get(action="enable_two_factor").actor == dong_e_assistant
    # Shown once: enrolment is closed now, and the 两步验证 page shows no code.
    assert client.get(ENROL)["Location"] == "/core/two-factor/"
    status = client.get("/core/two-factor/").content.decode()
    assert "已启用" in status and "剩余恢复码：10 个" in status
    assert not any(code in status for code in codes)
    _, target = sign_in(dong_e_assistant)
    assert target == VERIFY


def test_renewing_recovery_codes_needs_a_current_code(dong_e_assistant):
    device, old = enrolled(dong_e_assistant)
    client = client_for(dong_e_assistant)
    response = client.post("/core/two-factor/recovery-codes/", {"code": "000000"}, follow=True)
    assert CODE_FAILED in response.content.decode()
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(old)
    response = client.post("/core/two-factor/recovery-codes/", {"code": current_code(device)})
    new = recovery_codes(response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(new)
    other, _ = sign_in(dong_e_assistant)
    assert CODE_FAILED in give_code(other, old[0]).content.decode()
    assert give_code(other, new[0])["Location"] == "/"


def test_a_required_user_may_not_remove_their_own_device(dong_e_assistant):
    device, _ = enrolled(dong_e_assistant)
    client = client_for(dong_e_assistant)
    page = client.get("/core/two-factor/").content.decode()
    assert "停用两步验证" not in page and "更换手机请联系县级管理员重置" in page
    response = client.post("/core/two-factor/disable/", {"code": current_code(device)}, follow=True)
    assert "您的岗位必须使用两步验证，不能自行停用" in response.content.decode()
    assert TOTPDevice.objects.filter(user=dong_e_assistant, confirmed=True).exists()


def test_a_voluntary_user_may_skip_enrol_and_stop(dong_e):
    worker = factories.user(Role.SOCIAL_WORKER, dong_e)
    client, target = sign_in(worker)
    assert target == "/"
    assert client.get("/cases/").status_code == 200
    page = client.get("/core/two-factor/").content.decode()
    assert "未启用" in page and "启用两步验证" in page
    # Enrols of their own accord: from then on the code is asked.
    assert client.get(ENROL).status_code == 200
    device = TOTPDevice.objects.get(user=worker)
    assert (
        len(recovery_codes(give_code(client, current_code(device), ENROL).content.decode())) == 10
    )
    second, target = sign_in(worker)
    assert target == VERIFY
    assert second.get("/cases/")["Location"] == f"{VERIFY}?next=%2Fcases%2F"
    assert give_code(second, current_code(device))["Location"] == "/"
    # And may stop, with a current code.
    response = second.post("/core/two-factor/disable/", {"code": "000000"}, follow=True)
    assert CODE_FAILED in response.content.decode()
    response = second.post("/core/two-factor/disable/", {"code": current_code(device)}, follow=True)
    assert "已停用两步验证。" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert not StaticDevice.objects.filter(user=worker).exists()
    assert AuditEntry.objects.filter(action="disable_two_factor", actor=worker).count() == 1
    _, target = sign_in(worker)
    assert target == "/"


def test_a_new_coordinator_is_not_told_to_enrol(county_admin, dong_e_village):
    form = {"username": "zhao_yi", "name": "赵一", "role": Role.VILLAGE_COORDINATOR}
    form |= {"region": dong_e_village.pk, "department": ""}
    page = client_for(county_admin).post("/core/staff/new/", form).content.decode()
    assert "已新增工作人员：赵一" in page and "两步验证" not in page.split("<main")[1]


def test_with_the_optional_setting_nobody_is_made_to_enrol(settings, county_admin):
    settings.JIUZHU_TWO_FACTOR = "optional"
    client, target = sign_in(county_admin)
    assert target == "/"
    assert client.get("/core/staff/").status_code == 200


def token_request(client: APIClient, user: User):
    return client.post(
        "/api/auth/token/",
        {"username": user.username, "password": factories.PASSWORD},
        format="json",
    )


def test_a_token_needs_a_verified_session_of_the_same_user(dong_e_assistant, county_admin):
    device = factories.authenticator(dong_e_assistant)
    response = token_request(APIClient(), dong_e_assistant)
    assert response.status_code == 400
    assert response.json() == {"detail": SECOND_STEP_FIRST}
    # A session past the password only is held back by the gate.
    unverified = APIClient()
    assert unverified.login(username=dong_e_assistant.username, password=factories.PASSWORD)
    assert token_request(unverified, dong_e_assistant).status_code == 403
    # Another user's verified session does not do.
    assert token_request(signed_in(county_admin), dong_e_assistant).json() == {
        "detail": SECOND_STEP_FIRST
    }
    assert not ApiToken.objects.exists()
    verified = APIClient()
    verified.post(
        "/login/", {"username": dong_e_assistant.username, "password": factories.PASSWORD}
    )
    verified.post(VERIFY, {"code": current_code(device)})
    response = token_request(verified, dong_e_assistant)
    assert response.status_code == 200
    assert ApiToken.objects.get().user == dong_e_assistant


def test_a_user_without_two_factors_gets_a_token_with_the_password(dong_e):
    worker = factories.user(Role.SOCIAL_WORKER, dong_e)
    assert token_request(APIClient(), worker).status_code == 200
    factories.authenticator(worker)  # enrolled of their own accord: now the session is needed
    assert token_request(APIClient(), worker).json() == {"detail": SECOND_STEP_FIRST}


def test_a_county_admin_resets_a_lost_phone(county_admin, dong_e_assistant):
    enrolled(dong_e_assistant)
    victim_session = client_for(dong_e_assistant)
    assert victim_session.get("/").status_code == 200
    admin = client_for(county_admin)
    page = admin.get("/core/staff/").content.decode()
    assert "重置两步验证" in page and "已启用" in page
    response = admin.post(f"/core/staff/{dong_e_assistant.pk}/two-factor/reset/", follow=True)
    assert "身份验证器和恢复码已删除，已登录的会话已结束" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=dong_e_assistant).exists()
    assert not StaticDevice.objects.filter(user=dong_e_assistant).exists()
    assert victim_session.get("/")["Location"].startswith("/login/")
    entry = AuditEntry.objects.get(action="reset_two_factor")
    assert (entry.actor, entry.object_id) == (county_admin, dong_e_assistant.pk)
    _, target = sign_in(dong_e_assistant)
    assert target == ENROL
    # Nothing left to reset: refused in Chinese, nothing audited again.
    response = admin.post(f"/core/staff/{dong_e_assistant.pk}/two-factor/reset/", follow=True)
    assert "该账户没有启用两步验证，无需重置。" in response.content.decode()
    assert AuditEntry.objects.filter(action="reset_two_factor").count() == 1


def test_an_admin_may_not_reset_their_own_and_others_may_not_reset(county_admin, dong_e):
    factories.authenticator(county_admin)
    admin = client_for(county_admin)
    response = admin.post(f"/core/staff/{county_admin.pk}/two-factor/reset/", follow=True)
    assert "不能重置自己的两步验证，请由另一位管理员操作。" in response.content.decode()
    for role in (Role.COUNTY_SUPERVISOR, Role.AUDITOR, Role.TOWN_ASSISTANT):
        other = client_for(factories.user(role, factories.county()))
        response = other.post(f"/core/staff/{county_admin.pk}/two-factor/reset/")
        assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=county_admin).count() == 1
    assert not AuditEntry.objects.filter(action="reset_two_factor").exists()


def test_deactivation_removes_the_devices(county_admin, dong_e_assistant):
    enrolled(dong_e_assistant)
    client_for(county_admin).post(f"/core/staff/{dong_e_assistant.pk}/active/", {"active": "0"})
    assert not TOTPDevice.objects.filter(user=dong_e_assistant).exists()
    assert not StaticDevice.objects.filter(user=dong_e_assistant).exists()
