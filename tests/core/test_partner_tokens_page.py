"""County administrators issue department partners' API tokens on the security page (shown
once, audited), and revoke them there; nobody else may."""

import pytest
from rest_framework.test import APIClient

from jiuzhu.core.models import ApiToken, AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.core.tokens import token_digest
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/core/security/tokens/new/"


@pytest.fixture
def officer(dong_e):
    return factories.user(
        Role.DEPARTMENT_OFFICER,
        factories.county(),
        username="yibao",
        department="县医疗保障局",
        last_name="医",
        first_name="保",
    )


def test_an_admin_issues_a_token_shown_once_and_audited(county_admin, officer):
    client = client_for(county_admin)
    form = client.get(URL).content.decode()
    assert f'<option value="{officer.pk}">医保（县医疗保障局，' in form
    assert "共享：救助对象类别（医保参保资助）" in form
    response = client.post(URL, {"officer": officer.pk, "scopes": ["sharing.recipients"]})
    page = response.content.decode()
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    clear = page.split('<strong class="secret" id="token">')[1].split("</strong>")[0]
    token = ApiToken.objects.get()
    assert token.digest == token_digest(clear) and token.user == officer
    assert token.scopes == ["sharing.recipients"]
    assert AuditEntry.objects.filter(actor=county_admin, action="issue_partner_token").count() == 1
    api = APIClient(HTTP_HOST="127.0.0.1")
    api.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
    assert api.get("/api/sharing/recipients/").status_code == 400  # in: asks for a month
    assert clear not in client.get("/core/security/").content.decode()  # never again
    client.post(f"/core/security/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/sharing/recipients/").status_code == 401


def test_bad_input_says_why_and_issues_nothing(county_admin, officer, dong_e_assistant):
    client = client_for(county_admin)
    cases = [
        ({"officer": officer.pk}, "共享权限范围：请至少选择一项共享权限范围。"),
        ({"officer": officer.pk, "scopes": ["registry.write"]}, "共享权限范围：请从列表中选择。"),
        ({"scopes": ["sharing.cases"]}, "部门数据专员：请选择部门数据专员。"),
        (
            {"officer": dong_e_assistant.pk, "scopes": ["sharing.cases"]},
            "部门数据专员：请从列表中选择。",
        ),
    ]
    for data, said in cases:
        page = client.post(URL, data).content.decode()
        assert said in page, data
    assert (
        not ApiToken.objects.exists()
        and not AuditEntry.objects.filter(action="issue_partner_token").exists()
    )


def test_only_county_administrators_may(officer, dong_e_assistant):
    for user in (officer, dong_e_assistant):
        client = client_for(user)
        assert client.get(URL).status_code == 404
        client.post(URL, {"officer": officer.pk, "scopes": ["sharing.cases"]})
    assert not ApiToken.objects.exists()
